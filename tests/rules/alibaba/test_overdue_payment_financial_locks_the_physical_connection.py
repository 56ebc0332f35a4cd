from decimal import Decimal

from tests.builders import D, T, alibaba_account, daily_lines, events_named


def test_overdue_payment_financial_locks_the_physical_connection(ledger):
    # 600 paid; the 500 setup fee leaves 100, i.e. five days of 20.00.
    alibaba_account(ledger, paid="600.00")
    ledger.create_physical_connection(
        "GLOBEX", "PC-HK-1", "cn-hongkong", "1G", "China Telecom", None, T("2017-12-01T00:00")
    )
    # 1-5 Dec bring the balance to exactly 0.00: not overdue.
    ledger.advance_to(T("2017-12-07T00:59"))
    assert ledger.account("GLOBEX").balance == Decimal("0.00")
    assert ledger.resource("PC-HK-1").state == "active"
    # 6 Dec, deducted at 01:00 on 7 Dec, takes it to -20.00: Financial-Locked.
    ledger.advance_to(T("2017-12-07T01:00"))
    pc = ledger.resource("PC-HK-1")
    assert pc.state == "financial_locked"
    assert pc.since == T("2017-12-07T01:00")
    assert ledger.account("GLOBEX").balance == Decimal("-20.00")
    locked = events_named(ledger, pc.id, "FinancialLocked")
    assert len(locked) == 1
    assert locked[0].balance == Decimal("-20.00")
    # 7 Dec was partly active (00:00-01:00) and bills; fully locked days do not.
    ledger.advance_to(T("2017-12-12T02:00"))
    days = daily_lines(ledger, "GLOBEX", "PC-HK-1", "port_reservation")
    assert days[D("2017-12-06")] == Decimal("20.00")
    assert days[D("2017-12-07")] == Decimal("20.00")
    for day in ("2017-12-08", "2017-12-09", "2017-12-10", "2017-12-11"):
        assert D(day) not in days
    assert ledger.account("GLOBEX").balance == Decimal("-40.00")
    assert ledger.resource("PC-HK-1").state == "financial_locked"
