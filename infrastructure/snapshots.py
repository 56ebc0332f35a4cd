"""Snapshots of our pydantic aggregates that bring every value back with its type.

The library's snapshot stores `vars(aggregate)`; through pydantic's JSON mode a
Decimal, a date or a model would come back as a str or a dict, silently. Each value
is tagged on the way out and restored on the way in.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import CanSnapshotAggregate
from eventsourcing.utils import get_topic, register_topic, resolve_topic
from linkledger.domain.events import DomainEvent
from pydantic import BaseModel, field_serializer


def freeze(v: Any) -> Any:
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, (list, tuple, set, frozenset, dict)):
        return _freeze_collection(v)
    return _freeze_value(v)


def _freeze_value(v: Any) -> Any:
    if isinstance(v, BaseModel):
        return {"$m": get_topic(type(v)), "v": v.model_dump(mode="json")}
    if isinstance(v, Decimal):
        return {"$dec": str(v)}
    if isinstance(v, datetime):  # before date: a datetime is a date
        return {"$dt": v.isoformat()}
    if isinstance(v, date):
        return {"$date": v.isoformat()}
    if isinstance(v, UUID):
        return {"$uuid": str(v)}
    raise TypeError(f"cannot snapshot a {type(v).__name__}")


def _freeze_collection(v: list[Any] | tuple[Any, ...] | set[Any] | frozenset[Any] | dict[Any, Any]) -> Any:
    if isinstance(v, list):
        return [freeze(x) for x in v]
    if isinstance(v, tuple):
        return {"$tuple": [freeze(x) for x in v]}
    if isinstance(v, (set, frozenset)):
        return {"$set" if isinstance(v, set) else "$fset": [freeze(x) for x in v]}
    return {"$map": [[freeze(k), freeze(x)] for k, x in v.items()]}


_THAW = {
    "$dec": Decimal,
    "$dt": datetime.fromisoformat,
    "$date": date.fromisoformat,
    "$uuid": UUID,
    "$tuple": lambda xs: tuple(map(thaw, xs)),
    "$set": lambda xs: set(map(thaw, xs)),
    "$fset": lambda xs: frozenset(map(thaw, xs)),
    "$map": lambda kv: {thaw(k): thaw(x) for k, x in kv},
}


def thaw(v: Any) -> Any:
    if isinstance(v, list):
        return [thaw(x) for x in v]
    if isinstance(v, dict):
        if "$m" in v:
            return resolve_topic(v["$m"]).model_validate(v["v"])
        ((tag, payload),) = v.items()
        return _THAW[tag](payload)
    return v


class LedgerSnapshot(DomainEvent, CanSnapshotAggregate[UUID]):
    TOPIC: ClassVar[str] = "linkledger.Snapshot"
    topic: str
    state: dict[str, Any]

    @field_serializer("state")
    def _freeze(self, state: dict[str, Any]) -> dict[str, Any]:
        # take() keeps _id/_version/_pending_events for a BaseAggregate; mutate() sets them again.
        return {k: freeze(v) for k, v in state.items() if k not in ("_id", "_version", "_pending_events")}

    def mutate(self, _: None) -> Any:
        thawed = self.model_copy(update={"state": {k: thaw(v) for k, v in self.state.items()}})
        return CanSnapshotAggregate.mutate(thawed, None)


register_topic(LedgerSnapshot.TOPIC, LedgerSnapshot)
