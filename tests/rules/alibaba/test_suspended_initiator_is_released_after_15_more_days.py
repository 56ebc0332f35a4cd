import pytest
from linkledger.domain.errors import ResourceGoneError

from tests.builders import T, alibaba_account, events_named


def test_suspended_initiator_is_released_after_15_more_days(ledger):
    alibaba_account(ledger)
    # One month from 1 Dec 2017: expires 1 Jan, suspended 16 Jan, released 31 Jan 2018.
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
        auto_renew=False,
    )
    ledger.add_route_entry("RI-1", "10.0.0.0/16", T("2017-12-02T00:00"))
    ledger.add_route_entry("RI-1", "192.168.1.0/24", T("2017-12-02T00:00"))
    ledger.advance_to(T("2018-01-16T00:00"))
    assert ledger.resource("RI-1").state == "suspended"
    assert ledger.resource("RI-1").release_at == T("2018-01-31T00:00")
    ledger.advance_to(T("2018-01-30T23:59"))
    assert ledger.resource("RI-1").state == "suspended"
    assert ledger.resource("RI-1").route_entries == ["10.0.0.0/16", "192.168.1.0/24"]
    # 15 days after the suspension it is released, and its route entries are deleted.
    ledger.advance_to(T("2018-01-31T00:00"))
    ri = ledger.resource("RI-1")
    assert ri.state == "released"
    assert ri.since == T("2018-01-31T00:00")
    assert ri.route_entries == []
    released = events_named(ledger, ri.id, "Released")
    assert len(released) == 1
    assert released[0].route_entries_deleted == ["10.0.0.0/16", "192.168.1.0/24"]
    # Released is final: every further command is refused and writes nothing.
    ri_version = ri.version
    acct_version = ledger.account("GLOBEX").version
    with pytest.raises(ResourceGoneError):
        ledger.renew_router_interface("RI-1", 1, T("2018-02-01T00:00"))
    with pytest.raises(ResourceGoneError):
        ledger.add_route_entry("RI-1", "172.16.0.0/12", T("2018-02-01T00:00"))
    with pytest.raises(ResourceGoneError):
        ledger.set_auto_renew("RI-1", True, T("2018-02-01T00:00"))
    assert ledger.resource("RI-1").version == ri_version
    assert ledger.resource("RI-1").state == "released"
    assert ledger.account("GLOBEX").version == acct_version
