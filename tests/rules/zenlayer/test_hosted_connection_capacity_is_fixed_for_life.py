import pytest
from linkledger.domain.errors import HostedCapacityExceededError

from tests.builders import T, two_active_ports, zenlayer_account


def test_hosted_connection_capacity_is_fixed_for_life(ledger):
    zenlayer_account(ledger)
    two_active_ports(ledger)
    # 80M -> a 100M hosted connection.
    ledger.create_private_connect("ACME", "PC-1", "port:HKG-1", "aws:AWS-1@AWS-ap-east-1", 80, T("2026-01-02T00:00"))
    ledger.accept_hosted_connection("AWS-1", T("2026-01-02T00:00"))
    # Raising up to the capacity is fine.
    ledger.raise_bandwidth("PC-1", 100, T("2026-01-03T09:00"))
    assert ledger.resource("PC-1").bandwidth_mbps == 100
    # Raising past it is refused and writes nothing.
    ledger.advance_to(T("2026-01-04T09:00"))
    pc_version = ledger.resource("PC-1").version
    aws_version = ledger.resource("AWS-1").version
    with pytest.raises(HostedCapacityExceededError):
        ledger.raise_bandwidth("PC-1", 150, T("2026-01-04T09:00"))
    assert ledger.resource("PC-1").version == pc_version
    assert ledger.resource("AWS-1").version == aws_version
    assert ledger.resource("PC-1").bandwidth_mbps == 100
    assert ledger.resource("AWS-1").capacity_mbps == 100
    # A cut leaves the capacity at 100M; raising back to it is allowed, past it still not.
    ledger.cut_bandwidth("PC-1", 50, T("2026-01-05T09:00"))
    assert ledger.resource("AWS-1").capacity_mbps == 100
    assert ledger.resource("PC-1").hosted_capacity_mbps == 100
    ledger.raise_bandwidth("PC-1", 100, T("2026-01-06T09:00"))
    assert ledger.resource("PC-1").bandwidth_mbps == 100
    with pytest.raises(HostedCapacityExceededError):
        ledger.raise_bandwidth("PC-1", 200, T("2026-01-07T09:00"))
    assert ledger.resource("AWS-1").capacity_mbps == 100
