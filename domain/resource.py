"""What every billed resource shares: an owner account, a name, and a state history.

The state history is the resource's timeline: each entry says which state it
entered, when, and which event put it there. Billing asks it which UTC days the
resource spent any time in a billable state (a part day bills as a whole day).
A deletion or termination request bills "up to and through the day" it was made:
a resource lists those causes in BILLS_THROUGH_THE_DAY, and a billable span they
end is billed to the end of that UTC day, even when the request is at 00:00.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from linkledger.domain.billing_day import day_of, days_overlapping, end_of
from linkledger.domain.errors import ResourceGoneError
from linkledger.domain.events import Aggregate, Frozen


class StateChange(Frozen):
    at: datetime
    state: str
    cause: str


class Resource(Aggregate):
    # No annotations on aggregate classes at run time: the library would turn them into
    # dataclasses. The state the events set is declared for the type checker only.
    if TYPE_CHECKING:
        name: str
        account_id: UUID
        history: list[StateChange]

    KIND = "resource"
    VENDOR = ""
    FINAL_STATES = frozenset[str]()
    # Causes (event class names) that end billing only at the end of their own UTC day:
    # the day of a deletion or termination request is always billed when the resource
    # was billable just before it, whatever the time of day (00:00 included).
    BILLS_THROUGH_THE_DAY = frozenset[str]()

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
        return self._spans(states, through_the_day=frozenset())

    def billable_spans(self, states: frozenset[str]) -> list[tuple[datetime, datetime | None]]:
        """The spans billing sees: `intervals(states)`, except that a span ended by a cause in
        BILLS_THROUGH_THE_DAY ends at the end of that cause's UTC day (spans that then
        overlap are merged)."""
        return self._spans(states, through_the_day=self.BILLS_THROUGH_THE_DAY)

    def _spans(self, states: frozenset[str], through_the_day: frozenset[str]) -> list[tuple[datetime, datetime | None]]:
        spans: list[tuple[datetime, datetime | None]] = []
        for i, change in enumerate(self.history):
            if change.state not in states:
                continue
            ended_by = self.history[i + 1] if i + 1 < len(self.history) else None
            end = None if ended_by is None else ended_by.at
            if ended_by is not None and ended_by.cause in through_the_day:
                end = end_of(day_of(ended_by.at))
            last_end = spans[-1][1] if spans else None
            if last_end is not None and last_end >= change.at:
                spans[-1] = (spans[-1][0], None if end is None else max(last_end, end))
            else:
                spans.append((change.at, end))
        return spans

    def first_day_touching(self, from_day: date, states: frozenset[str]) -> date | None:
        """The first day from `from_day` on that bills, if any."""
        for start, end in self.billable_spans(states):
            if end is not None and day_of(end) < from_day:
                continue
            if end is not None and not days_overlapping(start, end, from_day, day_of(end)):
                continue
            return max(from_day, day_of(start))
        return None

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.KIND, "state": self.state}


def spans_touch(spans: list[tuple[datetime, datetime | None]], day_start: datetime, day_end: datetime) -> bool:
    """Whether any instant of [day_start, day_end) is in one of the half-open spans (end None:
    still open)."""
    return any(s < day_end and (e is None or (e > day_start and e > s)) for s, e in spans)


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

    if TYPE_CHECKING:  # each Zenlayer resource defines these, under its own topics
        Suspended: ClassVar[type[SuspendedBase]]
        Resumed: ClassVar[type[ResumedBase]]
        Recycled: ClassVar[type[RecycledBase]]

    def suspend(self, at: datetime) -> None:
        if self.state in self.RUNNING_STATES:
            self.trigger_event(self.Suspended, at=at)

    def resume(self, at: datetime) -> None:
        if self.state == "suspended":
            before = self.history[-2].state if len(self.history) > 1 else "pending"
            self.trigger_event(self.Resumed, state=before, at=at)

    def recycle(self, at: datetime) -> bool:
        if self.is_gone:
            return False
        self.trigger_event(self.Recycled, at=at)
        return True
