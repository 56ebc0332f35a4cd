from decimal import Decimal

import pytest
from linkledger.domain.errors import PriceNotFoundError, UnknownResourceError

from tests.builders import T, alibaba_account


def subscription_amount(ledger, account, resource):
    acct = ledger.account(account)
    return [
        line.amount
        for e in ledger.events_of(acct.id)
        if type(e).__name__ == "Charged" and e.reason == "subscription"
        for line in e.lines
        if line.resource == resource
    ]


def physical_initiator(ledger, name, spec, initiator_region, receiver_region, at):
    ledger.create_router_interface(
        "GLOBEX",
        T(at),
        name=name,
        role="initiator",
        connection_type="physical",
        initiator_region=initiator_region,
        receiver_region=receiver_region,
        spec=spec,
        months=1,
        auto_renew=False,
        peer=None,
        physical_connection="PC-HK-1",
    )


def test_router_interface_price_by_regions_and_spec(ledger):
    alibaba_account(ledger)
    ledger.create_physical_connection(
        "GLOBEX", "PC-HK-1", "cn-hongkong", "1G", "China Telecom", None, T("2017-12-01T09:00")
    )
    # Same regions, different spec -> different price.
    physical_initiator(ledger, "RI-1", "Large.1", "cn-hongkong", "cn-hongkong", "2017-12-01T09:00")
    physical_initiator(ledger, "RI-2", "Large.2", "cn-hongkong", "cn-hongkong", "2017-12-01T09:00")
    assert subscription_amount(ledger, "GLOBEX", "RI-1") == [Decimal("230.00")]
    assert subscription_amount(ledger, "GLOBEX", "RI-2") == [Decimal("460.00")]
    assert ledger.account("GLOBEX").balance == Decimal("3810.00")
    # A region pair the price book does not give is refused, and writes nothing.
    version = ledger.account("GLOBEX").version
    with pytest.raises(PriceNotFoundError):
        physical_initiator(ledger, "RI-3", "Large.1", "cn-hongkong", "ap-southeast-1", "2017-12-01T09:00")
    assert ledger.account("GLOBEX").version == version
    assert ledger.account("GLOBEX").balance == Decimal("3810.00")
    with pytest.raises(UnknownResourceError):
        ledger.resource("RI-3")
