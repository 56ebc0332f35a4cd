"""A read command never makes a store, a views file or a folder: a missing event store, or
views in a folder that is not there, is refused (exit 2) naming the path, and nothing is made."""

from __future__ import annotations

from pathlib import Path

import pytest
from linkledger.infrastructure.cli import EXIT_REFUSED

from tests.builders import run_cli as run
from tests.conftest import EXAMPLES

ZEN = EXAMPLES / "zenlayer" / "scenario.txt"

READS = {
    "invoice": ["invoice", "ACME", "--period", "2026-01"],
    "invoice --from-log": ["invoice", "ACME", "--period", "2026-01", "--from-log"],
    "invoice --as-at": ["invoice", "ACME", "--period", "2026-01", "--as-at", "2026-01-15"],
    "invoice --explain": ["invoice", "ACME", "--period", "2026-01", "--explain"],
    "balance": ["balance", "ACME", "--days"],
    "balance --fresh": ["balance", "ACME", "--fresh"],
    "balance --as-at": ["balance", "ACME", "--as-at", "2026-01-15"],
    "timeline": ["timeline", "PC-HKG-SIN"],
    "timeline --as-at": ["timeline", "PC-HKG-SIN", "--as-at", "2026-01-15"],
    "notices": ["notices", "ACME"],
    "status": ["status"],
    "rules": ["rules"],
    "audit": ["audit", "INV-ACME-000001"],
    "audit --all": ["audit", "--all"],
    "feed tail": ["feed", "tail", "invoices"],
    "correct-prices --dry-run": [
        "correct-prices",
        str(EXAMPLES / "zenlayer" / "price_correction.toml"),
        "--reason",
        "r",
        "--dry-run",
    ],
}
VIEW_READS = ["invoice", "balance", "balance --fresh", "timeline", "notices", "status", "feed tail"]


@pytest.mark.parametrize("read", list(READS))
def test_a_read_of_a_missing_store_is_refused_and_makes_nothing(capsys, tmp_path: Path, monkeypatch, read: str):
    monkeypatch.chdir(tmp_path)  # the consumer's state file of `feed tail` would land here
    missing = tmp_path / "no" / "such" / "folder"
    store = missing / "ledger.db"
    code, out, err = run(capsys, "--store", str(store), *READS[read])
    assert code == EXIT_REFUSED and out == ""
    assert f"there is no event store at {store}" in err and "linkledger run" in err
    assert not (tmp_path / "no").exists() and list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    from linkledger.infrastructure.cli import main

    path = str(tmp_path_factory.mktemp("store") / "zen.db")
    assert main(["--store", path, "run", str(ZEN), "--no-project"]) == 0
    return path


@pytest.mark.parametrize("read", VIEW_READS)
def test_a_read_of_views_in_a_missing_folder_is_refused_and_makes_nothing(
    capsys, tmp_path: Path, monkeypatch, store: str, read: str
):
    monkeypatch.chdir(tmp_path)
    views = tmp_path / "no" / "such" / "views.db"
    code, out, err = run(capsys, "--store", store, "--views", str(views), *READS[read])
    assert code == EXIT_REFUSED and out == ""
    assert f"there are no views at {views}" in err and "linkledger project" in err
    assert not (tmp_path / "no").exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("read", [r for r in VIEW_READS if r != "status"])
def test_a_read_before_the_views_are_built_makes_no_views_file(capsys, store: str, read: str, tmp_path: Path):
    views = Path(store).with_name("zen.views.db")
    code, _, err = run(
        capsys, "--store", store, *READS[read], *(["--state", str(tmp_path / "s")] if "feed" in read else [])
    )
    assert code == EXIT_REFUSED and "linkledger project" in err
    assert not views.exists()


def test_status_before_the_views_are_built_shows_them_not_built_and_makes_nothing(capsys, store: str):
    code, out, _ = run(capsys, "--store", store, "status")
    assert code == 0 and out.count("not built") == 4
    assert not Path(store).with_name("zen.views.db").exists()
