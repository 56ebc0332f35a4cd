from datetime import date
from decimal import Decimal

import pytest
from linkledger.domain.errors import HostedCapacityExceededError, UnknownResourceError
from linkledger.domain.price_book import PriceBook

from tests.builders import D, T, daily_lines, two_active_ports, zenlayer_account

# The example book prices only some tiers; this one prices the others the test orders.
LARGER_TIERS = PriceBook.from_mapping(
    {
        "vendor": "zenlayer",
        "version": "test-larger-aws-tiers",
        "effective_on": date(2026, 1, 1),
        "currencies": ["USD"],
        "entries": [
            *(
                {
                    "item": "aws_hosted_connection",
                    "match": {"site": "AWS-ap-east-1", "capacity": c},
                    "per": "day",
                    "price": {"USD": "9.00"},
                }
                for c in ("300M", "2G", "10G")
            ),
            *(
                {
                    "item": "private_connect",
                    "match": {"sites": "AWS-ap-east-1~HKG"},
                    "up_to_mbps": m,
                    "per": "day",
                    "price": {"USD": "30.00"},
                }
                for m in (2000, 10000)
            ),
        ],
    },
    "test",
)


def test_aws_hosted_connection_rounds_bandwidth_up_to_a_tier(ledger):
    ledger.record_rules([(LARGER_TIERS, "test")], [], T("2026-01-01T00:00"))
    zenlayer_account(ledger)
    two_active_ports(ledger)
    at = T("2026-01-02T00:00")
    ledger.create_private_connect("ACME", "PC-1", "port:HKG-1", "aws:AWS-1@AWS-ap-east-1", 80, at)
    ledger.create_private_connect("ACME", "PC-2", "port:HKG-1", "aws:AWS-2@AWS-ap-east-1", 250, at)
    ledger.create_private_connect("ACME", "PC-3", "port:HKG-1", "aws:AWS-3@AWS-ap-east-1", 1500, at)
    ledger.create_private_connect("ACME", "PC-4", "port:HKG-1", "aws:AWS-4@AWS-ap-east-1", 10000, at)
    # 80M -> 100M, 250M -> 300M, 1500M -> 2G, 10G stays 10G.
    assert ledger.resource("AWS-1").capacity_mbps == 100
    assert ledger.resource("AWS-2").capacity_mbps == 300
    assert ledger.resource("AWS-3").capacity_mbps == 2000
    assert ledger.resource("AWS-4").capacity_mbps == 10000
    assert ledger.resource("PC-1").hosted_capacity_mbps == 100
    # Over 10G is refused, and nothing is written.
    version = ledger.account("ACME").version
    with pytest.raises(HostedCapacityExceededError):
        ledger.create_private_connect("ACME", "PC-5", "port:HKG-1", "aws:AWS-5@AWS-ap-east-1", 10001, at)
    assert ledger.account("ACME").version == version
    with pytest.raises(UnknownResourceError):
        ledger.resource("AWS-5")
    with pytest.raises(UnknownResourceError):
        ledger.resource("PC-5")


def test_aws_hosted_connection_rounds_bandwidth_up_to_a_tier_when_billed(ledger):
    zenlayer_account(ledger)
    two_active_ports(ledger)
    # An 80M connect bills Zenlayer's charge for a 100M hosted connection (1.50).
    ledger.create_private_connect("ACME", "PC-1", "port:HKG-1", "aws:AWS-1@AWS-ap-east-1", 80, T("2026-01-02T00:00"))
    ledger.accept_hosted_connection("AWS-1", T("2026-01-02T00:00"))
    ledger.advance_to(T("2026-01-03T02:00"))
    assert daily_lines(ledger, "ACME", "AWS-1", "aws_hosted_connection") == {D("2026-01-02"): Decimal("1.50")}
