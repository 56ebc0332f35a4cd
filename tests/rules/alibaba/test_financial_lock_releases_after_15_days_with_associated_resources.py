import pytest
from linkledger.domain.errors import ResourceGoneError

from tests.builders import T, alibaba_account, events_named


def test_financial_lock_releases_after_15_days_with_associated_resources(ledger):
    # 830 paid: 500 setup + 230 for a month of RI-1 leave 100, five days of 20.00.
    alibaba_account(ledger, paid="830.00")
    ledger.create_physical_connection(
        "GLOBEX", "PC-HK-1", "cn-hongkong", "1G", "China Telecom", None, T("2017-12-01T00:00")
    )
    ledger.create_router_interface(
        "GLOBEX",
        T("2017-12-01T00:00"),
        name="RI-1",
        role="initiator",
        connection_type="physical",
        initiator_region="cn-hongkong",
        receiver_region="cn-hongkong",
        spec="Large.1",
        months=1,
        auto_renew=False,
        peer=None,
        physical_connection="PC-HK-1",
    )
    ledger.add_route_entry("RI-1", "10.0.0.0/16", T("2017-12-01T00:00"))
    # Locked at 01:00 on 7 Dec, for at most 15 days.
    ledger.advance_to(T("2017-12-07T01:00"))
    assert ledger.resource("PC-HK-1").state == "financial_locked"
    assert ledger.resource("PC-HK-1").release_at == T("2017-12-22T01:00")
    ledger.advance_to(T("2017-12-22T00:59"))
    assert ledger.resource("PC-HK-1").state == "financial_locked"
    assert ledger.resource("RI-1").state == "active"
    # Unpaid at the end: the connection and its router interface are released together.
    ledger.advance_to(T("2017-12-22T01:00"))
    pc = ledger.resource("PC-HK-1")
    ri = ledger.resource("RI-1")
    assert pc.state == "released"
    assert pc.since == T("2017-12-22T01:00")
    released_pc = events_named(ledger, pc.id, "Released")
    assert len(released_pc) == 1
    assert released_pc[0].associated_released == ["RI-1"]
    assert ri.state == "released"
    assert ri.since == T("2017-12-22T01:00")
    assert ri.route_entries == []
    released_ri = events_named(ledger, ri.id, "Released")
    assert len(released_ri) == 1
    assert released_ri[0].route_entries_deleted == ["10.0.0.0/16"]
    # Released cannot be restored: commands on either are refused and write nothing.
    pc_version, ri_version = pc.version, ri.version
    with pytest.raises(ResourceGoneError):
        ledger.terminate_physical_connection("PC-HK-1", T("2017-12-23T00:00"))
    with pytest.raises(ResourceGoneError):
        ledger.add_route_entry("RI-1", "172.16.0.0/12", T("2017-12-23T00:00"))
    with pytest.raises(ResourceGoneError):
        ledger.renew_router_interface("RI-1", 1, T("2017-12-23T00:00"))
    assert ledger.resource("PC-HK-1").version == pc_version
    assert ledger.resource("RI-1").version == ri_version
    # A payment afterwards does not bring them back.
    ledger.top_up("GLOBEX", "1000.00", None, T("2017-12-23T00:00"), kind="payment")
    assert ledger.resource("PC-HK-1").state == "released"
    assert ledger.resource("RI-1").state == "released"
