from decimal import Decimal

from tests.builders import D, T, daily_lines, two_active_ports, zenlayer_account


def test_price_by_bandwidth_cap_and_the_two_sites(ledger):
    zenlayer_account(ledger)
    two_active_ports(ledger)
    # Same 100M cap, two different site pairs.
    ledger.create_private_connect("ACME", "PC-1", "port:HKG-1", "port:SIN-1", 100, T("2026-01-02T00:00"))
    ledger.create_private_connect("ACME", "PC-2", "port:HKG-1", "aws:AWS-1@AWS-ap-east-1", 100, T("2026-01-02T00:00"))
    ledger.accept_hosted_connection("AWS-1", T("2026-01-02T00:00"))
    # Caps between tiers pick the smallest up_to_mbps at or above the cap.
    ledger.create_private_connect("ACME", "PC-3", "port:SIN-1", "port:HKG-1", 101, T("2026-01-02T00:00"))
    ledger.create_private_connect("ACME", "PC-4", "port:HKG-1", "port:SIN-1", 500, T("2026-01-02T00:00"))
    ledger.create_private_connect("ACME", "PC-5", "port:HKG-1", "port:SIN-1", 501, T("2026-01-02T00:00"))
    ledger.advance_to(T("2026-01-03T02:00"))
    day = D("2026-01-02")
    assert daily_lines(ledger, "ACME", "PC-1", "private_connect") == {day: Decimal("5.00")}
    assert daily_lines(ledger, "ACME", "PC-2", "private_connect") == {day: Decimal("3.00")}
    assert daily_lines(ledger, "ACME", "PC-3", "private_connect") == {day: Decimal("9.00")}
    assert daily_lines(ledger, "ACME", "PC-4", "private_connect") == {day: Decimal("20.00")}
    assert daily_lines(ledger, "ACME", "PC-5", "private_connect") == {day: Decimal("35.00")}
