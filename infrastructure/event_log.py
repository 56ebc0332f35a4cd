"""Reading the event log in order, as records, for the projection runner.

Pages are read with `stop=head`, where `head` was read first: on SQLite every row
up to `head` is committed, and on PostgreSQL the library inserts under a table
lock, so commit order is id order and no row below `head` can appear later. A page
shorter than asked therefore means the reader has seen everything up to `head`,
and the checkpoint may move to `head` even if the last rows were of topics no
projection reads.

On SQLite the page is read with one plain SELECT on the library's table (no
`Notification` objects, no UUID parsing): this is the hot path of a rebuild. On
PostgreSQL it goes through `select_notifications`, and `wait_for_events` LISTENs on
the channel the library NOTIFYs after each insert.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from eventsourcing.persistence import Mapper
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import resolve_topic
from linkledger.infrastructure.ledger import LinkLedger
from linkledger.infrastructure.transcodings import decode_payload, upcast
from linkledger.projections.records import Record


@cache
def _class_version(topic: str) -> int:
    return int(getattr(resolve_topic(topic), "class_version", 1))


def decode(mapper: Mapper, nid: int, originator_id: Any, version: int, topic: str, state: bytes) -> Record:
    data = decode_payload(mapper, state)
    if "class_version" in data or _class_version(topic) > 1:
        upcast(resolve_topic(topic), data)
    return Record(nid, canonical_id(originator_id), version, topic, data)


def canonical_id(originator_id: Any) -> str:
    """The dashed UUID text, as event payloads write ids (SQLite keeps 32 hex digits)."""
    if isinstance(originator_id, str) and len(originator_id) == 32:
        h = originator_id
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return str(originator_id)


@dataclass(frozen=True)
class Page:
    records: list[Record]
    through: int  # every event up to here has been read (the next read starts after it)


class EventLog:
    def __init__(self, ledger: LinkLedger) -> None:
        self.ledger = ledger
        self.app_name = ledger.name
        self.recorder = ledger.recorder
        self.mapper = ledger.mapper
        self._listen_conn: Any = None
        # PostgreSQL: without the library's own silent retries (ten tries of up to the connect
        # timeout each): an outage reaches the runner's StoreRetry at once, which says so.
        self._max_id = _unretried(self.recorder, "max_notification_id")
        self._select = _unretried(self.recorder, "select_notifications")

    @property
    def is_postgres(self) -> bool:
        # Not an isinstance check: eventsourcing.postgres needs psycopg, an optional extra.
        return _is_postgres(self.recorder)

    def head(self) -> int:
        return self._max_id() or 0

    def read(self, after: int, limit: int, topics: Iterable[str] = (), stop: int | None = None) -> Page:
        """Records after `after`, at most `limit`, up to the head (or up to `stop`, which must be
        a head already seen: rows below a seen head are all committed)."""
        head = self.head() if stop is None else stop
        if head <= after:
            return Page([], after)
        topics = sorted(topics)
        if isinstance(self.recorder, SQLiteApplicationRecorder):
            rows = self._sqlite_rows(after, limit, head, topics)
        else:
            rows = [
                (n.id, n.originator_id, n.originator_version, n.topic, n.state)
                for n in self._select(after, limit, stop=head, topics=topics, inclusive_of_start=False)
            ]
        records = [decode(self.mapper, *row) for row in rows]
        through = head if len(rows) < limit else rows[-1][0]
        return Page(records, through)

    def _sqlite_rows(self, after: int, limit: int, head: int, topics: list[str]) -> list[tuple[Any, ...]]:
        recorder = self.recorder
        assert isinstance(recorder, SQLiteApplicationRecorder)
        sql = (
            f"SELECT rowid, originator_id, originator_version, topic, state FROM {recorder.events_table_name} "
            "WHERE rowid > ? AND rowid <= ?"
        )
        params: list[Any] = [after, head]
        if topics:
            sql += f" AND topic IN ({','.join('?' * len(topics))})"
            params += topics
        sql += " ORDER BY rowid LIMIT ?"
        params.append(limit)
        with recorder.datastore.transaction(commit=False) as c:
            c.execute(sql, params)
            return [tuple(row) for row in c.fetchall()]

    def recorded_at(self, nid: int) -> datetime | None:
        """When the event at `nid` was recorded (the library's timestamp)."""
        if nid <= 0:
            return None
        found = self.recorder.select_notifications(nid, 1, stop=nid)
        if not found:
            return None
        data = decode_payload(self.mapper, found[0].state)
        return datetime.fromisoformat(data["timestamp"]) if "timestamp" in data else None

    def wait_for_events(self, after: int, timeout: float) -> bool:
        """Block until the log has an event after `after`, or `timeout` passes.
        PostgreSQL: LISTEN/NOTIFY; SQLite (no notifications): polling."""
        if self.head() > after:
            return True
        deadline = time.monotonic() + timeout
        if self.is_postgres:
            try:
                conn = self._listener()
                for _ in conn.notifies(timeout=max(0.0, deadline - time.monotonic()), stop_after=1):
                    break
                if conn.broken or conn.closed:  # the server went away: say so now, not after the pool's retries
                    raise _server_gone()
            except Exception:
                self.close()  # a broken LISTEN connection is made again on the next wait
                raise
            return self.head() > after
        while time.monotonic() < deadline:
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
            if self.head() > after:
                return True
        return False

    def _listener(self) -> Any:
        if self._listen_conn is None:
            from psycopg.sql import SQL, Identifier

            recorder: Any = self.recorder
            stack = ExitStack()
            conn = stack.enter_context(recorder.datastore.get_connection())
            conn.execute(SQL("LISTEN {0}").format(Identifier(recorder.channel_name)))
            conn.commit()
            self._listen_conn, self._listen_stack = conn, stack
        return self._listen_conn

    def close(self) -> None:
        if self._listen_conn is not None:
            self._listen_stack.close()
            self._listen_conn = None


def _server_gone() -> Exception:
    import psycopg

    return psycopg.OperationalError("the server closed the connection")


def _unretried(recorder: Any, name: str) -> Any:
    """The recorder's method `name`, without the library's retry decorator (PostgreSQL only)."""
    method = getattr(recorder, name)
    raw = getattr(getattr(type(recorder), name), "__wrapped__", None)
    return functools.partial(raw, recorder) if raw is not None and _is_postgres(recorder) else method


def _is_postgres(recorder: Any) -> bool:
    return any(c.__module__ == "eventsourcing.postgres" for c in type(recorder).__mro__)
