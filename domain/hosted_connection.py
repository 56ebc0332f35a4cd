"""AWS hosted connection: one end of a Zenlayer private connect.

Its capacity is the connection bandwidth rounded up to an AWS tier when it is
ordered, and is fixed for life. It is active once accepted on the AWS console.
Zenlayer's charge for it stops with the private connect's deletion.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar
from uuid import UUID

from linkledger.domain.errors import InvalidStateError
from linkledger.domain.events import Aggregate, resource_id
from linkledger.domain.resource import RecycledBase, ResumedBase, StateEntered, SuspendedBase, ZenlayerResource


class HostedConnection(ZenlayerResource):
    TOPIC = "linkledger.HostedConnection"
    KIND = "aws_hosted_connection"
    FINAL_STATES = frozenset({"purged", "recycled"})

    if TYPE_CHECKING:  # set by Provisioned and Accepted (see Aggregate)
        site: str
        capacity_mbps: int
        connect: str  # the private connect it is an end of
        accepted: bool

    class Event(Aggregate.Event):
        TOPIC: ClassVar[str] = "linkledger.HostedConnection.Event"

    class Created(Aggregate.Created):
        TOPIC: ClassVar[str] = "linkledger.HostedConnection.Created"

    class Provisioned(Created, Event):
        TOPIC: ClassVar[str] = "linkledger.HostedConnection.Provisioned"
        STATE = "pending"
        name: str
        account_id: UUID
        site: str
        capacity_mbps: int
        connect: str
        policy_ref: str

        def apply(self, h: HostedConnection) -> None:
            h._init_resource(self, self.name, self.account_id)
            h.site = self.site
            h.capacity_mbps = self.capacity_mbps
            h.connect = self.connect
            h.accepted = False

    class Accepted(StateEntered, Event):
        TOPIC: ClassVar[str] = "linkledger.HostedConnection.Accepted"
        STATE = "active"

        def apply(self, h: HostedConnection) -> None:
            h.accepted = True
            super().apply(h)

    class DeletedWithConnect(StateEntered, Event):
        TOPIC: ClassVar[str] = "linkledger.HostedConnection.DeletedWithConnect"
        STATE = "deleted"

    class RecoveredWithConnect(StateEntered, Event):
        TOPIC: ClassVar[str] = "linkledger.HostedConnection.RecoveredWithConnect"
        state: str

    class Purged(StateEntered, Event):
        TOPIC: ClassVar[str] = "linkledger.HostedConnection.Purged"
        STATE = "purged"

    class Suspended(SuspendedBase, Event):
        TOPIC: ClassVar[str] = "linkledger.HostedConnection.Suspended"

    class Resumed(ResumedBase, Event):
        TOPIC: ClassVar[str] = "linkledger.HostedConnection.Resumed"

    class Recycled(RecycledBase, Event):
        TOPIC: ClassVar[str] = "linkledger.HostedConnection.Recycled"

    # The connect's deletion request is billed through its day, and so is this end of it.
    BILLS_THROUGH_THE_DAY = frozenset({DeletedWithConnect.__name__})

    @classmethod
    def provision(
        cls, name: str, account_id: UUID, site: str, capacity_mbps: int, connect: str, policy_ref: str, at: datetime
    ) -> HostedConnection:
        return cls._create(
            cls.Provisioned,
            id=resource_id(name),
            name=name,
            account_id=account_id,
            site=site,
            capacity_mbps=capacity_mbps,
            connect=connect,
            policy_ref=policy_ref,
            at=at,
        )

    def accept(self, at: datetime) -> None:
        self.check_not_gone("accept")
        if self.accepted:
            raise InvalidStateError(f"AWS hosted connection {self.name} was already accepted")
        if self.state != "pending":
            raise InvalidStateError(
                f"AWS hosted connection {self.name} is {self.state}; only a pending one can be accepted"
            )
        self.trigger_event(self.Accepted, at=at)

    def delete_with_connect(self, at: datetime) -> None:
        """Its private connect was deleted: the hosted connection's charge stops with it."""
        if not self.is_gone:
            self.trigger_event(self.DeletedWithConnect, at=at)

    def recover_with_connect(self, at: datetime) -> None:
        """Its private connect was recovered within the retention window."""
        self.trigger_event(self.RecoveredWithConnect, state="active" if self.accepted else "pending", at=at)

    def purge_with_connect(self, at: datetime) -> None:
        """Its private connect's retention ended: gone for good."""
        if not self.is_gone:
            self.trigger_event(self.Purged, at=at)

    @property
    def is_active(self) -> bool:
        return self.state == "active"
