"""Rule files: every shipped file validates; a broken file is refused with every problem listed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from linkledger.domain.errors import PolicyNotFoundError, PriceNotFoundError, RuleFileError
from linkledger.infrastructure.rule_files import load_policies, load_price_books, load_rule_book

BROKEN_PRICE_BOOK = """
vendor = "zenlayer"
version = "broken"
effective_on = 2026-01-01
currencies = ["USD", "XXX"]
entries = [
  { item = "port", match = { site = "HKG", speed = "10G" }, per = "day", price = { USD = 10.0 } },
  { item = "port", match = { site = "SIN", speed = "10G" }, per = "week", price = { USD = "1" } },
]
"""

BROKEN_PRICES_AFTER_FLOATS = """
vendor = "zenlayer"
version = "broken-2"
effective_on = 2026-01-01
currencies = ["USD", "XXX"]
entries = [
  { item = "port", match = { site = "HKG", speed = "10G" }, per = "day", price = { USD = "-1", EUR = "2" } },
  { item = "port", match = { site = "HKG", speed = "10G" }, per = "day", price = { USD = "3" } },
]
"""

BROKEN_POLICY = """
vendor = "zenlayer"
version = "broken-policy"
effective_on = 2026-01-01
[billing]
deduct_at_hour = 25
bill_suspended_days = false
[bandwidth]
max_cuts_per_month = -1
cut_takes_effect_after_days = 1
[deletion]
retention_hours = 48
[negative_balance]
protection_hours = 24
suspension_hours = 48
notify_roles = []
[aws_hosted_connection]
capacities_mbps = [100, 50]
"""


def test_every_shipped_rule_file_validates():
    books = load_price_books()
    assert {b.version for b in books} == {
        "alibaba-port-reservation-promo-2017-01-01",
        "alibaba-port-reservation-2017-12-01",
    }
    assert {p.version for p in load_policies()} == {"alibaba-lifecycle-2017-01-01", "zenlayer-lifecycle-2020-01-01"}


def test_float_money_in_a_price_book_is_refused(tmp_path: Path):
    f = tmp_path / "broken.toml"
    f.write_text(BROKEN_PRICE_BOOK)
    with pytest.raises(RuleFileError) as refused:
        load_price_books([f])
    assert any("entries[0].price.USD: 10.0 is a float" in p for p in refused.value.problems)


def test_broken_price_book_lists_every_problem(tmp_path: Path):
    f = tmp_path / "broken.toml"
    f.write_text(BROKEN_PRICES_AFTER_FLOATS)
    with pytest.raises(RuleFileError) as refused:
        load_price_books([f])
    text = "\n".join(refused.value.problems)
    assert "XXX is not a supported currency" in text
    assert "currency EUR is not in this book's currencies" in text
    assert "has no XXX price" in text
    assert "entries[0].price.USD: '-1' is negative" in text
    assert "priced 2 times" in text


def test_broken_policy_lists_every_problem(tmp_path: Path):
    f = tmp_path / "policy.toml"
    f.write_text(BROKEN_POLICY)
    with pytest.raises(RuleFileError) as refused:
        load_policies([f])
    problems = refused.value.problems
    assert len(problems) == 4
    text = "\n".join(problems)
    for where in (
        "billing.deduct_at_hour",
        "bandwidth.max_cuts_per_month",
        "negative_balance.notify_roles",
        "aws_hosted_connection",
    ):
        assert where in text


def test_later_policy_file_changes_the_ladder_from_its_effective_date(tmp_path: Path):
    # Some Zenlayer products give 24 hours of protection: a new file, not an edit.
    f = tmp_path / "zenlayer-2026.toml"
    f.write_text(
        BROKEN_POLICY.replace("broken-policy", "zenlayer-24h")
        .replace("25", "1")
        .replace("-1", "3")
        .replace("notify_roles = []", 'notify_roles = ["Finance"]')
        .replace("[100, 50]", "[50, 100]")
    )
    rules = load_rule_book(policies=[f])
    assert rules.policies.zenlayer_on(date(2025, 12, 31)).negative_balance.protection_hours == 48
    assert rules.policies.zenlayer_on(date(2026, 1, 1)).negative_balance.protection_hours == 24
    with pytest.raises(PolicyNotFoundError):
        rules.policies.zenlayer_on(date(2019, 12, 31))


def test_price_lookup_uses_the_book_in_force_on_the_service_day():
    rules = load_rule_book()
    promo = rules.prices.quote("alibaba", "port_reservation", {"spec": "10G"}, date(2017, 11, 30), "USD")
    listed = rules.prices.quote("alibaba", "port_reservation", {"spec": "10G"}, date(2017, 12, 1), "USD")
    assert (promo.unit_price, listed.unit_price) == (Decimal(0), Decimal(170))
    with pytest.raises(PriceNotFoundError, match="--prices"):
        rules.prices.quote("alibaba", "setup_fee", {"spec": "1G"}, date(2018, 1, 1), "USD")
