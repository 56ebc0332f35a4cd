"""A refused scenario line stops the run (exit 2, nothing written for that line), but the
lines applied before it are in the store, so `run` still catches the views up to them:
the views answer what the log answers, and no view lags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from linkledger.infrastructure.bootstrap import open_ledger

from tests.builders import ACME_TWO_ACTIVE_PORTS
from tests.builders import run_cli as run
from tests.conftest import EXAMPLES
from tests.views.conftest import redis_views_url  # noqa: F401  (a fixture)

PRICES = EXAMPLES / "zenlayer" / "prices.toml"

EARLIER = "@prices {prices}\n" + ACME_TWO_ACTIVE_PORTS
# Lines a second run adds after EARLIER, then the refused one (no account named NOBODY).
LATER = """2026-01-02T00:00Z create_private_connect ACME PC-1 a=port:HKG-1 z=port:SIN-1 bandwidth=500M
2026-01-06T00:00Z top_up ACME amount=50.00
2026-01-08T00:00Z cut_bandwidth PC-1 to=200M
"""
REFUSED = "2026-01-10T00:00Z top_up NOBODY amount=10\n"


def head(store: str) -> int | None:
    with open_ledger(store) as ledger:
        return ledger.recorder.max_notification_id()


@pytest.fixture(params=["sqlite views", "redis views"])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> list[str]:
    store = ["--store", str(tmp_path / "ledger.db")]
    if request.param == "redis views":
        return [*store, "--views", request.getfixturevalue("redis_views_url")]
    return store  # the embedded default, next to the event store


def invoice(capsys, where: list[str], *source: str) -> str:
    code, out, err = run(capsys, *where, "invoice", "ACME", "--period", "2026-01", "--json", *source)
    assert code == 0, err
    return out


def assert_views_caught_up(capsys, where: list[str]) -> None:
    views = invoice(capsys, where)
    assert views == invoice(capsys, where, "--from-log")
    code, out, err = run(capsys, *where, "status", "--json")
    assert code == 0, err
    rows = json.loads(out)["views"]
    log_head = head(where[1])
    assert log_head and len(rows) == 4
    for row in rows:
        assert row["build"] is not None, row
        assert row["lag_events"] == 0 and row["checkpoint"] == row["head"] == log_head, row


def test_after_a_refused_line_run_catches_the_views_up_to_every_line_applied_before(
    capsys, tmp_path: Path, where: list[str]
):
    scenario = tmp_path / "s.txt"
    scenario.write_text(EARLIER.format(prices=PRICES) + LATER + REFUSED)
    code, out, err = run(capsys, *where, "run", str(scenario))
    assert code == 2
    assert "nothing was written for this line" in err and "s.txt:11:" in err
    assert "applied" not in out
    assert_views_caught_up(capsys, where)
    # The views hold every line before the refused one, up to the last (the cut on the 8th).
    doc = json.loads(invoice(capsys, where))
    assert {line["resource"] for line in doc["lines"]} == {"HKG-1", "SIN-1", "PC-1"}
    code, out, err = run(capsys, *where, "timeline", "PC-1", "--json")
    assert code == 0, err
    assert out == run(capsys, *where, "timeline", "PC-1", "--json", "--from-log")[1]
    assert [c["event"] for c in json.loads(out)["changes"]] == ["BandwidthCut"]
    code, out, err = run(capsys, *where, "balance", "ACME", "--json")
    assert code == 0, err
    assert out == run(capsys, *where, "balance", "ACME", "--json", "--from-log")[1]
    balance = json.loads(out)
    # 1000.00 + 50.00 topped up on the 6th - 220.00 charged through the 6th (the invoice so far).
    assert doc["total"] == "220.00"
    assert balance["balance"] == "830.00" and balance["clock"].startswith("2026-01-08T00:00")


def test_views_built_by_an_earlier_run_catch_up_with_the_lines_before_a_refused_one(
    capsys, tmp_path: Path, where: list[str]
):
    scenario = tmp_path / "s.txt"
    scenario.write_text(EARLIER.format(prices=PRICES))
    assert run(capsys, *where, "run", str(scenario))[0] == 0
    assert_views_caught_up(capsys, where)
    stale = invoice(capsys, where)

    # The same file, grown: three more lines, then one that is refused.
    scenario.write_text(EARLIER.format(prices=PRICES) + LATER + REFUSED)
    code, _, err = run(capsys, *where, "run", str(scenario))
    assert code == 2 and "nothing was written for this line" in err
    assert_views_caught_up(capsys, where)
    assert invoice(capsys, where) != stale
    assert "PC-1" in {line["resource"] for line in json.loads(invoice(capsys, where))["lines"]}


def test_views_after_a_refused_line_equal_those_of_the_same_run_without_it(capsys, tmp_path: Path):
    refused, twin = tmp_path / "refused", tmp_path / "twin"
    for folder, text, exit_code in ((refused, EARLIER + LATER + REFUSED, 2), (twin, EARLIER + LATER, 0)):
        folder.mkdir()
        (folder / "s.txt").write_text(text.format(prices=PRICES))
        assert run(capsys, "--store", str(folder / "ledger.db"), "run", str(folder / "s.txt"))[0] == exit_code
    for command in (
        ["invoice", "ACME", "--period", "2026-01", "--json"],
        ["balance", "ACME", "--json"],
        ["timeline", "PC-1", "--json"],
    ):
        code, out, err = run(capsys, "--store", str(refused / "ledger.db"), *command)
        assert code == 0, err
        assert out == run(capsys, "--store", str(twin / "ledger.db"), *command)[1]
