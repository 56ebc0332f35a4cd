from decimal import Decimal

import pytest
from linkledger.domain.errors import RecoveryWindowClosedError, ResourceGoneError

from tests.builders import D, T, daily_lines, events_named, two_active_ports, zenlayer_account


def test_recycle_follows_2_days_of_suspension(ledger):
    zenlayer_account(ledger, balance="15.00")
    two_active_ports(ledger)
    ledger.create_private_connect("ACME", "PC-1", "port:HKG-1", "port:SIN-1", 100, T("2026-01-01T09:00"))
    # Exhausted at 01:00 on the 2nd, suspended at 01:00 on the 4th, recycled at 01:00 on the 6th.
    ledger.advance_to(T("2026-01-06T00:59"))
    assert ledger.resource("PC-1").state == "suspended"
    ledger.advance_to(T("2026-01-06T01:00"))
    for name in ("HKG-1", "SIN-1", "PC-1"):
        assert ledger.resource(name).state == "recycled"
    acct = ledger.account("ACME")
    notices = events_named(ledger, acct.id, "NoticeSent")
    assert notices[-1].notice == "final_notice"
    assert notices[-1].at == T("2026-01-06T01:00")
    assert sorted(u.name for u in notices[-1].recipients) == ["alice", "bob"]
    # A later top-up does not bring them back, and nothing bills again.
    ledger.top_up("ACME", "1000.00", None, T("2026-01-07T09:00"))
    ledger.advance_to(T("2026-01-09T02:00"))
    for name in ("HKG-1", "SIN-1", "PC-1"):
        assert ledger.resource(name).state == "recycled"
        assert max(daily_lines(ledger, "ACME", name)) == D("2026-01-04")
    assert ledger.account("ACME").balance == Decimal("915.00")
    # Commands on recycled resources are refused and write nothing.
    pc_version = ledger.resource("PC-1").version
    with pytest.raises((ResourceGoneError, RecoveryWindowClosedError)):
        ledger.recover_private_connect("PC-1", T("2026-01-09T02:00"))
    assert ledger.resource("PC-1").version == pc_version
    port_version = ledger.resource("HKG-1").version
    with pytest.raises(ResourceGoneError):
        ledger.complete_cross_connect("HKG-1", T("2026-01-09T02:00"))
    assert ledger.resource("HKG-1").version == port_version
