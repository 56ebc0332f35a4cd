"""Views in an SQLite file: the embedded default, kept next to the event store.

One transaction (`BEGIN IMMEDIATE`) per batch: read the checkpoint, compare, write
the values, the feed rows and the new checkpoint, commit.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import orjson
from eventsourcing.persistence import Tracking
from linkledger.infrastructure.errors import StoreUnusable, one_line, sqlite_fault
from linkledger.infrastructure.view_store import Build, Changes, ViewStore, ViewStoreError, Writes

T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS view_values (
    ns TEXT NOT NULL, key TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (ns, key, field)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS view_checkpoints (ns TEXT PRIMARY KEY, cp INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS view_builds (projection TEXT NOT NULL, build TEXT NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (projection, build));
CREATE TABLE IF NOT EXISTS view_active (projection TEXT PRIMARY KEY, build TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS view_meta (ns TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (ns, field)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS feed (projection TEXT NOT NULL, nid INTEGER NOT NULL, message TEXT NOT NULL,
    PRIMARY KEY (projection, nid)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS feed_high_water (projection TEXT PRIMARY KEY, nid INTEGER NOT NULL);
"""


def _locked(method: Callable[..., T]) -> Callable[..., T]:
    """One connection, used by the runner's writer thread and by readers: one at a time."""

    @functools.wraps(method)
    def wrapper(self: SQLiteViewStore, *args: Any, **kwargs: Any) -> T:
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper


class SQLiteViewStore(ViewStore):
    kind = "sqlite"

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        try:
            self.db = self._connect(Path(self.path).expanduser())
        except sqlite3.Error as e:
            raise sqlite_fault("view store", self.path, e) from None

    def _connect(self, p: Path) -> sqlite3.Connection:
        """The file, made with its tables if new; a file this process cannot write is read as it is."""
        if p.is_dir():
            raise StoreUnusable(
                f"the view file {p} is a folder; give a file path, such as {p / 'views.db'}", "view store"
            )
        folder = p.resolve().parent
        if not p.exists():
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreUnusable(
                    f"cannot make the folder for the view file {p}: {one_line(e)}", "view store"
                ) from None
        elif not (os.access(p, os.W_OK) and os.access(folder, os.W_OK)):
            uri = f"file:{quote(str(p.resolve()))}?mode=ro" + ("" if os.access(folder, os.W_OK) else "&immutable=1")
            db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=30, check_same_thread=False)
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()  # not a database: raises here
            return db
        db = sqlite3.connect(str(p), isolation_level=None, timeout=30, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA cache_size=-32768")  # 32 MiB of page cache
        db.execute("PRAGMA wal_autocheckpoint=10000")
        db.executescript(SCHEMA)
        return db

    @_locked
    def close(self) -> None:
        self.db.close()

    # ----------------------------------------------------------------- builds
    @_locked
    def active(self, projection: str) -> str | None:
        row = self.db.execute("SELECT build FROM view_active WHERE projection=?", (projection,)).fetchone()
        return row[0] if row else None

    @_locked
    def builds(self, projection: str) -> list[str]:
        rows = self.db.execute("SELECT build FROM view_builds WHERE projection=? ORDER BY seq", (projection,))
        return [r[0] for r in rows]

    @_locked
    def new_build(self, projection: str, version: int) -> Build:
        with self._tx():
            row = self.db.execute(
                "SELECT COALESCE(MAX(seq), 0) FROM view_builds WHERE projection=?", (projection,)
            ).fetchone()
            seq = row[0] + 1
            build = Build(projection, f"v{version}.{seq}")
            self.db.execute("INSERT INTO view_builds VALUES (?, ?, ?)", (projection, build.build, seq))
            self.db.execute("INSERT INTO view_checkpoints VALUES (?, 0)", (build.ns,))
        return build

    @_locked
    def activate(self, build: Build) -> None:
        self.db.execute(
            "INSERT INTO view_active VALUES (?, ?) ON CONFLICT (projection) DO UPDATE SET build=excluded.build",
            (build.projection, build.build),
        )

    @_locked
    def drop(self, build: Build) -> None:
        if self.active(build.projection) == build.build:
            raise ViewStoreError(f"{build} is the active build; activate another before dropping it")
        with self._tx():
            for table in ("view_values", "view_checkpoints", "view_meta"):
                self.db.execute(f"DELETE FROM {table} WHERE ns=?", (build.ns,))
            self.db.execute("DELETE FROM view_builds WHERE projection=? AND build=?", (build.projection, build.build))

    # ---------------------------------------------------------------- reading
    @_locked
    def checkpoint(self, build: Build) -> int:
        row = self.db.execute("SELECT cp FROM view_checkpoints WHERE ns=?", (build.ns,)).fetchone()
        return int(row[0]) if row else 0

    @_locked
    def hget(self, build: Build, key: str, field: str) -> str | None:
        row = self.db.execute(
            "SELECT value FROM view_values WHERE ns=? AND key=? AND field=?", (build.ns, key, field)
        ).fetchone()
        return row[0] if row else None

    @_locked
    def hgetall(self, build: Build, key: str) -> dict[str, str]:
        rows = self.db.execute("SELECT field, value FROM view_values WHERE ns=? AND key=?", (build.ns, key))
        return dict(rows.fetchall())

    @_locked
    def keys(self, build: Build) -> Iterator[str]:
        rows = self.db.execute("SELECT DISTINCT key FROM view_values WHERE ns=? ORDER BY key", (build.ns,))
        return iter([r[0] for r in rows.fetchall()])

    # ---------------------------------------------------------------- writing
    def apply(self, build: Build, expected: int, tracking: Tracking, writes: Writes, changes: Changes) -> int:
        return self.apply_many([(build, expected, tracking, writes, changes)])[0]

    @_locked
    def apply_many(self, batches: list[tuple[Build, int, Tracking, Writes, Changes]]) -> list[int]:
        """One transaction for all; each build's guard is checked on its own."""
        with self._tx():
            return [self._apply(*batch) for batch in batches]

    def _apply(self, build: Build, expected: int, tracking: Tracking, writes: Writes, changes: Changes) -> int:
        new = tracking.notification_id
        ns = build.ns
        row = self.db.execute("SELECT cp FROM view_checkpoints WHERE ns=?", (ns,)).fetchone()
        current = int(row[0]) if row else 0
        if row is None or current != expected:
            return current
        sets = [(ns, k, f, v) for (k, f), v in writes.items() if v is not None]
        if len(sets) != len(writes):
            self.db.executemany(
                "DELETE FROM view_values WHERE ns=? AND key=? AND field=?",
                [(ns, k, f) for (k, f), v in writes.items() if v is None],
            )
        if sets:
            self.db.executemany("INSERT OR REPLACE INTO view_values VALUES (?, ?, ?, ?)", sets)
        if changes:
            hw = self.db.execute("SELECT nid FROM feed_high_water WHERE projection=?", (build.projection,)).fetchone()
            last = int(hw[0]) if hw else 0
            fresh = [(build.projection, nid, msg) for nid, msg in changes if nid > last]
            if fresh:
                self.db.executemany("INSERT INTO feed VALUES (?, ?, ?)", fresh)
                self.db.execute(
                    "INSERT INTO feed_high_water VALUES (?, ?) ON CONFLICT (projection) DO UPDATE SET nid=excluded.nid",
                    (build.projection, fresh[-1][1]),
                )
        self.db.execute("UPDATE view_checkpoints SET cp=? WHERE ns=?", (new, ns))
        return new

    @contextmanager
    def _tx(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # ------------------------------------------------------------ meta, feed
    @_locked
    def set_meta(self, build: Build, fields: dict[str, str]) -> None:
        with self._tx():
            self.db.executemany(
                "INSERT OR REPLACE INTO view_meta VALUES (?, ?, ?)", [(build.ns, f, v) for f, v in fields.items()]
            )

    @_locked
    def meta(self, build: Build) -> dict[str, str]:
        return dict(self.db.execute("SELECT field, value FROM view_meta WHERE ns=?", (build.ns,)).fetchall())

    @_locked
    def feed_high_water(self, projection: str) -> int:
        row = self.db.execute("SELECT nid FROM feed_high_water WHERE projection=?", (projection,)).fetchone()
        return int(row[0]) if row else 0

    @_locked
    def feed(self, projection: str, after: int = 0, count: int = 1000) -> list[tuple[int, dict[str, Any]]]:
        rows = self.db.execute(
            "SELECT nid, message FROM feed WHERE projection=? AND nid>? ORDER BY nid LIMIT ?",
            (projection, after, count),
        )
        return [(int(nid), orjson.loads(msg)) for nid, msg in rows.fetchall()]
