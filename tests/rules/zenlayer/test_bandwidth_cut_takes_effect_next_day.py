from decimal import Decimal

from tests.builders import D, T, daily_lines, two_active_ports, zenlayer_account


def test_bandwidth_cut_takes_effect_next_day(ledger):
    zenlayer_account(ledger)
    two_active_ports(ledger)
    ledger.create_private_connect("ACME", "PC-1", "port:HKG-1", "port:SIN-1", 200, T("2026-01-02T00:00"))
    # Cut 200M -> 100M at 09:00 on the 5th: the 5th still bills at the 200M tier (9.00).
    ledger.cut_bandwidth("PC-1", 100, T("2026-01-05T09:00"))
    ledger.advance_to(T("2026-01-08T02:00"))
    days = daily_lines(ledger, "ACME", "PC-1")
    assert days[D("2026-01-04")] == Decimal("9.00")
    assert days[D("2026-01-05")] == Decimal("9.00")
    # From the 6th, the 100M tier (5.00).
    assert days[D("2026-01-06")] == Decimal("5.00")
    assert days[D("2026-01-07")] == Decimal("5.00")
