"""Scenario files through the `linkledger` command: determinism and refusals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from linkledger.infrastructure.bootstrap import open_ledger

from tests.builders import ACME_TWO_ACTIVE_PORTS
from tests.builders import run_cli as run
from tests.conftest import EXAMPLES

ZEN = EXAMPLES / "zenlayer" / "scenario.txt"
ALI = EXAMPLES / "alibaba" / "scenario.txt"


def head(store: str) -> int | None:
    with open_ledger(store) as ledger:
        return ledger.recorder.max_notification_id()


def invoices_json(capsys, store: str, account: str, periods: list[str], views: str | None = None) -> str:
    where = ["--views", views] if views else []
    return "".join(
        run(capsys, "--store", store, *where, "invoice", account, "--period", p, "--json")[1] for p in periods
    )


@pytest.mark.parametrize(
    ("scenario", "account", "periods"),
    [
        (ZEN, "ACME", ["2026-01", "2026-02"]),
        (ALI, "GLOBEX", ["2017-11", "2017-12", "2018-01", "2018-02"]),
    ],
)
def test_same_scenario_into_two_fresh_stores_gives_byte_identical_invoices(
    capsys, tmp_path: Path, postgres_store: str, scenario: Path, account: str, periods: list[str]
):
    # Two fresh SQLite files and one PostgreSQL schema, the same scenario into each.
    stores = [str(tmp_path / "one.db"), str(tmp_path / "two.db"), postgres_store]
    outputs = []
    for i, store in enumerate(stores):
        views = str(tmp_path / f"views-{i}.db")
        code, _, err = run(capsys, "--store", store, "--views", views, "run", str(scenario))
        assert code == 0, err
        outputs.append(invoices_json(capsys, store, account, periods, views))
    assert outputs[0] == outputs[1] == outputs[2]
    assert '"lines": [' in outputs[0] and '"total"' in outputs[0]


def test_run_until_then_resume_equals_one_full_run(capsys, tmp_path: Path):
    whole, parts = str(tmp_path / "whole.db"), str(tmp_path / "parts.db")
    assert run(capsys, "--store", whole, "run", str(ZEN))[0] == 0
    assert run(capsys, "--store", parts, "run", str(ZEN), "--until", "2026-01-12T00:00Z")[0] == 0
    # Advancing again to the same time writes nothing.
    before = head(parts)
    assert run(capsys, "--store", parts, "run", str(ZEN), "--until", "2026-01-12T00:00Z", "--resume")[0] == 0
    assert head(parts) == before
    assert run(capsys, "--store", parts, "run", str(ZEN), "--resume")[0] == 0
    assert invoices_json(capsys, whole, "ACME", ["2026-01", "2026-02"]) == invoices_json(
        capsys, parts, "ACME", ["2026-01", "2026-02"]
    )


GOOD = (
    "@prices {prices}\n"
    + ACME_TWO_ACTIVE_PORTS
    + """2026-01-02T00:00Z create_private_connect ACME PC-1 a=port:HKG-1 z=port:SIN-1 bandwidth=500M
2026-01-03T00:00Z create_private_connect ACME PC-AWS a=port:HKG-1 z=aws:HC-1@AWS-ap-east-1 bandwidth=80M
2026-01-04T00:00Z cut_bandwidth PC-1 to=400M
2026-01-04T01:00Z cut_bandwidth PC-1 to=300M
2026-01-04T02:00Z cut_bandwidth PC-1 to=200M
2026-01-05T00:00Z delete_private_connect PC-AWS
"""
)

# (bad line, expected words, what a refusal leaves behind):
#   "checked"  - the line is refused and writes nothing at all (no due rule, no clock move):
#                the store equals the twin without the line;
#   "file"     - the scenario file is refused before any line runs: nothing at all is written.
BAD_LINES = [
    ("2026-01-10T00:00Z open_account", "malformed line", "checked"),
    ("2026-01-10T00:00Z fly_to_the_moon ACME", "unknown command", "checked"),
    ("2026-01-10T00:00Z top_up ACME amount=ten", "is not a number", "checked"),
    ("2026-01-10T00:00Z top_up NOBODY amount=10", "[accounts] there is no account named NOBODY", "checked"),
    ("2026-01-10T00:00Z raise_bandwidth NOTHING to=1G", "[resources] there is no port, connect", "checked"),
    ("2026-01-10T00:00Z top_up ACME amount=-5", "must be a positive amount", "checked"),
    ("2026-01-10T00:00Z cut_bandwidth PC-1 to=100M", "[at most 3 bandwidth cuts per calendar month]", "checked"),
    ("2026-01-10T00:00Z recover_private_connect PC-AWS", "[deleted private connect is retained for 2 days]", "checked"),
    ("2026-01-10T00:00Z raise_bandwidth PC-AWS to=200M", "[released is final]", "checked"),
    ("2026-01-10T00:00Z top_up ACME amount=1.001", "more decimals than USD allows", "checked"),
    ("2025-12-31T00:00Z top_up ACME amount=1", "[time is data]", "file"),
]


@pytest.mark.parametrize(("bad", "expected", "leaves"), BAD_LINES)
def test_bad_scenario_line_is_refused_naming_rule_and_line_and_writes_nothing(
    capsys, tmp_path: Path, bad, expected, leaves
):
    prices = EXAMPLES / "zenlayer" / "prices.toml"
    good, bad_file = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_text(GOOD.format(prices=prices))
    bad_file.write_text(GOOD.format(prices=prices) + bad + "\n")
    assert run(capsys, "--store", str(tmp_path / "good.db"), "run", str(good))[0] == 0
    code, _, err = run(capsys, "--store", str(tmp_path / "bad.db"), "run", str(bad_file))
    assert code == 2
    assert f"bad.txt:{len(GOOD.splitlines()) + 1}:" in err
    assert expected in err
    assert "nothing was written for this line" in err
    expected_head = None if leaves == "file" else head(str(tmp_path / "good.db"))
    assert head(str(tmp_path / "bad.db")) == expected_head


def test_raise_past_hosted_tier_is_refused_in_a_scenario(capsys, tmp_path: Path):
    prices = EXAMPLES / "zenlayer" / "prices.toml"
    f = tmp_path / "s.txt"
    f.write_text(
        GOOD.format(prices=prices).replace("2026-01-05T00:00Z delete_private_connect PC-AWS\n", "")
        + "2026-01-06T00:00Z raise_bandwidth PC-AWS to=200M\n"
    )
    code, _, err = run(capsys, "--store", str(tmp_path / "s.db"), "run", str(f))
    assert code == 2
    assert "[AWS hosted connection capacity is fixed]" in err and "100M" in err


def test_unknown_queries_fail_with_a_clear_message(capsys, tmp_path: Path):
    store = str(tmp_path / "x.db")
    # Before there is a store, the query says how to write one, and makes nothing.
    code, _, err = run(capsys, "--store", store, "invoice", "ACME", "--period", "2026-01")
    assert code == 2 and "there is no event store" in err and "linkledger run" in err
    assert list(tmp_path.iterdir()) == []
    # Before any view is built, the query says how to build it.
    assert run(capsys, "--store", store, "run", str(ZEN), "--no-project")[0] == 0
    code, _, err = run(capsys, "--store", store, "invoice", "ACME", "--period", "2026-01")
    assert code == 2 and "run `linkledger project`" in err
    assert run(capsys, "--store", store, "project")[0] == 0
    for source in ([], ["--from-log"]):
        code, _, err = run(capsys, "--store", store, "invoice", "NOBODY", "--period", "2026-01", *source)
        assert code == 2 and "no account named NOBODY" in err
        code, _, err = run(capsys, "--store", store, "timeline", "NOTHING", *source)
        assert code == 2 and "NOTHING" in err


def test_demo_runs_both_examples_from_the_console_command(tmp_path: Path):
    exe = Path(sys.executable).with_name("linkledger")
    done = subprocess.run(
        [str(exe), "demo", "--workdir", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=EXAMPLES.parent,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Invoice ACME 2026-01" in done.stdout and "Invoice GLOBEX 2017-12" in done.stdout
    assert "recycled" in done.stdout and "financial_locked" in done.stdout


def test_a_time_without_a_zone_is_refused_with_a_message(capsys, tmp_path: Path):
    with pytest.raises(SystemExit) as exit_:
        run(capsys, "--store", str(tmp_path / "x.db"), "advance", "--to", "2026-01-01T00:00")
    assert exit_.value.code == 2
    assert "has no time zone" in capsys.readouterr().err
