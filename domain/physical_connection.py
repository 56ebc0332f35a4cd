"""Alibaba Cloud physical connection.

- One-time setup fee when it is created; the port of the leased line is not charged.
- Port reservation fee per day by spec (the price book carries the promotion).
- The leased line's rent is charged by the telecommunications operator: we record
  it, we never charge it.
- Payment overdue -> Financial-Locked (communication stops) for at most
  `financial_lock.max_days`; paid in full -> recovered at once; unpaid at the end
  -> released with all its associated resources, unrecoverable.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar
from uuid import UUID

from linkledger.domain.events import Aggregate, Frozen, resource_id
from linkledger.domain.policies import AlibabaPolicy
from linkledger.domain.resource import Resource, StateEntered


class LeasedLine(Frozen):
    operator: str
    monthly_rent: Decimal | None = None
    currency: str | None = None


class PhysicalConnection(Resource):
    TOPIC = "linkledger.PhysicalConnection"
    KIND = "physical_connection"
    VENDOR = "alibaba"
    FINAL_STATES = frozenset({"released", "terminated"})

    if TYPE_CHECKING:  # set by Applied, FinancialLocked and Recovered (see Aggregate)
        region: str
        spec: str
        leased_line: LeasedLine
        release_at: datetime | None  # while Financial-Locked: when it is released unpaid

    class Event(Aggregate.Event):
        TOPIC: ClassVar[str] = "linkledger.PhysicalConnection.Event"

    class Created(Aggregate.Created):
        TOPIC: ClassVar[str] = "linkledger.PhysicalConnection.Created"

    class Applied(Created, Event):
        TOPIC: ClassVar[str] = "linkledger.PhysicalConnection.Applied"
        STATE = "active"
        name: str
        account_id: UUID
        region: str
        spec: str
        leased_line: LeasedLine

        def apply(self, p: PhysicalConnection) -> None:
            p._init_resource(self, self.name, self.account_id)
            p.region = self.region
            p.spec = self.spec
            p.leased_line = self.leased_line
            p.release_at = None

    class FinancialLocked(StateEntered, Event):
        TOPIC: ClassVar[str] = "linkledger.PhysicalConnection.FinancialLocked"
        STATE = "financial_locked"
        balance: Decimal
        release_at: datetime
        policy_ref: str

        def apply(self, p: PhysicalConnection) -> None:
            p.release_at = self.release_at
            super().apply(p)

    class Recovered(StateEntered, Event):
        TOPIC: ClassVar[str] = "linkledger.PhysicalConnection.Recovered"
        STATE = "active"

        def apply(self, p: PhysicalConnection) -> None:
            p.release_at = None
            super().apply(p)

    class Released(StateEntered, Event):
        TOPIC: ClassVar[str] = "linkledger.PhysicalConnection.Released"
        STATE = "released"
        reason: str
        associated_released: list[str]

    class Terminated(StateEntered, Event):
        TOPIC: ClassVar[str] = "linkledger.PhysicalConnection.Terminated"
        STATE = "terminated"

    # The day of the termination request is billed in full.
    BILLS_THROUGH_THE_DAY = frozenset({Terminated.__name__})

    @classmethod
    def apply_for(
        cls, name: str, account_id: UUID, region: str, spec: str, leased_line: LeasedLine, at: datetime
    ) -> PhysicalConnection:
        return cls._create(
            cls.Applied,
            id=resource_id(name),
            name=name,
            account_id=account_id,
            region=region,
            spec=spec,
            leased_line=leased_line,
            at=at,
        )

    def lock(self, balance: Decimal, at: datetime, policy: AlibabaPolicy) -> None:
        if self.state == "active":
            self.trigger_event(
                self.FinancialLocked,
                balance=balance,
                release_at=at + timedelta(days=policy.financial_lock.max_days),
                policy_ref=policy.version,
                at=at,
            )

    def recover(self, at: datetime) -> None:
        if self.state == "financial_locked":
            self.trigger_event(self.Recovered, at=at)

    def release(self, at: datetime, reason: str, associated: list[str]) -> None:
        self.trigger_event(self.Released, reason=reason, associated_released=associated, at=at)

    def terminate(self, at: datetime) -> None:
        self.check_not_gone("terminate")
        self.trigger_event(self.Terminated, at=at)
