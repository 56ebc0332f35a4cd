"""Rule files (price books, policies, price corrections) are refused at load with every
problem listed in one pass, in plain words: unknown keys, items and match keys, prices that
cannot be held exactly, files that are not UTF-8. Nothing is recorded."""

from __future__ import annotations

from pathlib import Path

import pytest
from linkledger.domain.errors import RuleFileError
from linkledger.infrastructure.rule_files import load_correction, load_policies, load_price_books

from tests.input.scenarios import OPENED, refused_command

BROKEN_BOOK = """
vendor = "zenlayer"
version = "broken-2026-01-01"
effective_on = 2026-01-01
currencies = ["USD"]
colour = "blue"
entries = [
  { item = "port", match = { site = "HKG", speed = "10G" }, per = "day", price = { USD = "1e400" } },
  { item = "prot", match = { site = "SIN", speed = "10G" }, per = "day", price = { USD = "10.00" } },
  { item = "port", match = { site = "SIN", sped = "10G" }, per = "day", price = { USD = "10.00" } },
  { item = "port", match = { site = "TYO", speed = "10G" }, per = "week", price = { USD = "1_000" } },
  { item = "port", match = { site = "LAX", speed = "10G" }, per = "day", price = { USD = 10.5 }, colour = "red" },
  { item = "private_connect", match = { sites = "A~B" }, up_to_mbps = 200000, per = "day", price = {USD="0.0000001"} },
]
"""

EXPECTED_BOOK_PROBLEMS = [
    "entries[0].price.USD: '1e400' is not a number written in plain decimal digits",
    "entries[1] (prot/site=SIN/speed=10G): item 'prot' is not one the ledger prices; "
    "known: aws_hosted_connection, port, private_connect",
    "entries[2] (port/site=SIN/sped=10G): match keys {site, sped} are not those of port: {site, speed}",
    "entries[3].price.USD: '1_000' is not a number written in plain decimal digits",
    "entries[3].per: must be one of 'day', 'month' or 'once', got 'week'",
    'entries[4].price.USD: 10.5 is a float; write money as a string such as "20.00"',
    "entries[4].colour: is not a known key; check its spelling",
    "entries[5].price.USD: '0.0000001' has 7 decimal places; at most 6",
    "entries[5] (private_connect/sites=A~B/up_to_mbps=200000): up_to_mbps 200000 is above the fastest "
    "bandwidth, 100000",
    "colour: is not a known key; check its spelling",
]


def test_a_price_book_with_several_problems_lists_every_one_in_one_pass(tmp_path: Path):
    f = tmp_path / "broken.toml"
    f.write_text(BROKEN_BOOK)
    with pytest.raises(RuleFileError) as refused:
        load_price_books([f])
    problems = refused.value.problems
    for expected in EXPECTED_BOOK_PROBLEMS:
        assert any(p.startswith(f"{f}: {expected}") for p in problems), (expected, problems)
    assert len(problems) == len(EXPECTED_BOOK_PROBLEMS), problems
    assert not any("https://" in p or "Input should" in p or "Value error" in p for p in problems)


def test_a_1e400_price_is_refused_when_the_scenario_loads_it_not_at_the_first_deduction(capsys, tmp_path: Path):
    prices, scenario, store = tmp_path / "prices.toml", tmp_path / "s.txt", tmp_path / "s.db"
    prices.write_text(BROKEN_BOOK)
    scenario.write_text(f"@prices {prices}\n{OPENED}")
    err = refused_command(capsys, "--store", str(store), "run", str(scenario))
    assert err.startswith("linkledger: [rule files] price books is refused, 10 problem(s):\n")
    assert f"  - {prices}: entries[0].price.USD: '1e400' is not a number written in plain decimal digits" in err


def test_a_price_book_that_is_not_utf8_or_missing_is_listed_with_the_others(tmp_path: Path):
    binary, missing, broken = tmp_path / "binary.toml", tmp_path / "missing.toml", tmp_path / "broken.toml"
    binary.write_bytes(b'vendor = "zenlayer"\nnote = "\xff"\n')
    broken.write_text(BROKEN_BOOK)
    with pytest.raises(RuleFileError) as refused:
        load_price_books([binary, missing, broken])
    problems = refused.value.problems
    assert problems[:2] == [
        f"{binary}: not UTF-8 text (byte 0xff at offset 28); save the file as UTF-8",
        f"{missing}: no such file",
    ]
    assert len(problems) == 2 + len(EXPECTED_BOOK_PROBLEMS)


def test_a_price_book_with_a_byte_order_mark_is_read(tmp_path: Path):
    f = tmp_path / "bom.toml"
    f.write_bytes(b"\xef\xbb\xbf" + BROKEN_BOOK.split("colour")[0].encode() + b"entries = []\n")
    assert [b.version for b in load_price_books([f]) if b.vendor == "zenlayer"] == ["broken-2026-01-01"]


BROKEN_POLICY = """
vendor = "zenlayer"
version = "broken-policy"
effective_on = 2026-01-01
[billing]
deduct_at_hour = 1
bill_suspended_days = "perhaps"
[bandwidth]
max_cuts_per_month = 3
cut_takes_effect_after_days = 1
cut_takes_efect_after_days = 2
[deletion]
retention_hours = 9999999999
[negative_balance]
protection_hours = 48
suspension_hours = 48
notify_roles = ["Finance"]
[aws_hosted_connection]
capacities_mbps = [100, 200, 1000000]
"""


def test_a_policy_lists_unknown_keys_and_unbounded_durations_in_plain_words(tmp_path: Path):
    f = tmp_path / "policy.toml"
    f.write_text(BROKEN_POLICY)
    with pytest.raises(RuleFileError) as refused:
        load_policies([f])
    assert refused.value.problems == [
        f"{f}: billing.bill_suspended_days: must be true or false, got 'perhaps'",
        f"{f}: bandwidth.cut_takes_efect_after_days: is not a known key; check its spelling "
        "(docs/rules.md lists the keys)",
        f"{f}: deletion.retention_hours: must be 8784 or less, got 9999999999",
        f"{f}: aws_hosted_connection: capacities_mbps must be strictly increasing, from 1 to 100000",
    ]


BROKEN_CORRECTION = """
id = "fix-it"
vendor = "zenlayer"
valid_from = "not a date"
entries = [
  { item = "private_connect", match = { sites = "HKG~SIN" }, up_to_mbps = 200, per = "day", price = { USD = "7.5E0" } },
  { item = "private_connect", match = { site = "HKG~SIN" }, up_to_mbps = 200, per = "day", price = { USD = "7.50" } },
]
"""


def test_a_price_correction_lists_every_problem_in_one_pass(tmp_path: Path):
    f = tmp_path / "fix.toml"
    f.write_text(BROKEN_CORRECTION)
    with pytest.raises(RuleFileError) as refused:
        load_correction(f, "the tier was wrong")
    assert refused.value.problems == [
        "entries[0].price.USD: '7.5E0' is not a number written in plain decimal digits; write ASCII digits with "
        "at most one decimal point, such as 1000.00 (no exponent, sign, separator or space)",
        "entries[1] (private_connect/site=HKG~SIN/up_to_mbps=200): match keys {site} are not those of "
        "private_connect: {sites}",
        "valid_from: must be a date such as 2026-01-01, got 'not a date'",
    ]
