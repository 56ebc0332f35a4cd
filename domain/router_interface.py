"""Alibaba Cloud router interface (Express Connect).

- Only the initiator is charged, by subscription with an expiry; the receiver is
  created as pay-as-you-go and is never charged.
- Price by initiator region, receiver region and spec; for VPC interconnection
  also by the distance between the two regions.
- An initiator that expires is suspended `suspend_after_expiry_days` later, and
  released `release_after_suspension_days` after that, with every route entry that
  points to it deleted. Renewal recovers it at once; released is final.
- Auto-renew renews it at expiry when the balance covers the renewal.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar, Literal
from uuid import UUID

from linkledger.domain.billing_day import add_months
from linkledger.domain.errors import DuplicateNameError, InvalidStateError, ReceiverIsFreeError
from linkledger.domain.events import Aggregate, resource_id
from linkledger.domain.policies import AlibabaPolicy
from linkledger.domain.resource import Resource, StateEntered


class RouterInterface(Resource):
    TOPIC = "linkledger.RouterInterface"
    KIND = "router_interface"
    VENDOR = "alibaba"
    FINAL_STATES = frozenset({"released"})

    if TYPE_CHECKING:  # set by Opened and changed by the other events (see Aggregate)
        role: Literal["initiator", "receiver"]
        connection_type: Literal["physical", "vpc"]
        initiator_region: str
        receiver_region: str
        spec: str
        distance_band: str | None
        physical_connection: str | None
        peer: str | None
        billing_method: Literal["Subscription", "PayAsYouGo"]
        expires_at: datetime | None  # None for a receiver
        auto_renew: bool
        suspend_at: datetime | None  # while expired
        release_at: datetime | None  # while suspended
        route_entries: list[str]  # destination CIDR blocks

    class Event(Aggregate.Event):
        TOPIC: ClassVar[str] = "linkledger.RouterInterface.Event"

    class Created(Aggregate.Created):
        TOPIC: ClassVar[str] = "linkledger.RouterInterface.Created"

    class Opened(Created, Event):
        TOPIC: ClassVar[str] = "linkledger.RouterInterface.Opened"
        STATE = "active"
        name: str
        account_id: UUID
        role: Literal["initiator", "receiver"]
        connection_type: Literal["physical", "vpc"]
        initiator_region: str
        receiver_region: str
        spec: str
        distance_band: str | None
        physical_connection: str | None
        peer: str | None
        billing_method: Literal["Subscription", "PayAsYouGo"]
        expires_at: datetime | None
        auto_renew: bool

        def apply(self, r: RouterInterface) -> None:
            r._init_resource(self, self.name, self.account_id)
            for field in (
                "role",
                "connection_type",
                "initiator_region",
                "receiver_region",
                "spec",
                "distance_band",
                "physical_connection",
                "peer",
                "billing_method",
                "expires_at",
                "auto_renew",
            ):
                setattr(r, field, getattr(self, field))
            r.suspend_at = None
            r.release_at = None
            r.route_entries = []

    class Renewed(StateEntered, Event):
        TOPIC: ClassVar[str] = "linkledger.RouterInterface.Renewed"
        STATE = "active"
        months: int
        term_start: datetime
        expires_at: datetime
        automatic: bool
        policy_ref: str

        def apply(self, r: RouterInterface) -> None:
            r.expires_at = self.expires_at
            r.suspend_at = None
            r.release_at = None
            super().apply(r)

    class AutoRenewSet(Event):
        TOPIC: ClassVar[str] = "linkledger.RouterInterface.AutoRenewSet"
        enabled: bool

        def apply(self, r: RouterInterface) -> None:
            r.auto_renew = self.enabled

    class Expired(StateEntered, Event):
        TOPIC: ClassVar[str] = "linkledger.RouterInterface.Expired"
        STATE = "expired"
        suspend_at: datetime
        auto_renew_failed: bool
        policy_ref: str

        def apply(self, r: RouterInterface) -> None:
            r.suspend_at = self.suspend_at
            super().apply(r)

    class Suspended(StateEntered, Event):
        TOPIC: ClassVar[str] = "linkledger.RouterInterface.Suspended"
        STATE = "suspended"
        release_at: datetime
        policy_ref: str

        def apply(self, r: RouterInterface) -> None:
            r.release_at = self.release_at
            super().apply(r)

    class Released(StateEntered, Event):
        TOPIC: ClassVar[str] = "linkledger.RouterInterface.Released"
        STATE = "released"
        reason: str
        route_entries_deleted: list[str]

        def apply(self, r: RouterInterface) -> None:
            r.route_entries = []
            super().apply(r)

    class RouteEntryAdded(Event):
        TOPIC: ClassVar[str] = "linkledger.RouterInterface.RouteEntryAdded"
        destination_cidr: str

        def apply(self, r: RouterInterface) -> None:
            r.route_entries.append(self.destination_cidr)

    @classmethod
    def open(
        cls,
        *,
        name: str,
        account_id: UUID,
        role: str,
        connection_type: str,
        initiator_region: str,
        receiver_region: str,
        spec: str,
        distance_band: str | None,
        physical_connection: str | None,
        peer: str | None,
        expires_at: datetime | None,
        auto_renew: bool,
        at: datetime,
    ) -> RouterInterface:
        return cls._create(
            cls.Opened,
            id=resource_id(name),
            name=name,
            account_id=account_id,
            role=role,
            connection_type=connection_type,
            initiator_region=initiator_region,
            receiver_region=receiver_region,
            spec=spec,
            distance_band=distance_band,
            physical_connection=physical_connection,
            peer=peer,
            billing_method="Subscription" if role == "initiator" else "PayAsYouGo",
            expires_at=expires_at,
            auto_renew=auto_renew,
            at=at,
        )

    @property
    def is_initiator(self) -> bool:
        return self.role == "initiator"

    def _check_initiator(self, action: str) -> None:
        self.check_not_gone(action)
        if not self.is_initiator:
            raise ReceiverIsFreeError(
                f"{self.name} is a receiver router interface: it is pay-as-you-go in name only and never charged, "
                f"so there is nothing to {action}"
            )

    def renewal_term(self, at: datetime, months: int, policy: AlibabaPolicy) -> tuple[datetime, datetime]:
        """When a renewal's term starts and ends."""
        self._check_initiator("renew")
        assert self.expires_at is not None
        if policy.router_interface.renewal_term_starts == "expiry" or at < self.expires_at:
            start = self.expires_at
        else:
            start = at
        return start, add_months(start, months)

    def renew(self, at: datetime, months: int, policy: AlibabaPolicy, automatic: bool = False) -> None:
        start, end = self.renewal_term(at, months, policy)
        self.trigger_event(
            self.Renewed,
            months=months,
            term_start=start,
            expires_at=end,
            automatic=automatic,
            policy_ref=policy.version,
            at=at,
        )

    def set_auto_renew(self, enabled: bool, at: datetime) -> None:
        self._check_initiator("auto-renew")
        self.trigger_event(self.AutoRenewSet, enabled=enabled, at=at)

    def expire(self, at: datetime, policy: AlibabaPolicy, auto_renew_failed: bool) -> None:
        self.trigger_event(
            self.Expired,
            suspend_at=at + timedelta(days=policy.router_interface.suspend_after_expiry_days),
            auto_renew_failed=auto_renew_failed,
            policy_ref=policy.version,
            at=at,
        )

    def suspend(self, at: datetime, policy: AlibabaPolicy) -> None:
        self.trigger_event(
            self.Suspended,
            release_at=at + timedelta(days=policy.router_interface.release_after_suspension_days),
            policy_ref=policy.version,
            at=at,
        )

    def release(self, at: datetime, reason: str) -> None:
        if not self.is_gone:
            self.trigger_event(self.Released, reason=reason, route_entries_deleted=list(self.route_entries), at=at)

    def add_route_entry(self, destination_cidr: str, at: datetime) -> None:
        self.check_not_gone("add a route entry to")
        try:
            cidr = str(ipaddress.ip_network(destination_cidr, strict=False))
        except ValueError:
            raise InvalidStateError(
                f"{destination_cidr!r} is not a destination CIDR block such as 10.0.0.0/16"
            ) from None
        if cidr in self.route_entries:
            raise DuplicateNameError(f"{self.name} already has a route entry for {cidr}")
        self.trigger_event(self.RouteEntryAdded, destination_cidr=cidr, at=at)
