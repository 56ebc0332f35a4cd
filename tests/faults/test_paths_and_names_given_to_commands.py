"""A path that cannot name a file, and a view that does not exist, are refusals (exit 2) that
name what was given, not internal errors (both found by the fuzz test)."""

from __future__ import annotations

from pathlib import Path

from tests.builders import run_cli as run


def test_a_store_path_too_long_for_the_file_system_is_refused_naming_it(capsys, tmp_path: Path):
    long = str(tmp_path / ("x" * 300))
    code, _, err = run(capsys, "--store", long, "status")
    assert code == 2
    assert err.startswith("linkledger: [files] ") and "file name too long" in err
    assert "Traceback" not in err and "internal error" not in err
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_projection_is_refused_naming_the_known_ones(capsys, tmp_path: Path):
    store = tmp_path / "s.db"
    store.touch()
    code, _, err = run(capsys, "--store", str(store), "project", "--only", "")
    assert code == 2
    assert "[views] no projection named ''; name one of: invoices, balances, timelines, notices" in err
    assert store.read_bytes() == b""
