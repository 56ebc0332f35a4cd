from decimal import Decimal

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


def vpc_initiator(ledger, name, spec, initiator_region, receiver_region):
    ledger.create_router_interface(
        "GLOBEX",
        T("2017-12-01T09:00"),
        name=name,
        role="initiator",
        connection_type="vpc",
        initiator_region=initiator_region,
        receiver_region=receiver_region,
        spec=spec,
        months=1,
        auto_renew=False,
    )


def test_vpc_router_interface_price_by_distance(ledger):
    alibaba_account(ledger)
    # Same spec from cn-hangzhou: to cn-shanghai is intra-country, to Singapore cross-border.
    vpc_initiator(ledger, "RI-1", "Small.1", "cn-hangzhou", "cn-shanghai")
    vpc_initiator(ledger, "RI-2", "Small.1", "cn-hangzhou", "ap-southeast-1")
    assert ledger.resource("RI-1").distance_band == "intra-country"
    assert ledger.resource("RI-2").distance_band == "cross-border"
    assert subscription_amount(ledger, "GLOBEX", "RI-1") == [Decimal("60.00")]
    assert subscription_amount(ledger, "GLOBEX", "RI-2") == [Decimal("180.00")]
    # A bigger spec keeps the same split by distance.
    vpc_initiator(ledger, "RI-3", "Middle.1", "cn-hangzhou", "cn-beijing")
    vpc_initiator(ledger, "RI-4", "Middle.1", "cn-hongkong", "ap-southeast-1")
    assert subscription_amount(ledger, "GLOBEX", "RI-3") == [Decimal("120.00")]
    assert subscription_amount(ledger, "GLOBEX", "RI-4") == [Decimal("360.00")]
    assert ledger.account("GLOBEX").balance == Decimal("4280.00")
