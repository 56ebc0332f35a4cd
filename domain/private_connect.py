"""Zenlayer private connect: pay-as-you-go bandwidth between two ends.

- Billing starts only when both ends are active (port: cross connect completed;
  AWS hosted connection: accepted).
- A raise is priced from the day of the change, a cut from the day after, and at
  most `max_cuts_per_month` cuts are allowed per calendar month.
- With an AWS hosted connection end, the bandwidth must stay within its capacity.
- Deletion is instant and billed through its day; the connect is retained for
  `retention_hours` during which it can be recovered, then it is purged.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, ClassVar, Literal
from uuid import UUID

from linkledger.domain.bandwidth import (
    BandwidthChange,
    cut_effective_on,
    cuts_in_month,
    format_mbps,
)
from linkledger.domain.billing_day import day_of
from linkledger.domain.errors import (
    BandwidthCutLimitError,
    BandwidthError,
    HostedCapacityExceededError,
    InvalidStateError,
    RecoveryWindowClosedError,
)
from linkledger.domain.events import Aggregate, Frozen, resource_id
from linkledger.domain.policies import ZenlayerPolicy
from linkledger.domain.resource import RecycledBase, ResumedBase, StateEntered, SuspendedBase, ZenlayerResource


class End(Frozen):
    kind: Literal["port", "aws"]
    name: str
    resource_id: UUID
    site: str


class PrivateConnect(ZenlayerResource):
    TOPIC = "linkledger.PrivateConnect"
    KIND = "private_connect"
    FINAL_STATES = frozenset({"purged", "recycled"})

    if TYPE_CHECKING:  # set by Ordered and changed by the other events (see Aggregate)
        a_end: End
        z_end: End
        hosted_capacity_mbps: int | None  # the AWS hosted connection's capacity, when an end is one
        changes: list[BandwidthChange]  # the order, then every raise and cut
        billing_started_at: datetime | None
        recoverable_until: datetime | None  # while deleted: the end of the retention window

    class Event(Aggregate.Event):
        TOPIC: ClassVar[str] = "linkledger.PrivateConnect.Event"

    class Created(Aggregate.Created):
        TOPIC: ClassVar[str] = "linkledger.PrivateConnect.Created"

    class Ordered(Created, Event):
        TOPIC: ClassVar[str] = "linkledger.PrivateConnect.Ordered"
        STATE = "pending"
        name: str
        account_id: UUID
        a_end: End
        z_end: End
        bandwidth_mbps: int
        hosted_capacity_mbps: int | None

        def apply(self, c: PrivateConnect) -> None:
            c._init_resource(self, self.name, self.account_id)
            c.a_end = self.a_end
            c.z_end = self.z_end
            c.hosted_capacity_mbps = self.hosted_capacity_mbps
            c.changes = [
                BandwidthChange(
                    at=self.at, kind="order", from_mbps=0, to_mbps=self.bandwidth_mbps, effective_on=day_of(self.at)
                )
            ]
            c.billing_started_at = None
            c.recoverable_until = None

    class BillingStarted(StateEntered, Event):
        """Both ends are active and the whole network is activated."""

        TOPIC: ClassVar[str] = "linkledger.PrivateConnect.BillingStarted"
        STATE = "active"

        def apply(self, c: PrivateConnect) -> None:
            c.billing_started_at = self.at
            super().apply(c)

    class BandwidthRaised(Event):
        TOPIC: ClassVar[str] = "linkledger.PrivateConnect.BandwidthRaised"
        from_mbps: int
        to_mbps: int
        effective_on: date

        def apply(self, c: PrivateConnect) -> None:
            c.changes.append(
                BandwidthChange(
                    at=self.at,
                    kind="raise",
                    from_mbps=self.from_mbps,
                    to_mbps=self.to_mbps,
                    effective_on=self.effective_on,
                )
            )

    class BandwidthCut(Event):
        TOPIC: ClassVar[str] = "linkledger.PrivateConnect.BandwidthCut"
        from_mbps: int
        to_mbps: int
        effective_on: date
        cut_in_month: int
        policy_ref: str

        def apply(self, c: PrivateConnect) -> None:
            c.changes.append(
                BandwidthChange(
                    at=self.at,
                    kind="cut",
                    from_mbps=self.from_mbps,
                    to_mbps=self.to_mbps,
                    effective_on=self.effective_on,
                )
            )

    class Deleted(StateEntered, Event):
        TOPIC: ClassVar[str] = "linkledger.PrivateConnect.Deleted"
        STATE = "deleted"
        recoverable_until: datetime
        policy_ref: str

        def apply(self, c: PrivateConnect) -> None:
            c.recoverable_until = self.recoverable_until
            super().apply(c)

    # The day of the deletion request is billed in full.
    BILLS_THROUGH_THE_DAY = frozenset({Deleted.__name__})

    class Recovered(StateEntered, Event):
        TOPIC: ClassVar[str] = "linkledger.PrivateConnect.Recovered"
        state: Literal["pending", "active"]

        def apply(self, c: PrivateConnect) -> None:
            c.recoverable_until = None
            super().apply(c)

    class Purged(StateEntered, Event):
        TOPIC: ClassVar[str] = "linkledger.PrivateConnect.Purged"
        STATE = "purged"

    class Suspended(SuspendedBase, Event):
        TOPIC: ClassVar[str] = "linkledger.PrivateConnect.Suspended"

    class Resumed(ResumedBase, Event):
        TOPIC: ClassVar[str] = "linkledger.PrivateConnect.Resumed"

    class Recycled(RecycledBase, Event):
        TOPIC: ClassVar[str] = "linkledger.PrivateConnect.Recycled"

    @classmethod
    def order(
        cls,
        name: str,
        account_id: UUID,
        a_end: End,
        z_end: End,
        bandwidth_mbps: int,
        hosted_capacity_mbps: int | None,
        at: datetime,
    ) -> PrivateConnect:
        if hosted_capacity_mbps is not None and bandwidth_mbps > hosted_capacity_mbps:
            raise HostedCapacityExceededError(
                f"{format_mbps(bandwidth_mbps)} is above the AWS hosted connection's "
                f"{format_mbps(hosted_capacity_mbps)}"
            )
        return cls._create(
            cls.Ordered,
            id=resource_id(name),
            name=name,
            account_id=account_id,
            a_end=a_end,
            z_end=z_end,
            bandwidth_mbps=bandwidth_mbps,
            hosted_capacity_mbps=hosted_capacity_mbps,
            at=at,
        )

    @property
    def bandwidth_mbps(self) -> int:
        return self.changes[-1].to_mbps

    @property
    def sites(self) -> str:
        """The two sites, in a fixed order, as the price book keys them."""
        return "~".join(sorted((self.a_end.site, self.z_end.site)))

    @property
    def ends(self) -> tuple[End, End]:
        return (self.a_end, self.z_end)

    def start_billing(self, at: datetime) -> None:
        if self.state == "pending":
            self.trigger_event(self.BillingStarted, at=at)

    def _check_can_change(self, action: str) -> None:
        self.check_not_gone(action)
        if self.state == "deleted":
            raise InvalidStateError(f"private connect {self.name} is deleted; recover it before you {action} it")

    def raise_bandwidth(self, mbps: int, at: datetime) -> None:
        self._check_can_change("raise the bandwidth of")
        current = self.bandwidth_mbps
        if mbps <= current:
            raise BandwidthError(
                f"{format_mbps(mbps)} is not a raise: {self.name} is at {format_mbps(current)}; "
                "use cut_bandwidth to lower it"
            )
        if self.hosted_capacity_mbps is not None and mbps > self.hosted_capacity_mbps:
            raise HostedCapacityExceededError(
                f"{self.name} cannot go to {format_mbps(mbps)}: its AWS hosted connection is "
                f"{format_mbps(self.hosted_capacity_mbps)} and cannot be changed; order a new connect for more"
            )
        self.trigger_event(self.BandwidthRaised, from_mbps=current, to_mbps=mbps, effective_on=day_of(at), at=at)

    def cut_bandwidth(self, mbps: int, at: datetime, policy: ZenlayerPolicy) -> None:
        self._check_can_change("cut the bandwidth of")
        current = self.bandwidth_mbps
        if mbps >= current:
            raise BandwidthError(
                f"{format_mbps(mbps)} is not a cut: {self.name} is at {format_mbps(current)}; "
                "use raise_bandwidth to increase it"
            )
        done = cuts_in_month(self.changes, at)
        limit = policy.bandwidth.max_cuts_per_month
        if done >= limit:
            raise BandwidthCutLimitError(
                f"{self.name} already had {done} bandwidth cuts in {day_of(at):%Y-%m}; "
                f"at most {limit} per calendar month ({policy.version}); "
                "the next cut is possible from the 1st of next month"
            )
        self.trigger_event(
            self.BandwidthCut,
            from_mbps=current,
            to_mbps=mbps,
            effective_on=cut_effective_on(at, policy.bandwidth.cut_takes_effect_after_days),
            cut_in_month=done + 1,
            policy_ref=policy.version,
            at=at,
        )

    def delete(self, at: datetime, policy: ZenlayerPolicy) -> None:
        self.check_not_gone("delete")
        if self.state == "deleted":
            raise InvalidStateError(f"private connect {self.name} is already deleted")
        self.trigger_event(
            self.Deleted,
            recoverable_until=at + timedelta(hours=policy.deletion.retention_hours),
            policy_ref=policy.version,
            at=at,
        )

    def recover(self, at: datetime, both_ends_active: bool) -> None:
        if self.state == "purged":
            raise RecoveryWindowClosedError(
                f"private connect {self.name} was deleted at {self.deleted_at.isoformat()} and could be recovered "
                f"until {self.purged_at.isoformat()}; it is gone"
            )
        self.check_not_gone("recover")
        if self.state != "deleted":
            raise InvalidStateError(f"private connect {self.name} is {self.state}, not deleted; nothing to recover")
        assert self.recoverable_until is not None
        if at >= self.recoverable_until:
            raise RecoveryWindowClosedError(
                f"private connect {self.name} could be recovered until {self.recoverable_until.isoformat()}"
            )
        self.trigger_event(self.Recovered, state="active" if both_ends_active else "pending", at=at)

    def purge(self, at: datetime) -> None:
        self.trigger_event(self.Purged, at=at)

    @property
    def deleted_at(self) -> datetime:
        return next(c.at for c in reversed(self.history) if c.state == "deleted")

    @property
    def purged_at(self) -> datetime:
        return next(c.at for c in reversed(self.history) if c.state == "purged")
