from decimal import Decimal

from tests.builders import D, T, daily_lines, two_active_ports, zenlayer_account


def test_port_deletion_at_midnight_bills_that_day(ledger):
    zenlayer_account(ledger)
    two_active_ports(ledger)
    # HKG-1 is deleted at exactly 00:00 on the 20th: the day of the request is charged.
    ledger.delete_port("HKG-1", T("2026-01-20T00:00"))
    assert ledger.resource("HKG-1").state == "deleted"
    ledger.advance_to(T("2026-01-23T02:00"))
    hkg = daily_lines(ledger, "ACME", "HKG-1", "port")
    assert hkg[D("2026-01-19")] == Decimal("10.00")
    assert hkg[D("2026-01-20")] == Decimal("10.00")
    assert max(hkg) == D("2026-01-20")
    # SIN-1 was not deleted and bills on.
    assert daily_lines(ledger, "ACME", "SIN-1", "port")[D("2026-01-22")] == Decimal("10.00")
