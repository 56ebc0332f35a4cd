from decimal import Decimal

import pytest
from linkledger.domain.errors import PortInUseError

from tests.builders import D, T, daily_lines, two_active_ports, zenlayer_account


def test_ports_bill_until_deleted(ledger):
    zenlayer_account(ledger)
    two_active_ports(ledger)
    ledger.create_private_connect("ACME", "PC-1", "port:HKG-1", "port:SIN-1", 100, T("2026-01-02T00:00"))
    # HKG-1 is an end of the live PC-1: deleting it is refused and writes nothing.
    ledger.advance_to(T("2026-01-05T09:00"))
    version = ledger.resource("HKG-1").version
    with pytest.raises(PortInUseError):
        ledger.delete_port("HKG-1", T("2026-01-05T09:00"))
    assert ledger.resource("HKG-1").version == version
    assert ledger.resource("HKG-1").state == "active"
    # Deleting PC-1 on the 10th does not stop the ports.
    ledger.delete_private_connect("PC-1", T("2026-01-10T09:00"))
    ledger.advance_to(T("2026-01-14T02:00"))
    assert ledger.resource("PC-1").state == "purged"
    for port in ("HKG-1", "SIN-1"):
        days = daily_lines(ledger, "ACME", port, "port")
        for d in range(1, 14):
            assert days[D(f"2026-01-{d:02d}")] == Decimal("10.00")
    # HKG-1 is deleted at 09:00 on the 14th: it bills the 14th, not the 15th.
    ledger.delete_port("HKG-1", T("2026-01-14T09:00"))
    assert ledger.resource("HKG-1").state == "deleted"
    ledger.advance_to(T("2026-01-17T02:00"))
    hkg = daily_lines(ledger, "ACME", "HKG-1", "port")
    assert hkg[D("2026-01-14")] == Decimal("10.00")
    assert max(hkg) == D("2026-01-14")
    # SIN-1 was not deleted and bills on.
    assert daily_lines(ledger, "ACME", "SIN-1", "port")[D("2026-01-16")] == Decimal("10.00")
