from decimal import Decimal

from tests.builders import D, T, daily_lines, two_active_ports, zenlayer_account


def test_hosted_connection_charge_stops_with_the_connect(ledger):
    zenlayer_account(ledger)
    two_active_ports(ledger)
    ledger.create_private_connect("ACME", "PC-1", "port:HKG-1", "aws:AWS-1@AWS-ap-east-1", 80, T("2026-01-02T00:00"))
    ledger.accept_hosted_connection("AWS-1", T("2026-01-02T00:00"))
    # PC-1 is deleted at 09:00 on the 10th: AWS-1 bills through the 10th, then stops.
    ledger.delete_private_connect("PC-1", T("2026-01-10T09:00"))
    assert ledger.resource("AWS-1").state == "deleted"
    ledger.advance_to(T("2026-01-14T02:00"))
    days = daily_lines(ledger, "ACME", "AWS-1", "aws_hosted_connection")
    assert days[D("2026-01-09")] == Decimal("1.50")
    assert days[D("2026-01-10")] == Decimal("1.50")
    assert max(days) == D("2026-01-10")
    assert len(days) == 9
