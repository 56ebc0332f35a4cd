from decimal import Decimal

from tests.builders import D, T, daily_lines, events_named, two_active_ports, zenlayer_account


def test_suspension_stage_follows_2_days_of_protection(ledger):
    zenlayer_account(ledger, balance="15.00")
    two_active_ports(ledger)
    ledger.create_private_connect("ACME", "PC-1", "port:HKG-1", "port:SIN-1", 100, T("2026-01-01T09:00"))
    # Exhausted at 01:00 on the 2nd; protection runs until 01:00 on the 4th.
    ledger.advance_to(T("2026-01-04T00:59"))
    assert ledger.account("ACME").stage == "protection"
    assert ledger.resource("HKG-1").state == "active"
    ledger.advance_to(T("2026-01-04T01:00"))
    acct = ledger.account("ACME")
    assert acct.stage == "suspension"
    assert acct.balance == Decimal("-60.00")
    for name in ("HKG-1", "SIN-1", "PC-1"):
        assert ledger.resource(name).state == "suspended"
    notices = events_named(ledger, acct.id, "NoticeSent")
    assert [n.notice for n in notices] == ["protection_reminder", "suspension_notice"]
    assert notices[-1].at == T("2026-01-04T01:00")
    assert sorted(u.name for u in notices[-1].recipients) == ["alice", "bob"]
    # The 4th was active until 01:00 and bills; the 5th was wholly suspended and does not.
    ledger.advance_to(T("2026-01-06T02:00"))
    for name in ("HKG-1", "SIN-1", "PC-1"):
        days = daily_lines(ledger, "ACME", name)
        assert D("2026-01-04") in days
        assert D("2026-01-05") not in days
    assert daily_lines(ledger, "ACME", "HKG-1")[D("2026-01-04")] == Decimal("10.00")
    assert ledger.account("ACME").balance == Decimal("-85.00")
