from decimal import Decimal

from tests.builders import T, alibaba_account, events_named


def test_auto_renew_renews_at_expiry(ledger):
    # 120.00 pays for the first month and one automatic renewal, not two.
    alibaba_account(ledger, paid="120.00")
    ledger.create_router_interface(
        "GLOBEX",
        T("2017-12-01T00:00"),
        name="RI-1",
        role="initiator",
        connection_type="vpc",
        initiator_region="cn-hangzhou",
        receiver_region="cn-shanghai",
        spec="Small.1",
        months=1,
        auto_renew=True,
    )
    assert ledger.account("GLOBEX").balance == Decimal("60.00")
    # At the 1 Jan 2018 expiry it renews itself for a month, charged as a renewal.
    ledger.advance_to(T("2018-01-01T00:00"))
    ri = ledger.resource("RI-1")
    assert ri.state == "active"
    assert ri.expires_at == T("2018-02-01T00:00")
    renewed = events_named(ledger, ri.id, "Renewed")
    assert len(renewed) == 1
    assert renewed[0].automatic is True
    assert renewed[0].months == 1
    acct = ledger.account("GLOBEX")
    renewals = [e for e in ledger.events_of(acct.id) if type(e).__name__ == "Charged" and e.reason == "renewal"]
    assert len(renewals) == 1
    assert renewals[0].total == Decimal("60.00")
    assert renewals[0].at == T("2018-01-01T00:00")
    assert acct.balance == Decimal("0.00")
    # On 1 Feb the balance cannot pay: it expires instead, flagged as a failed auto renew.
    ledger.advance_to(T("2018-02-01T00:00"))
    ri = ledger.resource("RI-1")
    assert ri.state == "expired"
    assert ri.since == T("2018-02-01T00:00")
    expired = events_named(ledger, ri.id, "Expired")
    assert len(expired) == 1
    assert expired[0].auto_renew_failed is True
    assert ledger.account("GLOBEX").balance == Decimal("0.00")
    assert len(events_named(ledger, ri.id, "Renewed")) == 1
