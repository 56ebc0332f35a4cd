from decimal import Decimal

from tests.builders import D, T, daily_lines, two_active_ports, zenlayer_account


def test_deletion_is_billed_through_the_day_of_deletion(ledger):
    zenlayer_account(ledger)
    two_active_ports(ledger)
    ledger.create_private_connect("ACME", "PC-1", "port:HKG-1", "port:SIN-1", 100, T("2026-01-02T00:00"))
    # Deleted at 00:30 on the 10th: the 10th is charged, the 11th is not.
    ledger.delete_private_connect("PC-1", T("2026-01-10T00:30"))
    assert ledger.resource("PC-1").state == "deleted"
    ledger.advance_to(T("2026-01-12T02:00"))
    days = daily_lines(ledger, "ACME", "PC-1")
    assert days[D("2026-01-09")] == Decimal("5.00")
    assert days[D("2026-01-10")] == Decimal("5.00")
    assert D("2026-01-11") not in days
    assert max(days) == D("2026-01-10")
