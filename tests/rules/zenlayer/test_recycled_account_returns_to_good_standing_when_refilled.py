from decimal import Decimal

from tests.builders import T, event_names, two_active_ports, zenlayer_account


def test_recycled_account_returns_to_good_standing_when_refilled(ledger):
    zenlayer_account(ledger, balance="15.00")
    two_active_ports(ledger)
    # 20.00 a day for the two ports: negative at 01:00 on the 2nd, suspended at 01:00 on the 4th
    # (the 1st to the 4th are charged, the 4th as a part day), recycled at 01:00 on the 6th.
    ledger.advance_to(T("2026-01-06T02:00"))
    acct = ledger.account("ACME")
    assert acct.stage == "recycled"
    assert acct.balance == Decimal("-65.00")
    # A refill that leaves a debt keeps the stage; paying the debt returns to good standing.
    ledger.top_up("ACME", "60.00", None, T("2026-01-07T00:00"))
    assert ledger.account("ACME").stage == "recycled"
    ledger.top_up("ACME", "5.00", None, T("2026-01-07T00:00"))
    assert ledger.account("ACME").stage == "active"
    # The recycled ports stay gone, and no second ladder ran.
    assert ledger.resource("HKG-1").state == "recycled"
    assert event_names(ledger, acct.id).count("BalanceExhausted") == 1
