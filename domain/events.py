"""Pydantic domain events and the aggregate base.

Every event class declares a stable TOPIC, so renaming or moving a class never
breaks the stored log. `timestamp` is the library's *recorded at*; the time a
thing happened in the world is the event's own `at` field.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import (
    BaseAggregate,
    CanInitAggregate,
    CanMutateAggregate,
    datetime_now_with_tzinfo,
)
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DomainEvent(Frozen):
    originator_id: UUID
    originator_version: int
    timestamp: datetime = Field(default_factory=datetime_now_with_tzinfo)


def account_id(name: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"linkledger:account:{name}")


def resource_id(name: str) -> UUID:
    """Every resource (port, connect, router interface, ...) shares one name space."""
    return uuid5(NAMESPACE_URL, f"linkledger:resource:{name}")


class Aggregate(BaseAggregate[UUID]):
    # Aggregate state is set by the events' apply() and declared for the type checker only:
    # an annotation in the class body would make the library turn the class into a dataclass
    # (with an __init__ that wants every field), so declarations sit under TYPE_CHECKING.
    if TYPE_CHECKING:
        last_at: datetime  # set by Event.mutate: the latest `at` of the aggregate's events

    class Event(DomainEvent, CanMutateAggregate[UUID]):
        at: AwareDatetime
        # The lifecycle state this event puts its resource in, when that never varies;
        # events whose resulting state varies carry it in a `state` field instead.
        STATE: ClassVar[str] = ""

        def mutate(self, aggregate: Any) -> Any:
            """Apply, then remember the latest time any event of the aggregate happened at
            (`last_at`): an account's clock is the latest of its own and its resources'."""
            aggregate = super().mutate(aggregate)
            last = aggregate.__dict__.get("last_at")
            if last is None or self.at > last:
                aggregate.last_at = self.at
            return aggregate

        def resulting_state(self) -> str | None:
            """The state the event leaves its resource in, or None if it changes no state."""
            state = self.__dict__.get("state")
            return state if isinstance(state, str) else (self.STATE or None)

    class Created(Event, CanInitAggregate[UUID]):
        originator_topic: str
