import pytest
from linkledger.domain.errors import BandwidthCutLimitError

from tests.builders import T, event_names, two_active_ports, zenlayer_account


def test_at_most_3_bandwidth_cuts_per_calendar_month(ledger):
    zenlayer_account(ledger)
    two_active_ports(ledger)
    ledger.create_private_connect("ACME", "PC-1", "port:HKG-1", "port:SIN-1", 1000, T("2026-01-02T00:00"))
    # Three cuts in January are allowed.
    ledger.cut_bandwidth("PC-1", 500, T("2026-01-05T09:00"))
    ledger.cut_bandwidth("PC-1", 200, T("2026-01-10T09:00"))
    ledger.cut_bandwidth("PC-1", 100, T("2026-01-31T23:59"))
    # The fourth in January is refused and writes nothing.
    ledger.advance_to(T("2026-01-31T23:59"))
    version = ledger.resource("PC-1").version
    with pytest.raises(BandwidthCutLimitError):
        ledger.cut_bandwidth("PC-1", 50, T("2026-01-31T23:59"))
    assert ledger.resource("PC-1").version == version
    assert ledger.resource("PC-1").bandwidth_mbps == 100
    assert event_names(ledger, ledger.resource("PC-1").id).count("BandwidthCut") == 3
    # A cut on 1 February is allowed again.
    ledger.cut_bandwidth("PC-1", 50, T("2026-02-01T00:00"))
    assert ledger.resource("PC-1").bandwidth_mbps == 50
    assert event_names(ledger, ledger.resource("PC-1").id).count("BandwidthCut") == 4
