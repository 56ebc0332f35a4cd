"""What every billed resource shares: an owner account, a name, and a state history.

The state history is the resource's timeline: each entry says which state it
entered, when, and which event put it there. Billing asks it which UTC days the
resource spent any time in a billable state (a part day bills as a whole day).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.billing_day import day_of, days_overlapping
from domain.errors import ResourceGoneError
from domain.events import Aggregate, Frozen


class StateChange(Frozen):
    at: datetime
    state: str
    cause: str


class Resource(Aggregate):
    # No annotations on aggregate classes: the library would turn them into dataclasses.
    KIND = "resource"
    VENDOR = ""
    FINAL_STATES = frozenset[str]()

    def _init_resource(self, event: Aggregate.Event, name: str, account_id: UUID) -> None:
        self.name = name
        self.account_id = account_id
        self.history = []
        self._enter(event)

    def _enter(self, event: Aggregate.Event) -> None:
        state = event.resulting_state()
        if state is not None and (not self.history or self.history[-1].state != state):
            self.history.append(StateChange(at=event.at, state=state, cause=type(event).__name__))

    @property
    def state(self) -> str:
        return self.history[-1].state

    @property
    def since(self) -> datetime:
        return self.history[-1].at

    @property
    def is_gone(self) -> bool:
        return self.state in self.FINAL_STATES

    def check_not_gone(self, action: str) -> None:
        if self.is_gone:
            raise ResourceGoneError(
                f"{self.KIND} {self.name} was {self.state} at {self.since.isoformat()}; "
                f"cannot {action} it: a {self.state} resource cannot be restored"
            )

    def intervals(self, states: frozenset[str]) -> list[tuple[datetime, datetime | None]]:
        """Half-open [start, end) spans spent in any of `states`; end None = still there."""
        spans: list[tuple[datetime, datetime | None]] = []
        for i, change in enumerate(self.history):
            if change.state not in states:
                continue
            end = self.history[i + 1].at if i + 1 < len(self.history) else None
            if spans and spans[-1][1] == change.at:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((change.at, end))
        return spans

    def touches(self, day: date, states: frozenset[str]) -> bool:
        return any(days_overlapping(s, e, day, day) for s, e in self.intervals(states))

    def first_day_touching(self, from_day: date, states: frozenset[str]) -> date | None:
        for start, end in self.intervals(states):
            if end is not None and day_of(end) < from_day:
                continue
            if end is not None and not days_overlapping(start, end, from_day, day_of(end)):
                continue
            return max(from_day, day_of(start))
        return None

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.KIND, "state": self.state}


class StateEntered(Aggregate.Event):
    """Base of events whose effect on the timeline is entering a lifecycle state."""

    def apply(self, aggregate: Any) -> None:
        aggregate._enter(self)


class SuspendedBase(StateEntered):
    """Zenlayer suspension stage: the resource stops."""

    STATE = "suspended"


class ResumedBase(StateEntered):
    """The balance was refilled during protection or suspension: back to the state before."""

    state: str


class RecycledBase(StateEntered):
    """Zenlayer recycle stage: destroyed, unrecoverable."""

    STATE = "recycled"


class ZenlayerResource(Resource):
    """Ports, AWS hosted connections and private connects share the balance ladder."""

    VENDOR = "zenlayer"
    RUNNING_STATES = frozenset({"pending", "active"})

    def suspend(self, at: datetime) -> None:
        if self.state in self.RUNNING_STATES:
            self.trigger_event(self.Suspended, at=at)  # type: ignore[attr-defined]

    def resume(self, at: datetime) -> None:
        if self.state == "suspended":
            before = self.history[-2].state if len(self.history) > 1 else "pending"
            self.trigger_event(self.Resumed, state=before, at=at)  # type: ignore[attr-defined]

    def recycle(self, at: datetime) -> bool:
        if self.is_gone:
            return False
        self.trigger_event(self.Recycled, at=at)  # type: ignore[attr-defined]
        return True
