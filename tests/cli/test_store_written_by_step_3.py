"""A store written by step 3 (store format 2: no issued invoices, no drafts in the accounts'
snapshots) is refused by every command, naming that release, and is left exactly as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.builders import run_cli as run
from tests.conftest import EXAMPLES, ROOT

STEP3_FIXTURE = ROOT / "tests" / "fixtures" / "step3_zenlayer.db"
ZEN = EXAMPLES / "zenlayer" / "scenario.txt"
NAMES_THE_RELEASE = "this store was written by linkledger 0.2 (step 3: store format 2, no issued invoices)"

COMMANDS = [
    ["run", str(ZEN)],
    ["advance", "--to", "2026-03-01T00:00Z"],
    ["invoice", "ACME", "--period", "2026-01", "--from-log"],
    ["invoice", "ACME", "--period", "2026-01", "--as-at", "2026-01-05T00:00Z"],
    ["audit", "--all"],
    ["correct-prices", str(EXAMPLES / "zenlayer" / "price_correction.toml"), "--reason", "r", "--dry-run"],
    ["status"],
    ["rules"],
]


@pytest.mark.parametrize("argv", COMMANDS, ids=[" ".join(a[:2]) for a in COMMANDS])
def test_a_step_3_store_is_refused_naming_its_release_and_nothing_is_written(capsys, tmp_path: Path, argv: list[str]):
    store = tmp_path / "step3.db"
    shutil.copy(STEP3_FIXTURE, store)
    before = store.read_bytes()
    code, out, err = run(capsys, "--store", str(store), *argv)
    assert code == 2
    assert NAMES_THE_RELEASE in err
    assert "Replay its scenario into a new store" in err
    assert out == ""
    assert store.read_bytes() == before
