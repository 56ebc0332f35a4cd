from decimal import Decimal

from tests.builders import D, T, daily_lines, zenlayer_account


def test_part_day_bills_as_whole_day(ledger):
    zenlayer_account(ledger)
    # HKG-1 is ordered on the 2nd and cross-connected at 23:00 on the 3rd.
    ledger.order_port("ACME", "HKG-1", "HKG", "10G", T("2026-01-02T09:00"))
    ledger.complete_cross_connect("HKG-1", T("2026-01-03T23:00"))
    ledger.advance_to(T("2026-01-05T02:00"))
    days = daily_lines(ledger, "ACME", "HKG-1", "port")
    # A pending port does not bill; one hour active on the 3rd bills the whole day.
    assert days == {D("2026-01-03"): Decimal("10.00"), D("2026-01-04"): Decimal("10.00")}
    assert ledger.account("ACME").balance == Decimal("980.00")
