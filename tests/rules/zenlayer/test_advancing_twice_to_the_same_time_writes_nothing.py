from decimal import Decimal

from tests.builders import T, two_active_ports, zenlayer_account


def test_advancing_twice_to_the_same_time_writes_nothing(ledger):
    zenlayer_account(ledger)
    two_active_ports(ledger)
    ledger.create_private_connect("ACME", "PC-1", "port:HKG-1", "port:SIN-1", 100, T("2026-01-02T00:00"))
    before_first = ledger.recorder.max_notification_id()
    ledger.advance_to(T("2026-01-05T02:00"))
    after_first = ledger.recorder.max_notification_id()
    assert after_first > before_first
    balance = ledger.account("ACME").balance
    # The second advance to the same instant runs nothing and writes nothing.
    assert ledger.advance_to(T("2026-01-05T02:00")).ran == 0
    assert ledger.recorder.max_notification_id() == after_first
    assert ledger.account("ACME").balance == balance == Decimal("905.00")
