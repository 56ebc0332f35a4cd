from decimal import Decimal

from tests.builders import D, T, daily_lines, events_named, two_active_ports, zenlayer_account


def test_previous_day_deducted_at_01_00_utc(ledger):
    zenlayer_account(ledger)
    two_active_ports(ledger)
    # At 00:59 on the 2nd, the 1st has not been deducted yet.
    ledger.advance_to(T("2026-01-02T00:59"))
    assert daily_lines(ledger, "ACME", "HKG-1") == {}
    assert ledger.account("ACME").balance == Decimal("1000.00")
    # At 01:00 on the 2nd, the 1st is deducted: two ports at 10.00 each.
    ledger.advance_to(T("2026-01-02T01:00"))
    assert daily_lines(ledger, "ACME", "HKG-1") == {D("2026-01-01"): Decimal("10.00")}
    assert daily_lines(ledger, "ACME", "SIN-1") == {D("2026-01-01"): Decimal("10.00")}
    assert ledger.account("ACME").balance == Decimal("980.00")
    charged = events_named(ledger, ledger.account("ACME").id, "Charged")
    assert len(charged) == 1
    assert charged[0].at == T("2026-01-02T01:00")
    assert charged[0].service_day == D("2026-01-01")
    assert charged[0].total == Decimal("20.00")
    # The 2nd is not deducted before 01:00 on the 3rd.
    ledger.advance_to(T("2026-01-03T00:59"))
    assert D("2026-01-02") not in daily_lines(ledger, "ACME", "HKG-1")
    ledger.advance_to(T("2026-01-03T01:00"))
    assert daily_lines(ledger, "ACME", "HKG-1")[D("2026-01-02")] == Decimal("10.00")
    assert ledger.account("ACME").balance == Decimal("960.00")
