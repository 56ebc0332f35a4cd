from decimal import Decimal

from tests.builders import D, T, daily_lines, two_active_ports, zenlayer_account


def test_deletion_at_midnight_bills_that_day(ledger):
    zenlayer_account(ledger)
    two_active_ports(ledger)
    ledger.create_private_connect("ACME", "PC-1", "port:HKG-1", "port:SIN-1", 100, T("2026-01-02T00:00"))
    # "Accrued costs up to and through the day of the service deletion request":
    # deleted at exactly 00:00 on the 20th, the 20th is still charged, the 21st is not.
    ledger.delete_private_connect("PC-1", T("2026-01-20T00:00"))
    ledger.advance_to(T("2026-01-23T02:00"))
    days = daily_lines(ledger, "ACME", "PC-1")
    assert days[D("2026-01-19")] == Decimal("5.00")
    assert days[D("2026-01-20")] == Decimal("5.00")
    assert max(days) == D("2026-01-20")


def test_deletion_at_midnight_then_recovery_bills_each_day_once(ledger):
    zenlayer_account(ledger)
    two_active_ports(ledger)
    ledger.create_private_connect("ACME", "PC-1", "port:HKG-1", "port:SIN-1", 100, T("2026-01-02T00:00"))
    # Deleted at 00:00 on the 20th, recovered at 06:00 the same day: the 20th is both the
    # deletion day and the recovery day, charged once; billing goes on from there.
    ledger.delete_private_connect("PC-1", T("2026-01-20T00:00"))
    ledger.recover_private_connect("PC-1", T("2026-01-20T06:00"))
    ledger.advance_to(T("2026-01-23T02:00"))
    charged = [
        line.period_start
        for e in ledger.events_of(ledger.account("ACME").id)
        if type(e).__name__ == "Charged" and e.reason == "daily"
        for line in e.lines
        if line.resource == "PC-1"
    ]
    assert charged.count(D("2026-01-20")) == 1
    days = daily_lines(ledger, "ACME", "PC-1")
    for d in ("2026-01-19", "2026-01-20", "2026-01-21", "2026-01-22"):
        assert days[D(d)] == Decimal("5.00")
