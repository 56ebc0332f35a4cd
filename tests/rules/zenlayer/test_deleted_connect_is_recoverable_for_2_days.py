from decimal import Decimal

import pytest
from linkledger.domain.errors import RecoveryWindowClosedError

from tests.builders import D, T, daily_lines, event_names, two_active_ports, zenlayer_account


def test_deleted_connect_is_recoverable_for_2_days(ledger):
    zenlayer_account(ledger)
    two_active_ports(ledger)
    ledger.create_private_connect("ACME", "PC-1", "port:HKG-1", "port:SIN-1", 100, T("2026-01-02T00:00"))
    # Deleted at 12:00 on the 10th, recovered at 11:59 on the 12th (within 48h).
    ledger.delete_private_connect("PC-1", T("2026-01-10T12:00"))
    ledger.recover_private_connect("PC-1", T("2026-01-12T11:59"))
    assert ledger.resource("PC-1").state == "active"
    assert "Recovered" in event_names(ledger, ledger.resource("PC-1").id)
    ledger.advance_to(T("2026-01-14T02:00"))
    days = daily_lines(ledger, "ACME", "PC-1")
    # The deletion day bills, the whole deleted 11th does not, billing resumes from the 12th.
    assert days[D("2026-01-10")] == Decimal("5.00")
    assert D("2026-01-11") not in days
    assert days[D("2026-01-12")] == Decimal("5.00")
    assert days[D("2026-01-13")] == Decimal("5.00")


def test_deleted_connect_is_recoverable_for_2_days_then_purged(ledger):
    zenlayer_account(ledger)
    two_active_ports(ledger)
    ledger.create_private_connect("ACME", "PC-1", "port:HKG-1", "port:SIN-1", 100, T("2026-01-02T00:00"))
    ledger.delete_private_connect("PC-1", T("2026-01-10T12:00"))
    # Just before 48h it is still deleted, at 48h it is purged.
    ledger.advance_to(T("2026-01-12T11:59"))
    assert ledger.resource("PC-1").state == "deleted"
    ledger.advance_to(T("2026-01-12T12:00"))
    assert ledger.resource("PC-1").state == "purged"
    # Recovery after the window is refused and writes nothing.
    version = ledger.resource("PC-1").version
    with pytest.raises(RecoveryWindowClosedError):
        ledger.recover_private_connect("PC-1", T("2026-01-12T12:00"))
    assert ledger.resource("PC-1").version == version
    assert ledger.resource("PC-1").state == "purged"
    ledger.advance_to(T("2026-01-14T02:00"))
    assert max(daily_lines(ledger, "ACME", "PC-1")) == D("2026-01-10")
