from tests.builders import T, alibaba_account, event_names, events_named


def test_expired_initiator_is_suspended_after_15_days(ledger):
    alibaba_account(ledger)
    # A two-month initiator from 15 Dec 2017 10:00 expires on 15 Feb 2018 10:00.
    ledger.create_router_interface(
        "GLOBEX",
        T("2017-12-15T10:00"),
        name="RI-1",
        role="initiator",
        connection_type="vpc",
        initiator_region="cn-hangzhou",
        receiver_region="cn-shanghai",
        spec="Small.1",
        months=2,
        auto_renew=False,
    )
    assert ledger.resource("RI-1").expires_at == T("2018-02-15T10:00")
    ledger.advance_to(T("2018-02-15T09:59"))
    assert ledger.resource("RI-1").state == "active"
    # At expiry it is expired, not yet suspended.
    ledger.advance_to(T("2018-02-15T10:00"))
    ri = ledger.resource("RI-1")
    assert ri.state == "expired"
    assert ri.since == T("2018-02-15T10:00")
    assert ri.suspend_at == T("2018-03-02T10:00")
    # 15 days after expiry it is suspended.
    ledger.advance_to(T("2018-03-02T09:59"))
    assert ledger.resource("RI-1").state == "expired"
    ledger.advance_to(T("2018-03-02T10:00"))
    ri = ledger.resource("RI-1")
    assert ri.state == "suspended"
    assert ri.since == T("2018-03-02T10:00")
    assert event_names(ledger, ri.id) == ["Opened", "Expired", "Suspended"]
    expired = events_named(ledger, ri.id, "Expired")[0]
    assert expired.auto_renew_failed is False
