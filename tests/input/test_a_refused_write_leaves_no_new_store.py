"""A write command refused before it applies anything leaves no store behind: a bad rule file
is refused before the store is made, and a run refused at its first line removes the store it
had just made (a refusal writes nothing)."""

from __future__ import annotations

from pathlib import Path

from tests.builders import run_cli as run


def test_a_run_refused_at_its_first_line_leaves_no_store(capsys, tmp_path: Path):
    scenario = tmp_path / "s.txt"
    scenario.write_text("2026-01-01T00:00Z open_account ACME vendor=zenlayer currency=USD email=not-an-email\n")
    store = tmp_path / "new" / "ledger.db"
    code, _, err = run(capsys, "--store", str(store), "run", str(scenario))
    assert code == 2 and "nothing was written for this line" in err
    assert not store.exists()
    assert not store.parent.exists() or list(store.parent.iterdir()) == []  # no side file either


def test_a_bad_rule_file_is_refused_before_the_store_is_made(capsys, tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text('vendor = "zenlayer"\nversion = "x"\nvalid_from = 2026-01-01\nentries = [ { item = "nope" } ]\n')
    store = tmp_path / "ledger.db"
    code, _, err = run(capsys, "--store", str(store), "advance", "--to", "2026-02-01", "--prices", str(bad))
    assert code == 2 and "[rule files]" in err
    assert not store.exists()


def test_a_run_refused_later_keeps_what_it_applied(capsys, tmp_path: Path):
    scenario = tmp_path / "s.txt"
    scenario.write_text(
        "2026-01-01T00:00Z open_account ACME vendor=zenlayer currency=USD\n2026-01-02T00:00Z top_up ACME amount=1e3\n"
    )
    store = tmp_path / "ledger.db"
    code, _, err = run(capsys, "--store", str(store), "run", str(scenario))
    assert code == 2 and "s.txt:2:" in err
    assert store.exists()
    assert run(capsys, "--store", str(store), "balance", "ACME")[0] == 0
