from decimal import Decimal

from tests.builders import T, alibaba_account


def setup_fee_lines(ledger, account):
    acct = ledger.account(account)
    return [
        (e.reason, e.at, line)
        for e in ledger.events_of(acct.id)
        if type(e).__name__ == "Charged"
        for line in e.lines
        if line.item == "setup_fee"
    ]


def test_setup_fee_is_charged_once(ledger):
    alibaba_account(ledger)
    # A 1G and a 10G physical connection, each charged its one-time setup fee at creation.
    ledger.create_physical_connection(
        "GLOBEX", "PC-HK-1", "cn-hongkong", "1G", "China Telecom", None, T("2017-12-01T10:00")
    )
    ledger.create_physical_connection(
        "GLOBEX", "PC-HK-2", "cn-hongkong", "10G", "China Telecom", None, T("2017-12-01T10:00")
    )
    lines = setup_fee_lines(ledger, "GLOBEX")
    assert [(reason, at, line.resource, line.amount, line.unit) for reason, at, line in lines] == [
        ("setup_fee", T("2017-12-01T10:00"), "PC-HK-1", Decimal("500.00"), "once"),
        ("setup_fee", T("2017-12-01T10:00"), "PC-HK-2", Decimal("1500.00"), "once"),
    ]
    assert ledger.account("GLOBEX").balance == Decimal("3000.00")
    # A week of daily deductions later: still only those two setup fee lines.
    ledger.advance_to(T("2017-12-08T02:00"))
    assert len(setup_fee_lines(ledger, "GLOBEX")) == 2
    # 3000 - 7 days x (20 + 170).
    assert ledger.account("GLOBEX").balance == Decimal("1670.00")
