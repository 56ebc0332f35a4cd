from decimal import Decimal

from tests.builders import T, event_names, events_named, two_active_ports, zenlayer_account


def test_top_up_during_protection_or_suspension_restores_service(ledger):
    zenlayer_account(ledger, balance="15.00")
    two_active_ports(ledger)
    ledger.create_private_connect("ACME", "PC-1", "port:HKG-1", "port:SIN-1", 100, T("2026-01-01T09:00"))
    ledger.advance_to(T("2026-01-02T12:00"))
    assert ledger.account("ACME").stage == "protection"
    # A top-up during protection brings the balance back above zero.
    ledger.top_up("ACME", "1000.00", None, T("2026-01-02T12:00"))
    acct = ledger.account("ACME")
    assert acct.balance == Decimal("990.00")
    assert acct.stage == "active"
    assert event_names(ledger, acct.id)[-1] == "ServiceRestored"
    # No suspension follows.
    ledger.advance_to(T("2026-01-06T02:00"))
    assert ledger.account("ACME").stage == "active"
    assert "SuspensionStarted" not in event_names(ledger, acct.id)
    for name in ("HKG-1", "SIN-1", "PC-1"):
        assert ledger.resource(name).state == "active"


def test_top_up_during_protection_or_suspension_restores_service_from_suspension(ledger):
    zenlayer_account(ledger, balance="15.00")
    two_active_ports(ledger)
    # HKG-2 is ordered but its cross connect never completes: it is pending.
    ledger.order_port("ACME", "HKG-2", "HKG", "10G", T("2026-01-01T09:00"))
    ledger.create_private_connect("ACME", "PC-1", "port:HKG-1", "port:SIN-1", 100, T("2026-01-01T09:00"))
    ledger.advance_to(T("2026-01-05T12:00"))
    acct = ledger.account("ACME")
    assert acct.stage == "suspension"
    assert acct.balance == Decimal("-85.00")
    assert ledger.resource("HKG-2").state == "suspended"
    # 50.00 leaves the balance at -35.00: nothing is restored.
    ledger.top_up("ACME", "50.00", None, T("2026-01-05T12:00"))
    acct = ledger.account("ACME")
    assert acct.balance == Decimal("-35.00")
    assert acct.stage == "suspension"
    assert "ServiceRestored" not in event_names(ledger, acct.id)
    for name in ("HKG-1", "SIN-1", "PC-1", "HKG-2"):
        assert ledger.resource(name).state == "suspended"
    # 35.00 more brings it to exactly 0.00: service is restored to the states before.
    ledger.top_up("ACME", "35.00", None, T("2026-01-05T12:00"))
    acct = ledger.account("ACME")
    assert acct.balance == Decimal("0.00")
    assert acct.stage == "active"
    restored = events_named(ledger, acct.id, "ServiceRestored")
    assert len(restored) == 1
    assert restored[0].from_stage == "suspension"
    for name in ("HKG-1", "SIN-1", "PC-1"):
        assert ledger.resource(name).state == "active"
    assert ledger.resource("HKG-2").state == "pending"
    # Not recycled at 01:00 on the 6th.
    ledger.advance_to(T("2026-01-06T02:00"))
    assert ledger.resource("PC-1").state == "active"
