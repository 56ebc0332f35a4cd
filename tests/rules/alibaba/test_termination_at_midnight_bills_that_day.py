from decimal import Decimal

from tests.builders import D, T, alibaba_account, daily_lines


def test_termination_at_midnight_bills_that_day(ledger):
    alibaba_account(ledger)
    ledger.create_physical_connection(
        "GLOBEX", "PC-HK-1", "cn-hongkong", "1G", "China Telecom", None, T("2017-12-01T10:00")
    )
    # Terminated at exactly 00:00 on 5 Dec: 5 Dec is still charged, 6 Dec is not.
    ledger.terminate_physical_connection("PC-HK-1", T("2017-12-05T00:00"))
    assert ledger.resource("PC-HK-1").state == "terminated"
    ledger.advance_to(T("2017-12-08T02:00"))
    assert daily_lines(ledger, "GLOBEX", "PC-HK-1", "port_reservation") == {
        D("2017-12-01"): Decimal("20.00"),
        D("2017-12-02"): Decimal("20.00"),
        D("2017-12-03"): Decimal("20.00"),
        D("2017-12-04"): Decimal("20.00"),
        D("2017-12-05"): Decimal("20.00"),
    }
