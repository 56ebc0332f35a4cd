"""Helpers for the input tests: a small Zenlayer scenario, run twice into one store (the
second time with one more line), and what the refusal of that line looks like."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from linkledger.infrastructure.bootstrap import open_ledger

from tests.builders import run_cli as run
from tests.conftest import EXAMPLES

ZEN_PRICES = EXAMPLES / "zenlayer" / "prices.toml"

OPENED = """2026-01-01T00:00Z open_account ACME vendor=zenlayer
2026-01-01T00:00Z top_up ACME amount=100.00
"""


def head(store: Path) -> int | None:
    with open_ledger(str(store)) as ledger:
        return ledger.recorder.max_notification_id()


def refusal_of(capsys: Any, tmp_path: Path, line: str, prices: Path = ZEN_PRICES, good: str = OPENED) -> str:
    """Run the good lines, then the same file with `line` added: the line must be refused
    (exit 2, no traceback, one line saying why) and nothing written. Returns the reason."""
    store, scenario = tmp_path / "ledger.db", tmp_path / "scenario.txt"
    scenario.write_text(f"@prices {prices}\n{good}")
    code, _, err = run(capsys, "--store", str(store), "run", str(scenario))
    assert code == 0, err
    before = head(store)
    scenario.write_text(f"@prices {prices}\n{good}{line}\n")
    code, _, err = run(capsys, "--store", str(store), "run", str(scenario))
    assert code == 2, err
    assert "Traceback" not in err and "https://" not in err
    reasons = [r for r in err.splitlines() if r.startswith("  refused: ")]
    assert len(reasons) == 1, err
    assert "nothing was written for this line" in err
    assert head(store) == before
    return reasons[0].removeprefix("  refused: ")


def refused_command(capsys: Any, *argv: str) -> str:
    """`linkledger ARGV...` is refused: exit 2, no traceback, no link; returns stderr."""
    code, _, err = run(capsys, *argv)
    assert code == 2, err
    assert "Traceback" not in err and "https://" not in err and "For further information" not in err
    return err
