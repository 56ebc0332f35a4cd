"""Every scenario line is a command with an id, applied at most once: running a scenario
again writes nothing, and running a grown file applies only the new lines, even those at
the same time as the last line applied before."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from linkledger.infrastructure.bootstrap import open_ledger

from tests.builders import run_cli as run
from tests.conftest import EXAMPLES

ZEN = EXAMPLES / "zenlayer" / "scenario.txt"
TWO_YEARS = EXAMPLES / "zenlayer" / "two_years.txt"


def head(store: str) -> int | None:
    with open_ledger(store) as ledger:
        return ledger.recorder.max_notification_id()


def test_the_same_scenario_run_twice_writes_nothing_the_second_time(capsys, tmp_path: Path, store: str):
    where = ["--store", store, "--views", str(tmp_path / "views.db")]
    code, out, err = run(capsys, *where, "run", str(ZEN))
    assert code == 0, err
    assert f"applied 20 line(s) of {ZEN}; every account settled up to 2026-02-28T00:00:00+00:00" in out
    first = head(store)
    invoices = [
        run(capsys, *where, "invoice", "ACME", "--period", p, "--json", "--from-log")[1] for p in ("2026-01", "2026-02")
    ]

    code, out, err = run(capsys, *where, "run", str(ZEN))
    assert code == 0, err
    assert f"applied 0 line(s) of {ZEN}, 20 applied before (skipped)" in out
    assert head(store) == first
    assert [
        run(capsys, *where, "invoice", "ACME", "--period", p, "--json", "--from-log")[1] for p in ("2026-01", "2026-02")
    ] == invoices


def test_a_copy_of_the_scenario_under_the_same_name_is_the_same_commands(capsys, tmp_path: Path):
    store = str(tmp_path / "ledger.db")
    assert run(capsys, "--store", store, "run", str(ZEN))[0] == 0
    first = head(store)
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(ZEN, copy / "scenario.txt")
    shutil.copy(EXAMPLES / "zenlayer" / "prices.toml", copy / "prices.toml")
    code, out, err = run(capsys, "--store", store, "run", str(copy / "scenario.txt"))
    assert code == 0, err
    assert "applied 0 line(s)" in out and "20 applied before (skipped)" in out
    assert head(store) == first


def invoice_json(capsys, store: str, period: str) -> str:
    code, out, err = run(capsys, "--store", store, "invoice", "ACME", "--period", period, "--json")
    assert code == 0, err
    return out


@pytest.fixture
def two_years(tmp_path: Path) -> Path:
    """examples/zenlayer/two_years.txt and its prices, copied where the test may rewrite them."""
    shutil.copy(EXAMPLES / "zenlayer" / "prices.toml", tmp_path / "prices.toml")
    shutil.copy(TWO_YEARS, tmp_path / "two_years.txt")
    return tmp_path / "two_years.txt"


def test_the_two_year_example_bills_1200_for_june_2027(capsys, tmp_path: Path, two_years: Path):
    store = str(tmp_path / "straight.db")
    assert run(capsys, "--store", store, "run", str(two_years))[0] == 0
    june = json.loads(invoice_json(capsys, store, "2027-06"))
    # 30 days x (10.00 + 10.00 for the two ports + 20.00 for the 500M connect).
    assert june["total"] == "1200.00"
    assert {(line["resource"], line["amount"]) for line in june["lines"]} == {
        ("HKG-1", "300.00"),
        ("SIN-1", "300.00"),
        ("PC-1", "600.00"),
    }


# Lines 5-8 of two_years.txt (counting from 1) share the time 2026-01-01T09:00Z: cut the
# file inside that group, so the lines the second run adds are at the time the first run
# settled to. "after 7" keeps HKG-1's cross connect and drops SIN-1's: a lost line bills
# only HKG-1 (300.00) instead of 1,200.00.
@pytest.mark.parametrize("kept", [5, 6, 7], ids=lambda n: f"cut after line {n}")
def test_a_grown_scenario_file_resumed_equals_one_run_of_the_whole_file(
    capsys, tmp_path: Path, two_years: Path, kept: int
):
    full = two_years.read_text()
    lines = full.splitlines(keepends=True)
    assert len(lines) == 10  # a comment, @prices, then 8 commands
    assert {lines[i].split()[0] for i in range(4, 8)} == {"2026-01-01T09:00Z"}
    assert lines[kept].split()[0] == "2026-01-01T09:00Z"  # the first line left out shares that time

    straight = str(tmp_path / "straight.db")
    assert run(capsys, "--store", straight, "run", str(two_years))[0] == 0
    expected = invoice_json(capsys, straight, "2027-06")
    assert json.loads(expected)["total"] == "1200.00"

    resumed = str(tmp_path / "resumed.db")
    two_years.write_text("".join(lines[:kept]))  # the same path, truncated
    code, out, err = run(capsys, "--store", resumed, "run", str(two_years))
    assert code == 0, err
    assert f"applied {kept - 2} line(s)" in out  # a comment and @prices are not commands
    assert "settled up to 2026-01-01T09:00:00+00:00" in out

    two_years.write_text(full)  # the same path, whole again
    code, out, err = run(capsys, "--store", resumed, "run", str(two_years))
    assert code == 0, err
    assert f"applied {10 - kept} line(s)" in out and f"{kept - 2} applied before (skipped)" in out
    assert "settled up to 2028-01-01T00:00:00+00:00" in out

    assert invoice_json(capsys, resumed, "2027-06") == expected
    for period in ("2026-01", "2027-12"):
        assert invoice_json(capsys, resumed, period) == invoice_json(capsys, straight, period)
    assert head(resumed) == head(straight)


def test_a_line_with_an_id_already_applied_is_skipped_whatever_its_text(capsys, tmp_path: Path):
    prices = EXAMPLES / "zenlayer" / "prices.toml"
    scenario = tmp_path / "pay.txt"
    scenario.write_text(
        f"@prices {prices}\n"
        "2026-01-01T00:00Z open_account ACME vendor=zenlayer\n"
        "2026-01-01T00:00Z top_up ACME amount=10.00 id=invoice-4711\n"
        "2026-01-02T00:00Z top_up ACME amount=10.00 id=invoice-4711\n"
        "2026-01-03T00:00Z top_up ACME amount=99.00 id=invoice-4711\n"
        "2026-01-03T00:00Z top_up ACME amount=1.00 id=invoice-4712\n"
    )
    store = str(tmp_path / "s.db")
    code, out, err = run(capsys, "--store", store, "run", str(scenario))
    assert code == 0, err
    assert "applied 3 line(s)" in out and "2 applied before (skipped)" in out
    with open_ledger(store) as ledger:
        assert str(ledger.account("ACME").balance) == "11.00"
