from decimal import Decimal

from tests.builders import D, T, alibaba_account


def port_lines(ledger, account, resource):
    acct = ledger.account(account)
    return {
        line.period_start: (line.amount, line.price_ref)
        for e in ledger.events_of(acct.id)
        if type(e).__name__ == "Charged" and e.reason == "daily"
        for line in e.lines
        if line.resource == resource and line.item == "port_reservation"
    }


def test_port_reservation_promotion_before_2017_12_01(ledger):
    alibaba_account(ledger)
    ledger.create_physical_connection(
        "GLOBEX", "PC-HK-1", "cn-hongkong", "1G", "China Telecom", None, T("2017-11-30T10:00")
    )
    ledger.advance_to(T("2017-12-02T02:00"))
    lines = port_lines(ledger, "GLOBEX", "PC-HK-1")
    # 30 Nov is under the promotional price, 0; 1 Dec pays the list price, 20.
    assert lines == {
        D("2017-11-30"): (Decimal("0.00"), "alibaba-port-reservation-promo-2017-01-01"),
        D("2017-12-01"): (Decimal("20.00"), "alibaba-port-reservation-2017-12-01"),
    }
    # 5000 - 500 setup - 0 - 20.
    assert ledger.account("GLOBEX").balance == Decimal("4480.00")
