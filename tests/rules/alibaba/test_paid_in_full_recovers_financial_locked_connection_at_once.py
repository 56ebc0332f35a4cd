from decimal import Decimal

from tests.builders import T, alibaba_account


def test_paid_in_full_recovers_financial_locked_connection_at_once(ledger):
    alibaba_account(ledger, paid="600.00")
    ledger.create_physical_connection(
        "GLOBEX", "PC-HK-1", "cn-hongkong", "1G", "China Telecom", None, T("2017-12-01T00:00")
    )
    # Locked at 01:00 on 7 Dec (-20.00); 7 Dec bills too (-40.00 on 8 Dec).
    ledger.advance_to(T("2017-12-09T10:00"))
    assert ledger.resource("PC-HK-1").state == "financial_locked"
    assert ledger.account("GLOBEX").balance == Decimal("-40.00")
    # A partial payment leaves the balance negative: still locked.
    ledger.top_up("GLOBEX", "15.00", None, T("2017-12-09T10:00"), kind="payment")
    assert ledger.account("GLOBEX").balance == Decimal("-25.00")
    assert ledger.resource("PC-HK-1").state == "financial_locked"
    # Paying the rest recovers it at that very instant.
    ledger.top_up("GLOBEX", "25.00", None, T("2017-12-09T15:30"), kind="payment")
    assert ledger.account("GLOBEX").balance == Decimal("0.00")
    pc = ledger.resource("PC-HK-1")
    assert pc.state == "active"
    assert pc.since == T("2017-12-09T15:30")
    assert pc.release_at is None
    assert [type(e).__name__ for e in ledger.events_of(pc.id)].count("Recovered") == 1
