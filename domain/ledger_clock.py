"""The ledger's clock: the time up to which every due rule has been run.

Time is data: it only moves when a command or `advance` says so, never backwards.
The clock also lists the accounts, so advancing can visit each of them.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.errors import TimeRunsBackwardError
from domain.events import Aggregate

CLOCK_ID = uuid5(NAMESPACE_URL, "linkledger:clock")


class LedgerClock(Aggregate):
    TOPIC = "linkledger.LedgerClock"

    class Event(Aggregate.Event):
        TOPIC: ClassVar[str] = "linkledger.LedgerClock.Event"

    class Created(Aggregate.Created):
        TOPIC: ClassVar[str] = "linkledger.LedgerClock.Created"

    class Started(Created, Event):
        TOPIC: ClassVar[str] = "linkledger.LedgerClock.Started"

        def apply(self, c: LedgerClock) -> None:
            c.now = self.at
            c.accounts = []

    class Advanced(Event):
        TOPIC: ClassVar[str] = "linkledger.LedgerClock.Advanced"

        def apply(self, c: LedgerClock) -> None:
            c.now = self.at

    class AccountEnrolled(Event):
        TOPIC: ClassVar[str] = "linkledger.LedgerClock.AccountEnrolled"
        account_id: UUID
        name: str

        def apply(self, c: LedgerClock) -> None:
            c.accounts.append(self.account_id)

    @classmethod
    def start(cls, at: datetime) -> LedgerClock:
        return cls._create(cls.Started, id=CLOCK_ID, at=at)

    def check_not_before(self, at: datetime, what: str) -> None:
        if at < self.now:
            raise TimeRunsBackwardError(
                f"{what} is at {at.isoformat()}, before the ledger clock ({self.now.isoformat()}); "
                f"commands must come in time order"
            )

    def advance(self, to: datetime) -> None:
        self.check_not_before(to, "advance")
        if to > self.now:
            self.trigger_event(self.Advanced, at=to)

    def enroll(self, account_id: UUID, name: str, at: datetime) -> None:
        self.trigger_event(self.AccountEnrolled, account_id=account_id, name=name, at=at)
