"""The composition root: the one place a LinkLedger is built (CLI, tests, benchmarks).

`open_ledger(store)` checks the store's format, creates its tables safely (on
PostgreSQL once, under an advisory lock, so processes starting together never race
on table setup), and opens the application with our recorder, snapshots and the
library's PostgreSQL insert path that keeps notification ids in commit order.
`record_rule_files` records the shipped and given rule files in the store.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from eventsourcing.utils import Environment, get_topic
from linkledger.domain.errors import LedgerError
from linkledger.infrastructure.errors import (
    EventStoreUnavailable,
    EventStoreUnusable,
    fault_of,
    one_line,
    postgres_cause,
    sqlite_fault,
)
from linkledger.infrastructure.event_store import DEFAULT_STORE, event_store_env
from linkledger.infrastructure.ledger import LinkLedger
from linkledger.infrastructure.recorders import STORE_FORMAT, SQLiteLedgerRecorder
from linkledger.infrastructure.rule_files import load_policy_files, load_price_book_files

TABLE_SETUP_LOCK = "linkledger:create-tables"


class StoreFormatError(LedgerError):
    rule = "store format"


def _old_store(found: str | None) -> StoreFormatError:
    if found is None:
        return StoreFormatError(
            "this store was written by linkledger 0.1 (step 2: store format 1, one store-wide LedgerClock); "
            f"this linkledger reads store format {STORE_FORMAT} (each account keeps its own clock). "
            "Replay its scenario into a new store: linkledger --store NEW.db run SCENARIO"
        )
    if found == "2":
        return StoreFormatError(
            "this store was written by linkledger 0.2 (step 3: store format 2, no issued invoices); this "
            f"linkledger reads store format {STORE_FORMAT} (accounts issue numbered invoices and keep drafts). "
            "Replay its scenario into a new store: linkledger --store NEW.db run SCENARIO"
        )
    return StoreFormatError(
        f"this store has format {found}; this linkledger reads store format {STORE_FORMAT}. "
        "Use the linkledger version that wrote it"
    )


def _sqlite_format(path: str) -> tuple[bool, str | None]:
    """(has events, format) of an SQLite store, read without writing anything."""
    if path == ":memory:" or path.startswith("file:") or not Path(path).exists():
        return False, None
    try:
        con = sqlite3.connect(_read_only_uri(path), uri=True)
        try:
            return _format_of(con)
        finally:
            con.close()
    except sqlite3.Error as e:
        raise sqlite_fault("event store", path, e) from None


def _format_of(con: sqlite3.Connection) -> tuple[bool, str | None]:
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    has_events = "stored_events" in tables and con.execute("SELECT 1 FROM stored_events LIMIT 1").fetchone()
    fmt = None
    if "linkledger_meta" in tables:
        row = con.execute("SELECT value FROM linkledger_meta WHERE key='format'").fetchone()
        fmt = row[0] if row else None
    return bool(has_events), fmt


def writable(path: Path) -> bool:
    """Whether this process may write `path` (a file, or a folder to add files to)."""
    return os.access(path, os.W_OK)


def _read_only_uri(path: str) -> str:
    """An SQLite URI that reads `path` without writing: in a folder this process cannot write
    to, SQLite cannot make the WAL's shared-memory file either, so it reads the file as is."""
    p = Path(path).resolve()
    uri = f"file:{quote(str(p))}?mode=ro"
    return uri if writable(p.parent) else uri + "&immutable=1"


def _pg_connect(env: dict[str, str]) -> Any:
    """An autocommit connection to the store's database, from the library's settings; a
    connection fault is reported with its cause within the connect timeout."""
    import psycopg

    try:
        return psycopg.connect(
            host=env["POSTGRES_HOST"],
            port=env["POSTGRES_PORT"],
            dbname=env["POSTGRES_DBNAME"],
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"],
            connect_timeout=int(env["POSTGRES_CONNECT_TIMEOUT"]),
            autocommit=True,
        )
    except psycopg.Error as e:
        where = f"{env['POSTGRES_USER']}@{env['POSTGRES_HOST']}:{env['POSTGRES_PORT']}/{env['POSTGRES_DBNAME']}"
        raise EventStoreUnavailable(
            f"cannot connect to PostgreSQL at {where}: {postgres_cause(e)}; check the host, port, database and "
            "user in --store (or LINKLEDGER_STORE) and that the server is running"
        ) from None


def _pg_tables(conn: Any, env: dict[str, str]) -> tuple[bool, bool]:
    """Whether the events table and our meta table exist in the store's schema."""
    schema = env["POSTGRES_SCHEMA"]
    row = conn.execute(
        "SELECT to_regclass(%s) IS NOT NULL, to_regclass(%s) IS NOT NULL",
        (f'"{schema}".linkledger_events', f'"{schema}".linkledger_meta'),
    ).fetchone()
    return bool(row[0]), bool(row[1])


def _pg_schema_exists(conn: Any, env: dict[str, str]) -> bool:
    row = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (env["POSTGRES_SCHEMA"],)).fetchone()
    return row is not None


def _postgres_ready(store: str, env: dict[str, str], must_exist: bool = False) -> bool:
    """Create the tables once, under an advisory lock; True when they exist. A reader
    (`must_exist`) creates nothing: tables missing are a store that is not there."""
    schema = env["POSTGRES_SCHEMA"]
    with _pg_connect(env) as conn:
        events, meta = _pg_tables(conn, env)
        if events and meta:
            return True
        if must_exist:
            if events and conn.execute(f'SELECT 1 FROM "{schema}".linkledger_events LIMIT 1').fetchone():
                raise _old_store(None)  # events without the meta table: step 2's store, named as such
            raise NoStoreError(f"there is no event store at {store}; write one with `linkledger run SCENARIO`")
        if not _pg_schema_exists(conn, env):
            raise EventStoreUnusable(
                f"the schema {schema!r} does not exist in database {env['POSTGRES_DBNAME']!r}; create it "
                f"(CREATE SCHEMA {schema}) or name another with ?schema=NAME"
            )
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (TABLE_SETUP_LOCK,))
        try:
            events, meta = _pg_tables(conn, env)
            if events and not meta:
                has_events = conn.execute(f'SELECT 1 FROM "{schema}".linkledger_events LIMIT 1').fetchone()
                if has_events:
                    raise _old_store(None)
            if not (events and meta):
                StoreLedger(env={**env, "CREATE_TABLE": "y"}).close()
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (TABLE_SETUP_LOCK,))
    return True


def ledger_env(store: str) -> dict[str, str]:
    env = event_store_env(store)
    if env["PERSISTENCE_MODULE"] == "eventsourcing.postgres":
        from linkledger.infrastructure.postgres_recorder import PostgresLedgerRecorder

        env["APPLICATION_RECORDER_TOPIC"] = get_topic(PostgresLedgerRecorder)
        env["POSTGRES_ENABLE_DB_FUNCTIONS"] = "n"
    else:
        env["APPLICATION_RECORDER_TOPIC"] = get_topic(SQLiteLedgerRecorder)
    return env


class NoStoreError(LedgerError):
    rule = "event store"


class StoreLedger(LinkLedger):
    """The LinkLedger as opened here: configured by the settings it is given and nothing else.
    The library would also read the process environment, where `LINKLEDGER_<KEY>` (its prefix
    for an application named LinkLedger) would override our own settings: it does not."""

    name = LinkLedger.name

    def construct_env(self, name: str, env: Any = None) -> Environment:
        merged = dict(type(self).env)
        merged.update(env or {})
        return Environment(name, merged)


def _check_sqlite(store: str, base: dict[str, str], must_exist: bool) -> None:
    """Refuse a path that is no SQLite store, before the library opens (and changes) it; a
    store this process cannot write is opened to be read."""
    path = base["SQLITE_DBNAME"]
    if path == ":memory:" or path.startswith("file:"):
        return
    p = Path(path).expanduser()
    if p.is_dir():
        raise EventStoreUnusable(
            f"{store} is a folder, not an SQLite file; give a file path, such as {p / DEFAULT_STORE}"
        )
    if not p.exists():
        if must_exist:
            raise NoStoreError(f"there is no event store at {store}; write one with `linkledger run SCENARIO`")
        _make_folder(store, p.resolve().parent)
        return
    has_events, fmt = _sqlite_format(path)
    if (has_events and fmt is None) or (fmt is not None and fmt != STORE_FORMAT):
        raise _old_store(fmt)  # before the library opens it: an old store is left as it was
    if must_exist and fmt is None:  # an empty file, or SQLite without a ledger: a read makes none
        raise NoStoreError(f"{store} holds no event store; write one with `linkledger run SCENARIO`")
    if not (writable(p) and writable(p.resolve().parent)):
        if not must_exist:  # a write command
            raise EventStoreUnusable(
                f"cannot write to the event store {store}: the file or its folder is read-only; make both "
                "writable, or copy the store to a writable folder"
            )
        base["SQLITE_DBNAME"] = _read_only_uri(path)  # reads work; a write says it cannot write
        base["CREATE_TABLE"] = "n"


def _make_folder(store: str, folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise EventStoreUnusable(f"cannot make the folder for the event store {store}: {one_line(e)}") from None
    if not writable(folder):
        raise EventStoreUnusable(
            f"cannot write the event store {store}: the folder {folder} is read-only; use a writable folder"
        )


def open_ledger(store: str, env: dict[str, Any] | None = None, must_exist: bool = False) -> LinkLedger:
    """Open the event store named by `store` (an SQLite path or a postgresql:// URL). A
    reader passes `must_exist`: a mistyped path is refused instead of made. A store that
    cannot be used is refused with its cause (a `FaultError`), never a driver's traceback."""
    base = ledger_env(store)
    if base["PERSISTENCE_MODULE"] == "eventsourcing.postgres":
        _postgres_ready(store, base, must_exist)
        base["CREATE_TABLE"] = "n"
    else:
        _check_sqlite(store, base, must_exist)
    try:
        return _open_checked({**base, **(env or {})}, must_exist)
    except Exception as e:
        fault = fault_of(e)
        if fault is None:
            raise
        if isinstance(e, sqlite3.Error):
            fault = sqlite_fault("event store", store, e)
        raise fault from None


def _open_checked(env: dict[str, Any], must_exist: bool = False) -> LinkLedger:
    ledger = StoreLedger(env=env)
    try:
        fmt = ledger.recorder.meta("format")
        if fmt is None and ledger.recorder.has_events():
            # Another process opening this fresh store at the same time may have set the
            # format and written events since the read above (it sets the format first):
            # only events still without a format are an old store's.
            fmt = ledger.recorder.meta("format")
            if fmt is None:
                raise _old_store(None)
        if fmt is None and must_exist:  # a reader marks nothing: a store without a format is none
            raise NoStoreError("the store holds no event store yet; write one with `linkledger run SCENARIO`")
        if fmt is None:
            ledger.recorder.set_meta("format", STORE_FORMAT)
        elif fmt != STORE_FORMAT:
            raise _old_store(fmt)
    except BaseException:
        ledger.close()
        raise
    return ledger


def record_rule_files(ledger: LinkLedger, prices: list[Path], policies: list[Path], at: datetime) -> int:
    """Record the shipped rule files and the given ones that the store does not hold yet."""
    return ledger.record_rules(load_price_book_files(prices), load_policy_files(policies), at)
