from decimal import Decimal

from tests.builders import D, T, alibaba_account, daily_lines


def test_port_reservation_fee_per_day_by_spec(ledger):
    alibaba_account(ledger)
    ledger.create_physical_connection(
        "GLOBEX", "PC-HK-1", "cn-hongkong", "1G", "China Telecom", None, T("2017-12-01T10:00")
    )
    ledger.create_physical_connection(
        "GLOBEX", "PC-HK-2", "cn-hongkong", "10G", "China Telecom", None, T("2017-12-01T10:00")
    )
    # 5000 - 500 - 1500 setup fees.
    assert ledger.account("GLOBEX").balance == Decimal("3000.00")
    # 3 Dec is deducted at 01:00 on 4 Dec, not before.
    ledger.advance_to(T("2017-12-04T00:59"))
    assert D("2017-12-03") not in daily_lines(ledger, "GLOBEX", "PC-HK-1", "port_reservation")
    ledger.advance_to(T("2017-12-04T01:00"))
    # 1G: 20.00 a day; 10G: 170.00 a day (the part day of 1 Dec counts whole).
    assert daily_lines(ledger, "GLOBEX", "PC-HK-1", "port_reservation") == {
        D("2017-12-01"): Decimal("20.00"),
        D("2017-12-02"): Decimal("20.00"),
        D("2017-12-03"): Decimal("20.00"),
    }
    assert daily_lines(ledger, "GLOBEX", "PC-HK-2", "port_reservation") == {
        D("2017-12-01"): Decimal("170.00"),
        D("2017-12-02"): Decimal("170.00"),
        D("2017-12-03"): Decimal("170.00"),
    }
    assert ledger.account("GLOBEX").balance == Decimal("2430.00")
