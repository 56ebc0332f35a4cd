"""An event as a projection sees it: its place in the log, its originator, its
topic and its payload as plain JSON data (already upcast to the current class).

Projections work on these records rather than on pydantic event objects: building
a model per event would cost more than every other step of a rebuild together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

from eventsourcing.utils import get_topic, resolve_topic
from linkledger.domain.billing_day import day_of


@dataclass(frozen=True, slots=True)
class Record:
    nid: int  # notification id: the event's position in the log
    originator_id: str
    originator_version: int
    topic: str
    data: dict[str, Any]

    @property
    def name(self) -> str:
        """The event's class name, e.g. 'BandwidthCut' for linkledger.PrivateConnect.BandwidthCut."""
        return self.topic.rsplit(".", 1)[-1]

    @property
    def aggregate(self) -> str:
        """The aggregate's class name, e.g. 'PrivateConnect'."""
        return self.topic.split(".")[1]


@cache
def _fixed_state(topic: str) -> str:
    return getattr(resolve_topic(topic), "STATE", "") or ""


def resulting_state(record: Record) -> str | None:
    """The lifecycle state the event leaves its resource in, or None (the record
    twin of `Aggregate.Event.resulting_state`)."""
    state = record.data.get("state")
    if isinstance(state, str):
        return state
    return _fixed_state(record.topic) or None


@lru_cache(maxsize=65536)
def day_at(at: str) -> date:
    """The day (UTC) of an event time as a record holds it (ISO text, with any offset):
    parsed and compared as a time, never cut out of the text."""
    return day_of(datetime.fromisoformat(at))


@lru_cache(maxsize=65536)
def day_key(at: str) -> str:
    """`day_at` as `YYYY-MM-DD` (the balance view's per-day field)."""
    return day_at(at).isoformat()


@lru_cache(maxsize=65536)
def day_of_text(text: str) -> date:
    """A day written as `YYYY-MM-DD` (a service day, a line's first or last day)."""
    return date.fromisoformat(text)


@lru_cache(maxsize=65536)
def decimal_of(text: str) -> Decimal:
    """A decimal written as text (unit prices and quantities repeat: parsed once each)."""
    return Decimal(text)


def is_created(record: Record) -> bool:
    return "originator_topic" in record.data


def record_of(event: Any, nid: int) -> Record:
    """A domain event object as a record (for folding events already loaded)."""
    data = event.model_dump(mode="json", exclude={"originator_id", "originator_version"})
    return Record(nid, str(event.originator_id), event.originator_version, get_topic(type(event)), data)


def records_of(*histories: Iterable[Any]) -> list[Record]:
    """Several aggregates' events (an account's, then each of its resources') as records,
    each aggregate's in its own order, numbered from 1. The numbers stand in for notification
    ids: what the invoice and balance projections order by them (an account's lines, its
    resources' listing) is the account's own order either way, and what they take from a
    resource's events (its state, its memo, the account's clock as the latest time) does not
    depend on how aggregates interleave."""
    events = (e for history in histories for e in history)
    return [record_of(e, n) for n, e in enumerate(events, start=1)]
