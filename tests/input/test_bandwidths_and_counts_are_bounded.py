"""Bandwidths (1M to 100G) and subscription months (1 to 120) are bounded and written in
ASCII digits; anything else is refused before it reaches the store."""

from __future__ import annotations

from pathlib import Path

import pytest
from linkledger.domain.bandwidth import MAX_MBPS, parse_mbps
from linkledger.domain.counts import to_months
from linkledger.domain.errors import BandwidthError, InvalidInputError

from tests.conftest import EXAMPLES
from tests.input.scenarios import refusal_of

# A flat (untiered) private connect price: any bandwidth is priced, so a huge one used to
# reach the store, where orjson could not write it (64-bit integer overflow): a traceback.
FLAT_PRICES = """
vendor = "zenlayer"
version = "input-tests-flat-2026-01-01"
effective_on = 2026-01-01
currencies = ["USD"]
entries = [
  { item = "port", match = { site = "HKG", speed = "10G" }, per = "day", price = { USD = "10.00" } },
  { item = "port", match = { site = "SIN", speed = "10G" }, per = "day", price = { USD = "10.00" } },
  { item = "private_connect", match = { sites = "HKG~SIN" }, per = "day", price = { USD = "1.00" } },
]
"""

TWO_PORTS = """2026-01-01T00:00Z open_account ACME vendor=zenlayer
2026-01-01T00:00Z top_up ACME amount=1000.00
2026-01-01T09:00Z order_port ACME HKG-1 site=HKG speed=10G
2026-01-01T09:00Z order_port ACME SIN-1 site=SIN speed=10G
2026-01-01T09:00Z complete_cross_connect HKG-1
2026-01-01T09:00Z complete_cross_connect SIN-1
"""


@pytest.mark.parametrize(
    ("bandwidth", "rule"),
    [
        ("99999999999999999999999G", "is out of range; from 1M to 100G"),
        ("100001M", "is out of range; from 1M to 100G"),
        ("0M", "is out of range; from 1M to 100G"),
        ("\u0668\u0660M", "is not a cap such as 80M, 1G or 500 (Mbps)"),  # Arabic-Indic 80
        ("1.5G", "is not a cap such as 80M, 1G or 500 (Mbps)"),
    ],
)
def test_a_bandwidth_out_of_range_or_not_ascii_is_refused_before_the_store(
    capsys, tmp_path: Path, bandwidth: str, rule: str
):
    prices = tmp_path / "flat.toml"
    prices.write_text(FLAT_PRICES)
    line = f"2026-01-02T00:00Z create_private_connect ACME PC-1 a=port:HKG-1 z=port:SIN-1 bandwidth={bandwidth}"
    reason = refusal_of(capsys, tmp_path, line, prices=prices, good=TWO_PORTS)
    assert reason == f"[bandwidth cap] bandwidth {bandwidth!r} {rule}"


def test_the_largest_bandwidth_is_100g():
    assert parse_mbps("100G") == parse_mbps("100000") == parse_mbps(MAX_MBPS) == 100_000
    assert parse_mbps("80Mbps") == 80
    with pytest.raises(BandwidthError, match="out of range"):
        parse_mbps(10**30)
    with pytest.raises(BandwidthError, match="not a whole number"):
        parse_mbps(True)


@pytest.mark.parametrize(
    ("months", "rule"), [("\u0661\u0662", "is not a whole number"), ("121", "is out of range; from 1 to 120")]
)
def test_subscription_months_are_bounded_ascii_digits(capsys, tmp_path: Path, months: str, rule: str):
    prices = EXAMPLES / "alibaba" / "prices.toml"
    opened = "2017-11-21T00:00Z open_account GLOBEX vendor=alibaba\n2017-11-21T00:00Z pay GLOBEX amount=5000\n"
    line = (
        "2017-11-21T00:00Z create_router_interface GLOBEX RI-1 role=initiator connection_type=vpc "
        f"initiator_region=cn-hangzhou receiver_region=cn-shanghai spec=Small.1 months={months}"
    )
    reason = refusal_of(capsys, tmp_path, line, prices=prices, good=opened)
    assert reason.startswith(f"[input] months {months!r} {rule}")


def test_months_given_to_the_python_api_are_checked_the_same_way():
    assert to_months(12) == to_months("12") == 12
    for bad in (0, 121, "1_2", " 12", 12.0, True):
        with pytest.raises(InvalidInputError, match="months"):
            to_months(bad)
