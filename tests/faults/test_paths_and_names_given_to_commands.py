"""A path that cannot name a file, and a view that does not exist, are refusals (exit 2) that
name what was given, not internal errors (both found by the fuzz test)."""

from __future__ import annotations

from pathlib import Path

from tests.builders import run_cli as run
from tests.conftest import EXAMPLES

ZEN = EXAMPLES / "zenlayer" / "scenario.txt"


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


def test_a_feed_consumers_state_is_a_file_of_its_own(capsys, tmp_path: Path):
    store = tmp_path / "s.db"
    assert run(capsys, "--store", str(store), "run", str(ZEN))[0] == 0
    before = store.read_bytes()
    code, _, err = run(capsys, "--store", str(store), "feed", "tail", "invoices", "--state", str(store))
    assert code == 2 and "is the ledger's own store" in err
    assert store.read_bytes() == before  # no `handled` table added to the event store


def test_a_feed_state_path_that_cannot_be_a_file_is_named(capsys, tmp_path: Path):
    store = tmp_path / "s.db"
    assert run(capsys, "--store", str(store), "run", str(ZEN))[0] == 0
    code, _, err = run(capsys, "--store", str(store), "feed", "tail", "invoices", "--state", str(tmp_path))
    assert code == 4
    assert err.startswith(f"linkledger: [feed state] cannot use the consumer's state file {tmp_path}: ")


def test_a_read_of_an_empty_postgresql_schema_creates_no_table(capsys, postgres_store: str):
    import psycopg

    code, _, err = run(capsys, "--store", postgres_store, "rules")
    assert code == 2 and "no event store" in err
    schema = postgres_store.rsplit("schema=", 1)[1]
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test") as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchone()
    assert tables == (0,)
