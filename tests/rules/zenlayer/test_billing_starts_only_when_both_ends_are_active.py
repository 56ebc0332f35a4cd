from decimal import Decimal

from tests.builders import D, T, daily_lines, zenlayer_account


def test_billing_starts_only_when_both_ends_are_active(ledger):
    zenlayer_account(ledger)
    ledger.order_port("ACME", "HKG-1", "HKG", "10G", T("2026-01-01T09:00"))
    ledger.order_port("ACME", "SIN-1", "SIN", "10G", T("2026-01-01T09:00"))
    ledger.complete_cross_connect("HKG-1", T("2026-01-01T09:00"))
    # PC-1 is created on the 2nd while SIN-1's cross connect is still pending.
    ledger.create_private_connect("ACME", "PC-1", "port:HKG-1", "port:SIN-1", 100, T("2026-01-02T00:00"))
    ledger.advance_to(T("2026-01-05T02:00"))
    assert ledger.resource("PC-1").state == "pending"
    assert daily_lines(ledger, "ACME", "PC-1") == {}
    # SIN-1's cross connect completes at 15:00 on the 5th: PC-1 bills from the 5th.
    ledger.complete_cross_connect("SIN-1", T("2026-01-05T15:00"))
    assert ledger.resource("PC-1").state == "active"
    ledger.advance_to(T("2026-01-07T02:00"))
    assert daily_lines(ledger, "ACME", "PC-1") == {D("2026-01-05"): Decimal("5.00"), D("2026-01-06"): Decimal("5.00")}
    assert "BillingStarted" in [type(e).__name__ for e in ledger.events_of(ledger.resource("PC-1").id)]


def test_billing_starts_only_when_both_ends_are_active_hosted_connection(ledger):
    zenlayer_account(ledger)
    ledger.order_port("ACME", "HKG-1", "HKG", "10G", T("2026-01-01T09:00"))
    ledger.complete_cross_connect("HKG-1", T("2026-01-01T09:00"))
    # PC-1 runs from HKG-1 to an AWS hosted connection not yet accepted on the AWS console.
    ledger.create_private_connect("ACME", "PC-1", "port:HKG-1", "aws:AWS-1@AWS-ap-east-1", 100, T("2026-01-02T00:00"))
    ledger.advance_to(T("2026-01-04T02:00"))
    assert ledger.resource("PC-1").state == "pending"
    assert ledger.resource("AWS-1").state == "pending"
    assert daily_lines(ledger, "ACME", "PC-1") == {}
    assert daily_lines(ledger, "ACME", "AWS-1") == {}
    # Accepted at 10:00 on the 4th: the connect and the hosted connection bill from the 4th.
    ledger.accept_hosted_connection("AWS-1", T("2026-01-04T10:00"))
    assert ledger.resource("PC-1").state == "active"
    ledger.advance_to(T("2026-01-06T02:00"))
    assert daily_lines(ledger, "ACME", "PC-1") == {D("2026-01-04"): Decimal("3.00"), D("2026-01-05"): Decimal("3.00")}
    assert daily_lines(ledger, "ACME", "AWS-1") == {D("2026-01-04"): Decimal("1.50"), D("2026-01-05"): Decimal("1.50")}
