from decimal import Decimal

from tests.builders import D, T, daily_lines, event_names, two_active_ports, zenlayer_account


def test_negative_balance_starts_protection_stage(ledger):
    # 15.00 on the account; two ports and PC-1 cost 25.00 a day.
    zenlayer_account(ledger, balance="15.00")
    two_active_ports(ledger)
    ledger.create_private_connect("ACME", "PC-1", "port:HKG-1", "port:SIN-1", 100, T("2026-01-01T09:00"))
    ledger.advance_to(T("2026-01-02T00:59"))
    assert ledger.account("ACME").stage == "active"
    # The 1st is deducted at 01:00 on the 2nd: the balance falls to -10.00.
    ledger.advance_to(T("2026-01-02T02:00"))
    acct = ledger.account("ACME")
    assert acct.balance == Decimal("-10.00")
    assert acct.stage == "protection"
    events = list(ledger.events_of(acct.id))
    exhausted = [e for e in events if type(e).__name__ == "BalanceExhausted"]
    assert len(exhausted) == 1
    assert exhausted[0].at == T("2026-01-02T01:00")
    notices = [e for e in events if type(e).__name__ == "NoticeSent"]
    assert [n.notice for n in notices] == ["protection_reminder"]
    assert sorted(u.name for u in notices[0].recipients) == ["alice", "bob"]
    # Still active and still charged during protection.
    ledger.advance_to(T("2026-01-03T02:00"))
    for name in ("HKG-1", "SIN-1", "PC-1"):
        assert ledger.resource(name).state == "active"
    assert daily_lines(ledger, "ACME", "HKG-1")[D("2026-01-02")] == Decimal("10.00")
    assert daily_lines(ledger, "ACME", "PC-1")[D("2026-01-02")] == Decimal("5.00")
    assert ledger.account("ACME").balance == Decimal("-35.00")
    assert ledger.account("ACME").stage == "protection"
    assert event_names(ledger, acct.id).count("BalanceExhausted") == 1
