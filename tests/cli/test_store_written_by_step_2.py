"""A store written by the previous release (linkledger 0.1, step 2: store format 1, one
store-wide clock) is refused by every command, naming that release, and is left exactly
as it was: nothing is written to it."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from tests.builders import run_cli as run
from tests.conftest import EXAMPLES, POSTGRES_URL, ROOT

STEP2_FIXTURE = ROOT / "tests" / "fixtures" / "step2_zenlayer.db"
ZEN = EXAMPLES / "zenlayer" / "scenario.txt"
NAMES_THE_RELEASE = "linkledger 0.1 (step 2: store format 1"


@pytest.fixture
def step2_store(tmp_path: Path) -> Path:
    copy = tmp_path / "step2.db"
    shutil.copy(STEP2_FIXTURE, copy)
    return copy


COMMANDS = [
    ["run", str(ZEN)],
    ["advance", "--to", "2026-03-01T00:00Z"],
    ["advance", "--to", "2026-03-01T00:00Z", "--prices", str(EXAMPLES / "zenlayer" / "prices.toml")],
    ["invoice", "ACME", "--period", "2026-01", "--from-log"],
    ["status"],
    ["status", "--json"],
    ["rules"],
    ["balance", "ACME", "--from-log"],
    ["timeline", "HKG-1", "--from-log"],
]


@pytest.mark.parametrize("argv", COMMANDS, ids=[" ".join(a[:2]) if a[0] != "run" else "run" for a in COMMANDS])
def test_a_step_2_store_is_refused_naming_its_release_and_nothing_is_written(
    capsys, step2_store: Path, argv: list[str]
):
    before = step2_store.read_bytes()
    assert before == STEP2_FIXTURE.read_bytes()
    code, out, err = run(capsys, "--store", str(step2_store), *argv)
    assert code == 2
    assert NAMES_THE_RELEASE in err
    assert out == ""  # no partial answer, no "applied", no settlement line
    assert step2_store.read_bytes() == before


def test_a_step_2_store_is_refused_again_the_second_time(capsys, step2_store: Path):
    before = step2_store.read_bytes()
    for _ in range(2):
        code, _, err = run(capsys, "--store", str(step2_store), "run", str(ZEN))
        assert code == 2 and NAMES_THE_RELEASE in err
    assert step2_store.read_bytes() == before


def test_the_refusal_says_how_to_go_on_and_that_way_works(capsys, step2_store: Path, tmp_path: Path):
    code, _, err = run(capsys, "--store", str(step2_store), "run", str(ZEN))
    assert code == 2
    assert "Replay its scenario into a new store: linkledger --store NEW.db run SCENARIO" in err
    new = str(tmp_path / "new.db")
    code, out, err = run(capsys, "--store", new, "run", str(ZEN))
    assert code == 0, err
    assert "applied 20 line(s)" in out
    code, out, _ = run(capsys, "--store", new, "invoice", "ACME", "--period", "2026-01", "--from-log")
    assert code == 0 and "TOTAL" in out


def postgres_state(store: str) -> tuple[list[str], int, int]:
    """The tables of the store's schema, how many events it holds and the last id."""
    schema = store.split("schema=")[1]
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s ORDER BY table_name",
                (schema,),
            )
        ]
        count, last = conn.execute(
            f'SELECT count(*), coalesce(max(notification_id), 0) FROM "{schema}".linkledger_events'
        ).fetchone()
    return tables, count, last


@pytest.mark.parametrize(
    "argv",
    [
        ["run", str(ZEN)],
        ["advance", "--to", "2026-03-01T00:00Z"],
        ["invoice", "ACME", "--period", "2026-01", "--from-log"],
        ["status"],
    ],
    ids=["run", "advance", "invoice --from-log", "status"],
)
def test_a_postgres_store_without_a_format_as_step_2_left_it_is_refused_and_nothing_is_written(
    capsys, postgres_store: str, tmp_path: Path, argv: list[str]
):
    views = ["--views", str(tmp_path / "views.db")]
    assert run(capsys, "--store", postgres_store, *views, "run", str(ZEN), "--until", "2026-01-10T00:00Z")[0] == 0
    schema = postgres_store.split("schema=")[1]
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:  # step 2 kept no format
        conn.execute(f'DROP TABLE "{schema}".linkledger_meta')
    before = postgres_state(postgres_store)
    assert before[1] > 0 and "linkledger_meta" not in before[0]

    code, out, err = run(capsys, "--store", postgres_store, *views, *argv)
    assert code == 2
    assert NAMES_THE_RELEASE in err
    assert out == ""
    assert postgres_state(postgres_store) == before
