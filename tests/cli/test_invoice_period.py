"""`invoice --period` takes a calendar month written YYYY-MM and nothing else; a month
with no lines says why it is empty: nothing was charged in a month that is over, or the
month is not billed yet."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from linkledger.infrastructure.cli import main

from tests.builders import run_cli as run
from tests.conftest import EXAMPLES

PRICES = EXAMPLES / "zenlayer" / "prices.toml"

# An account opened in January whose only resource bills from 2026-03-10: January and
# February have no charges.
SCENARIO = """@prices {prices}
2026-01-01T00:00Z open_account ACME vendor=zenlayer
2026-01-01T00:00Z top_up ACME amount=10000.00
2026-03-10T08:00Z order_port ACME HKG-1 site=HKG speed=10G
2026-03-10T09:00Z complete_cross_connect HKG-1
2026-04-15T00:00Z advance
"""


@pytest.fixture
def store(tmp_path: Path, capsys) -> str:
    """A store settled up to 2026-04-15T00:00Z."""
    scenario = tmp_path / "s.txt"
    scenario.write_text(SCENARIO.format(prices=PRICES))
    path = str(tmp_path / "ledger.db")
    code, _, err = run(capsys, "--store", path, "run", str(scenario))
    assert code == 0, err
    return path


@pytest.mark.parametrize("period", ["2026-1", "2026-13", "26-01", "2026-01-01", "2026-00", "2026/01", "202601", ""])
@pytest.mark.parametrize("source", [[], ["--from-log"]], ids=["views", "log"])
def test_a_period_not_written_yyyy_mm_is_refused_by_the_argument_parser(
    capsys, store: str, period: str, source: list[str]
):
    with pytest.raises(SystemExit) as refused:
        main(["--store", store, "invoice", "ACME", "--period", period, *source])
    assert refused.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "write YYYY-MM" in err and repr(period) in err


@pytest.mark.parametrize("source", [[], ["--from-log"]], ids=["views", "log"])
def test_a_yyyy_mm_period_is_accepted(capsys, store: str, source: list[str]):
    code, out, err = run(capsys, "--store", store, "invoice", "ACME", "--period", "2026-03", *source)
    assert code == 0, err
    assert out.startswith("Invoice ACME 2026-03 (USD)")
    # 2026-03-10..2026-03-31: 22 days x 10.00.
    assert "TOTAL        220.00 USD" in out


@pytest.mark.parametrize("source", [[], ["--from-log"]], ids=["views", "log"])
def test_an_empty_month_that_is_over_says_no_charges_and_totals_zero(capsys, store: str, source: list[str]):
    code, out, err = run(capsys, "--store", store, "invoice", "ACME", "--period", "2026-02", *source)
    assert code == 0, err
    lines = out.splitlines()
    # February closed on 1 March at 01:00: it was issued, with no lines.
    assert lines[0] == "Invoice ACME 2026-02 (USD)  issued INV-ACME-000002 at 2026-03-01T01:00:00Z"
    assert lines[1:3] == ["  no charges in 2026-02", "  TOTAL        0.00 USD"]
    code, out, err = run(capsys, "--store", store, "invoice", "ACME", "--period", "2026-02", "--json", *source)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["total"] == "0.00" and doc["lines"] == [] and doc["period"] == "2026-02"
    assert doc["status"] == "issued"


@pytest.mark.parametrize("source", [[], ["--from-log"]], ids=["views", "log"])
@pytest.mark.parametrize("period", ["2026-05", "2027-01"])
def test_an_empty_month_not_over_yet_says_not_yet_billed_and_totals_zero(
    capsys, store: str, source: list[str], period: str
):
    code, out, err = run(capsys, "--store", store, "invoice", "ACME", "--period", period, *source)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"Invoice ACME {period} (USD)  provisional, as of ")
    assert lines[-1] == "  TOTAL        0.00 USD"
    assert len(lines) == 3 and lines[1].startswith("  not yet billed: ")
    assert "2026-04-15T00:00" in lines[1]  # how far the ledger is settled
    assert "no charges" not in out
    code, out, err = run(capsys, "--store", store, "invoice", "ACME", "--period", period, "--json", *source)
    assert code == 0, err
    assert json.loads(out)["total"] == "0.00"


def test_the_views_and_the_log_explain_an_empty_month_alike(capsys, store: str):
    for period in ("2026-01", "2026-02", "2026-04", "2026-05", "2026-12"):
        from_views = run(capsys, "--store", store, "invoice", "ACME", "--period", period)
        assert from_views == run(capsys, "--store", store, "invoice", "ACME", "--period", period, "--from-log")
        assert from_views[0] == 0


def test_an_empty_month_is_not_called_no_charges_before_its_last_day_is_deducted(capsys, tmp_path: Path):
    scenario = tmp_path / "s.txt"
    scenario.write_text(
        SCENARIO.format(prices=PRICES).replace(
            "2026-03-10T08:00Z order_port ACME HKG-1 site=HKG speed=10G\n"
            "2026-03-10T09:00Z complete_cross_connect HKG-1\n"
            "2026-04-15T00:00Z advance\n",
            "2026-03-31T08:00Z order_port ACME HKG-1 site=HKG speed=10G\n"
            "2026-03-31T09:00Z complete_cross_connect HKG-1\n",
        )
    )
    store = str(tmp_path / "ledger.db")
    assert run(capsys, "--store", store, "run", str(scenario))[0] == 0
    # 00:30 on 1 April: March is over on the clock, but 31 March is deducted at 01:00.
    assert run(capsys, "--store", store, "advance", "--to", "2026-04-01T00:30Z")[0] == 0
    code, early, _ = run(capsys, "--store", store, "invoice", "ACME", "--period", "2026-03")
    assert code == 0
    assert run(capsys, "--store", store, "advance", "--to", "2026-04-01T01:00Z")[0] == 0
    code, later, _ = run(capsys, "--store", store, "invoice", "ACME", "--period", "2026-03")
    assert code == 0 and "TOTAL        10.00 USD" in later  # 31 March was charged after all
    assert "no charges in 2026-03" not in early
