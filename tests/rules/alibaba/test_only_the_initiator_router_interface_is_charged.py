from decimal import Decimal

from tests.builders import T, alibaba_account


def charge_lines(ledger, account, resource):
    acct = ledger.account(account)
    return [
        (e.reason, line)
        for e in ledger.events_of(acct.id)
        if type(e).__name__ == "Charged"
        for line in e.lines
        if line.resource == resource
    ]


def test_only_the_initiator_router_interface_is_charged(ledger):
    alibaba_account(ledger)
    ledger.create_physical_connection(
        "GLOBEX", "PC-HK-1", "cn-hongkong", "1G", "China Telecom", None, T("2017-11-25T10:00")
    )
    # The initiator is a subscription: paid in advance, price x months (230 x 3).
    ledger.create_router_interface(
        "GLOBEX",
        T("2017-11-25T10:00"),
        name="RI-1",
        role="initiator",
        connection_type="physical",
        initiator_region="cn-hongkong",
        receiver_region="cn-hongkong",
        spec="Large.1",
        months=3,
        auto_renew=False,
        peer=None,
        physical_connection="PC-HK-1",
    )
    # Its receiver end is created on the same connection: never charged.
    ledger.create_router_interface(
        "GLOBEX",
        T("2017-11-25T10:00"),
        name="RI-2",
        role="receiver",
        connection_type="physical",
        initiator_region="cn-hongkong",
        receiver_region="cn-hongkong",
        spec="Large.1",
        months=None,
        auto_renew=False,
        physical_connection="PC-HK-1",
        peer="RI-1",
    )
    assert ledger.resource("RI-1").billing_method == "Subscription"
    assert ledger.resource("RI-2").billing_method == "PayAsYouGo"
    ri1 = charge_lines(ledger, "GLOBEX", "RI-1")
    assert len(ri1) == 1
    reason, line = ri1[0]
    assert reason == "subscription"
    assert line.item == "router_interface"
    assert line.quantity == Decimal(3)
    assert line.unit_price == Decimal(230)
    assert line.amount == Decimal("690.00")
    # 5000 - 500 setup - 690 subscription; the receiver costs nothing.
    assert ledger.account("GLOBEX").balance == Decimal("3810.00")
    # Months later the receiver still has no charge line of any kind.
    ledger.advance_to(T("2018-01-10T02:00"))
    assert charge_lines(ledger, "GLOBEX", "RI-2") == []
