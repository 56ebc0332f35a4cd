from decimal import Decimal

from tests.builders import T, alibaba_account


def renewal_lines(ledger, account, resource):
    acct = ledger.account(account)
    return [
        line
        for e in ledger.events_of(acct.id)
        if type(e).__name__ == "Charged" and e.reason == "renewal"
        for line in e.lines
        if line.resource == resource
    ]


def vpc_initiator(ledger, name, at):
    ledger.create_router_interface(
        "GLOBEX",
        T(at),
        name=name,
        role="initiator",
        connection_type="vpc",
        initiator_region="cn-hangzhou",
        receiver_region="cn-shanghai",
        spec="Small.1",
        months=1,
        auto_renew=False,
    )


def test_renewal_while_suspended_recovers_at_once(ledger):
    alibaba_account(ledger)
    # RI-1 expires 1 Jan 2018 and is suspended on 16 Jan.
    vpc_initiator(ledger, "RI-1", "2017-12-01T00:00")
    ledger.advance_to(T("2018-01-16T00:00"))
    assert ledger.resource("RI-1").state == "suspended"
    # Renewed on 20 Jan 10:00: active again at that instant; the new term starts now.
    ledger.renew_router_interface("RI-1", 1, T("2018-01-20T10:00"))
    ri = ledger.resource("RI-1")
    assert ri.state == "active"
    assert ri.since == T("2018-01-20T10:00")
    assert ri.expires_at == T("2018-02-20T10:00")
    lines = renewal_lines(ledger, "GLOBEX", "RI-1")
    assert [line.amount for line in lines] == [Decimal("60.00")]
    # The old release date (31 Jan) passes without effect.
    ledger.advance_to(T("2018-02-01T00:00"))
    assert ledger.resource("RI-1").state == "active"
    # RI-2, renewed for 2 months before its 1 Mar expiry, extends from that expiry.
    vpc_initiator(ledger, "RI-2", "2018-02-01T00:00")
    ledger.renew_router_interface("RI-2", 2, T("2018-02-15T00:00"))
    assert ledger.resource("RI-2").expires_at == T("2018-05-01T00:00")
    assert [line.amount for line in renewal_lines(ledger, "GLOBEX", "RI-2")] == [Decimal("120.00")]
    assert ledger.resource("RI-2").state == "active"
