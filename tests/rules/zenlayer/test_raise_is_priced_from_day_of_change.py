from decimal import Decimal

from tests.builders import D, T, daily_lines, two_active_ports, zenlayer_account


def test_raise_is_priced_from_day_of_change(ledger):
    zenlayer_account(ledger)
    two_active_ports(ledger)
    ledger.create_private_connect("ACME", "PC-1", "port:HKG-1", "port:SIN-1", 100, T("2026-01-02T00:00"))
    # Raise 100M -> 500M at 23:00 on the 5th: the whole 5th bills at the 500M tier (20.00).
    ledger.raise_bandwidth("PC-1", 500, T("2026-01-05T23:00"))
    ledger.advance_to(T("2026-01-07T02:00"))
    days = daily_lines(ledger, "ACME", "PC-1")
    assert days[D("2026-01-04")] == Decimal("5.00")
    assert days[D("2026-01-05")] == Decimal("20.00")
    assert days[D("2026-01-06")] == Decimal("20.00")
    assert "BandwidthRaised" in [type(e).__name__ for e in ledger.events_of(ledger.resource("PC-1").id)]
