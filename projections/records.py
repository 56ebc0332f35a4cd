"""An event as a projection sees it: its place in the log, its originator, its
topic and its payload as plain JSON data (already upcast to the current class).

Projections work on these records rather than on pydantic event objects: building
a model per event would cost more than every other step of a rebuild together.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from eventsourcing.utils import get_topic, resolve_topic


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


def is_created(record: Record) -> bool:
    return "originator_topic" in record.data


def record_of(event: Any, nid: int) -> Record:
    """A domain event object as a record (for folding events already loaded)."""
    data = event.model_dump(mode="json", exclude={"originator_id", "originator_version"})
    return Record(nid, str(event.originator_id), event.originator_version, get_topic(type(event)), data)
