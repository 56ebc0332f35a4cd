"""Aggregate state is declared for the type checker only (under TYPE_CHECKING): an
annotation the library sees makes an aggregate class a dataclass, whose __init__ then
wants every declared attribute and breaks creating the aggregate from its first event."""

from __future__ import annotations

import dataclasses
import inspect
from datetime import UTC, datetime

import pytest
from linkledger.domain.account import Account
from linkledger.domain.hosted_connection import HostedConnection
from linkledger.domain.physical_connection import PhysicalConnection
from linkledger.domain.port import Port
from linkledger.domain.private_connect import PrivateConnect
from linkledger.domain.resource import Resource, ZenlayerResource
from linkledger.domain.router_interface import RouterInterface
from linkledger.domain.rule_library import RuleLibrary

AGGREGATES = [
    Account,
    Resource,
    ZenlayerResource,
    Port,
    PrivateConnect,
    HostedConnection,
    PhysicalConnection,
    RouterInterface,
    RuleLibrary,
]

AT = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("cls", AGGREGATES, ids=lambda c: c.__name__)
def test_declared_aggregate_state_leaves_the_class_a_plain_aggregate(cls: type) -> None:
    assert not dataclasses.is_dataclass(cls)
    assert not inspect.get_annotations(cls)


def test_an_aggregate_with_declared_state_is_created_from_its_first_event() -> None:
    account = Account.open("acme", "zenlayer", "USD", AT)
    port = Port.order("p1", account.id, "LAX", "10G", AT)
    assert (account.balance, account.stage, port.site, port.state) == (0, "active", "LAX", "pending")
    assert port.last_at == AT
