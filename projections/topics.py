"""The topics each projection reads, gathered from the domain's event classes."""

from __future__ import annotations

from linkledger.domain.account import Account
from linkledger.domain.events import Aggregate
from linkledger.domain.hosted_connection import HostedConnection
from linkledger.domain.physical_connection import PhysicalConnection
from linkledger.domain.port import Port
from linkledger.domain.private_connect import PrivateConnect
from linkledger.domain.router_interface import RouterInterface

RESOURCE_CLASSES = (Port, PrivateConnect, HostedConnection, PhysicalConnection, RouterInterface)


def event_topics(*aggregates: type) -> frozenset[str]:
    """Every concrete event TOPIC declared on the given aggregate classes."""
    found: set[str] = set()
    for agg in aggregates:
        for value in vars(agg).values():
            if isinstance(value, type) and issubclass(value, Aggregate.Event):
                topic = value.__dict__.get("TOPIC")
                if topic and not topic.endswith((".Event", ".Created")):
                    found.add(topic)
    return frozenset(found)


ACCOUNT_TOPICS = event_topics(Account)
RESOURCE_TOPICS = event_topics(*RESOURCE_CLASSES)
