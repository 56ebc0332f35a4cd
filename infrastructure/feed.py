"""A downstream consumer of a projection's change feed, done right.

The feed is a Redis stream per projection; each entry's id is `<nid>-0`, the
notification id of the event that changed the view, and its message names the view
keys that changed (a thin "go and re-read" message, not the data). The consumer:

1. reads with a consumer group (`XREADGROUP`), so several consumers share the work;
2. on start, first re-reads its own pending entries (`0`), which a crash left unacked;
3. handles each message and records its nid *in its own store, in the same
   transaction as its own effect*; only then `XACK`s it. A redelivered nid is found
   in that store and only acked again (dedupe by notification id);
4. claims entries left pending too long by a dead consumer (`XAUTOCLAIM`).

`SeenStore` is the consumer's own store (an SQLite file here). `linkledger feed tail`
runs `tail_feed`: this consumer on a Redis view store (riding out a Redis outage: after
it, the consumer first re-reads its own pending entries, so nothing is lost, and the
dedupe by nid means nothing is handled twice), or a read of the feed table of an SQLite
view store from the last nid handled.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import Any

import orjson
import redis
from linkledger.infrastructure.store_retry import StoreRetry
from linkledger.infrastructure.view_store import ViewStore

Handler = Callable[[int, dict[str, Any], sqlite3.Connection], None]


class SeenStore:
    """The consumer's own database: its effects and the nids it has handled, committed together."""

    def __init__(self, path: str) -> None:
        from linkledger.infrastructure.errors import sqlite_fault

        try:
            self.db = sqlite3.connect(path, isolation_level=None)
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS handled (feed TEXT NOT NULL, nid INTEGER NOT NULL, "
                "PRIMARY KEY (feed, nid)) WITHOUT ROWID"
            )
        except sqlite3.Error as e:  # a folder, a missing folder, not SQLite: say which file
            raise sqlite_fault("feed state", f"the consumer's state file {path}", e) from None

    def handle_once(self, feed: str, nid: int, message: dict[str, Any], handler: Handler) -> bool:
        """Run `handler` and record `nid` in one transaction; False if `nid` was handled before."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if self.db.execute("SELECT 1 FROM handled WHERE feed=? AND nid=?", (feed, nid)).fetchone():
                self.db.execute("ROLLBACK")
                return False
            handler(nid, message, self.db)
            self.db.execute("INSERT INTO handled VALUES (?, ?)", (feed, nid))
            self.db.execute("COMMIT")
            return True
        except BaseException:
            if self.db.in_transaction:  # Ctrl-C may land after the COMMIT
                self.db.execute("ROLLBACK")
            raise

    def last(self, feed: str) -> int:
        row = self.db.execute("SELECT MAX(nid) FROM handled WHERE feed=?", (feed,)).fetchone()
        return int(row[0] or 0)

    def close(self) -> None:
        self.db.close()


class FeedConsumer:
    def __init__(
        self, r: redis.Redis, stream: str, group: str, consumer: str, seen: SeenStore, *, claim_idle_ms: int = 60_000
    ) -> None:
        self.r = r
        self.stream = stream
        self.group = group
        self.consumer = consumer
        self.seen = seen
        self.claim_idle_ms = claim_idle_ms
        self._pending_first = True
        self.last_entries = 0  # entries the last poll read (handled now, or before)

    def restart(self) -> None:
        """After a lost connection: read my own pending entries first again (a handled entry
        whose ack was lost is acked, not handled again)."""
        self._pending_first = True

    def ensure_group(self, start: str = "0") -> None:
        """Create the group (from the start of the stream by default) if it is missing."""
        try:
            self.r.xgroup_create(self.stream, self.group, id=start, mkstream=True)
        except redis.ResponseError as e:
            if "BUSYGROUP" not in str(e):
                raise

    def poll(self, handler: Handler, *, count: int = 100, block_ms: int = 1000) -> int:
        """Handle one round of entries; returns how many were handled for the first time."""
        entries: list[tuple[str, dict[str, str]]] = []
        if self._pending_first:
            entries = self._read("0", count, None)  # my own unacked entries, from before a crash
            if not entries:
                self._pending_first = False
        if not entries:
            entries = self._claim(count)
        if not entries:
            entries = self._read(">", count, block_ms)
        self.last_entries = len(entries)
        fresh = 0
        for entry_id, fields in entries:
            if fields is None:  # trimmed away while pending: nothing left to handle
                self.r.xack(self.stream, self.group, entry_id)
                continue
            nid = int(entry_id.split("-")[0])
            message = orjson.loads(fields["m"])
            if self.seen.handle_once(self.stream, nid, message, handler):
                fresh += 1
            self.r.xack(self.stream, self.group, entry_id)  # after our own commit
        return fresh

    def _read(self, start: str, count: int, block_ms: int | None) -> list[tuple[str, Any]]:
        reply = self.r.xreadgroup(self.group, self.consumer, {self.stream: start}, count=count, block=block_ms)
        if not reply:
            return []
        _, entries = reply[0]
        return list(entries)

    def _claim(self, count: int) -> list[tuple[str, Any]]:
        reply = self.r.xautoclaim(self.stream, self.group, self.consumer, self.claim_idle_ms, "0-0", count=count)
        claimed = reply[1] if reply else []
        return list(claimed)


def tail_feed(
    store: ViewStore,
    projection: str,
    seen: SeenStore,
    handler: Handler,
    *,
    group: str = "tail",
    consumer: str = "tail-1",
    count: int = 100,
    claim_idle_ms: int = 60_000,
    follow: bool = False,
    should_stop: Callable[[], bool] = lambda: False,
    retry: StoreRetry | None = None,
) -> None:
    """Handle the projection's feed entries not handled yet, once each; with `follow`, keep
    waiting for more until `should_stop()` (an outage of the view store is waited out)."""
    from linkledger.infrastructure.redis_views import RedisViewStore

    retry = retry or StoreRetry()
    if not isinstance(store, RedisViewStore):
        _tail_table(store, projection, seen, handler, count, follow, should_stop)
        return
    reader = FeedConsumer(store.r, store.feed_key(projection), group, consumer, seen, claim_idle_ms=claim_idle_ms)
    retry.call(reader.ensure_group)
    while not should_stop():
        retry.call(lambda: reader.poll(handler, count=count, block_ms=1000), on_retry=reader.restart)
        if not follow and reader.last_entries == 0:
            break


def _tail_table(
    store: ViewStore,
    projection: str,
    seen: SeenStore,
    handler: Handler,
    count: int,
    follow: bool,
    should_stop: Callable[[], bool],
) -> None:
    """SQLite views: the feed is a table; the consumer's position is the last nid it handled."""
    feed = f"sqlite:{projection}"
    while not should_stop():
        entries = store.feed(projection, after=seen.last(feed), count=count)
        for nid, message in entries:
            seen.handle_once(feed, nid, message, handler)
        if not entries:
            if not follow:
                break
            time.sleep(1.0)
