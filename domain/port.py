"""Zenlayer port: billed per day from the completed cross connect through the day it is deleted.

A port is not deleted with its private connects; it bills on until deleted itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar
from uuid import UUID

from linkledger.domain.errors import InvalidStateError
from linkledger.domain.events import Aggregate, resource_id
from linkledger.domain.resource import RecycledBase, ResumedBase, StateEntered, SuspendedBase, ZenlayerResource


class Port(ZenlayerResource):
    TOPIC = "linkledger.Port"
    KIND = "port"
    FINAL_STATES = frozenset({"deleted", "recycled"})

    if TYPE_CHECKING:  # set by Ordered (see Aggregate)
        site: str
        speed: str

    class Event(Aggregate.Event):
        TOPIC: ClassVar[str] = "linkledger.Port.Event"

    class Created(Aggregate.Created):
        TOPIC: ClassVar[str] = "linkledger.Port.Created"

    class Ordered(Created, Event):
        TOPIC: ClassVar[str] = "linkledger.Port.Ordered"
        STATE = "pending"
        name: str
        account_id: UUID
        site: str
        speed: str

        def apply(self, p: Port) -> None:
            p._init_resource(self, self.name, self.account_id)
            p.site = self.site
            p.speed = self.speed

    class CrossConnectCompleted(StateEntered, Event):
        TOPIC: ClassVar[str] = "linkledger.Port.CrossConnectCompleted"
        STATE = "active"

    class Deleted(StateEntered, Event):
        TOPIC: ClassVar[str] = "linkledger.Port.Deleted"
        STATE = "deleted"

    # The day of the deletion request is billed in full.
    BILLS_THROUGH_THE_DAY = frozenset({Deleted.__name__})

    class Suspended(SuspendedBase, Event):
        TOPIC: ClassVar[str] = "linkledger.Port.Suspended"

    class Resumed(ResumedBase, Event):
        TOPIC: ClassVar[str] = "linkledger.Port.Resumed"

    class Recycled(RecycledBase, Event):
        TOPIC: ClassVar[str] = "linkledger.Port.Recycled"

    @classmethod
    def order(cls, name: str, account_id: UUID, site: str, speed: str, at: datetime) -> Port:
        return cls._create(
            cls.Ordered, id=resource_id(name), name=name, account_id=account_id, site=site, speed=speed, at=at
        )

    def complete_cross_connect(self, at: datetime) -> None:
        self.check_not_gone("complete the cross connect of")
        if self.state != "pending":
            raise InvalidStateError(f"port {self.name} is {self.state}; its cross connect was already completed")
        self.trigger_event(self.CrossConnectCompleted, at=at)

    def delete(self, at: datetime) -> None:
        self.check_not_gone("delete")
        self.trigger_event(self.Deleted, at=at)

    @property
    def is_active(self) -> bool:
        return self.state == "active"
