"""A projection is a pure mapping from events to view writes.

A view is a set of hashes: key -> {field: value}, values are strings (deterministic
JSON or decimal strings). A projection reads what it needs of the view it is
building through `ViewBatch.get`, and writes through `set`/`delete`; it never does
I/O itself. The runner groups the writes of many events into one batch and hands
them, with the batch's checkpoint (a `Tracking`), to a view store that applies both
in one atomic step.

Each event that changes a view also yields one thin change message for the
downstream feed: {nid, event, keys}, naming the view keys it changed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

import orjson
from linkledger.projections.records import Record

MISSING = object()


def dumps(value: Any) -> str:
    """The one encoding of a view value: compact JSON, sorted keys."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def loads(text: str) -> Any:
    return orjson.loads(text)


class Projection(ABC):
    """One read model. `version` is the code version of its mapping: bump it when
    the mapping changes, and rebuild side by side."""

    name: ClassVar[str]
    version: ClassVar[int] = 1
    topics: ClassVar[frozenset[str]]
    description: ClassVar[str] = ""

    @abstractmethod
    def apply(self, record: Record, view: ViewBatch) -> None:
        """Map one event to view writes."""


Fetch = Callable[[str, str], "str | None"]


class ViewBatch:
    """The writes of a run of events, over the view as it stands in the store.

    Reads see the batch's writes, then a bounded cache of values already read or
    written, then the store (`fetch`). `complete=True` says the cache holds everything
    the store has (a build from zero that has not yet dropped its cache), so a miss is
    known absent without a round trip. The writes of the event being applied can be
    undone (`discard_event`) if the projection fails on it.
    """

    def __init__(
        self, fetch: Fetch, *, cache_limit: int = 100_000, complete: bool = False, announced_through: int = 0
    ) -> None:
        self._fetch = fetch
        self._cache: dict[tuple[str, str], str | None] = {}
        self._cache_limit = cache_limit
        self._complete = complete
        self.writes: dict[tuple[str, str], str | None] = {}
        self.changes: list[tuple[int, str]] = []
        self._undo: dict[tuple[str, str], object] = {}
        self._announced_through = announced_through  # the feed has these already: no message to build
        self._nid = 0
        self._topic = ""

    # ------------------------------------------------------------ projection side
    def get(self, key: str, field: str) -> str | None:
        kf = (key, field)
        value = self.writes.get(kf, MISSING)
        if value is MISSING:
            value = self._cache.get(kf, MISSING)
            if value is MISSING:
                if self._complete:
                    return None
                value = self._fetch(key, field)
                self._remember(kf, value)
        return value  # type: ignore[return-value]

    def set(self, key: str, field: str, value: str) -> None:
        kf = (key, field)
        if kf not in self._undo:
            self._undo[kf] = self.writes.get(kf, MISSING)
        self.writes[kf] = value

    def delete(self, key: str, field: str) -> None:
        kf = (key, field)
        if kf not in self._undo:
            self._undo[kf] = self.writes.get(kf, MISSING)
        self.writes[kf] = None

    # ---------------------------------------------------------------- runner side
    def begin(self, record: Record) -> None:
        self._undo = {}
        self._nid = record.nid
        self._topic = record.topic

    def commit_event(self) -> None:
        """The event was applied without error: keep its writes, and note the change."""
        if self._undo:
            if self._nid > self._announced_through:
                keys = sorted({k for k, _ in self._undo})
                self.changes.append((self._nid, dumps({"nid": self._nid, "event": self._topic, "keys": keys})))
            self._undo = {}

    def discard_event(self) -> None:
        """The projection failed on this event: take its writes back out of the batch."""
        for kf, before in self._undo.items():
            if before is MISSING:
                self.writes.pop(kf, None)
            else:
                self.writes[kf] = before  # type: ignore[assignment]
        self._undo = {}

    def flushed(self) -> None:
        """The batch is in the store: its writes become cached reads; start a new batch."""
        if len(self._cache) + len(self.writes) > self._cache_limit:
            self._cache = {}  # bounded memory: start over; the store still has it all
            self._complete = False
        self._cache.update(self.writes)
        self.writes = {}
        self.changes = []

    def _remember(self, kf: tuple[str, str], value: str | None) -> None:
        if len(self._cache) >= self._cache_limit:
            self._cache = {}
            self._complete = False
        self._cache[kf] = value


def fold(projection: Projection, records: Any) -> dict[str, dict[str, str]]:
    """Run a projection over records in memory: the view it would build from zero."""
    batch = ViewBatch(lambda key, field: None, cache_limit=1 << 62, complete=True)
    for record in records:
        if record.topic in projection.topics:
            batch.begin(record)
            projection.apply(record, batch)
            batch.commit_event()
    view: dict[str, dict[str, str]] = {}
    for (key, field), value in batch.writes.items():
        if value is not None:
            view.setdefault(key, {})[field] = value
    return view
