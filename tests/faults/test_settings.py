"""Settings in one place: `LINKLEDGER_*` variables are ours, validated and refused by name;
the event-sourcing library never takes one of them as its own configuration."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from linkledger.infrastructure.errors import SettingsError
from linkledger.infrastructure.settings import Settings

from tests.builders import run_cli
from tests.conftest import EXAMPLES

SCENARIO = str(EXAMPLES / "zenlayer" / "scenario.txt")


def events_in(path: Path) -> int:
    with sqlite3.connect(path) as con:
        return int(con.execute("SELECT count(*) FROM stored_events").fetchone()[0])


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LINKLEDGER_PERSISTENCE_MODULE", "eventsourcing.popo"),
        ("LINKLEDGER_SQLITE_DBNAME", ":memory:"),
        ("PERSISTENCE_MODULE", "eventsourcing.popo"),
    ],
)
def test_the_library_never_takes_the_environment_as_its_configuration(
    variable: str, value: str, tmp_path: Path, capsys, monkeypatch
):
    monkeypatch.setenv(variable, value)
    store = tmp_path / "ledger.db"
    code, out, err = run_cli(capsys, "--store", str(store), "run", SCENARIO, "--no-project")
    assert code == 0, err
    assert events_in(store) > 50  # the events are in the file, not in memory
    code, out, err = run_cli(capsys, "--store", str(store), "run", SCENARIO, "--no-project")
    assert "20 applied before (skipped)" in out  # a second process finds them there


def test_the_store_and_views_come_from_the_environment(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.setenv("LINKLEDGER_STORE", str(tmp_path / "env.db"))
    monkeypatch.setenv("LINKLEDGER_VIEWS", str(tmp_path / "env-views.db"))
    code, _, err = run_cli(capsys, "run", SCENARIO)
    assert code == 0, err
    assert events_in(tmp_path / "env.db") > 50
    assert (tmp_path / "env-views.db").exists()


def test_paths_are_split_on_the_path_separator(monkeypatch):
    monkeypatch.setenv("LINKLEDGER_PRICES", "a.toml:b/")
    assert Settings.from_env().prices == [Path("a.toml"), Path("b/")]


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("LINKLEDGER_VIEWS", "redis://127.0.0.1:70000/0", "the port '70000'"),
        ("LINKLEDGER_VIEWS", "ftp://host/views", "neither a file path"),
        ("LINKLEDGER_STORE", "postgresql://postgres@127.0.0.1/test", "names no schema"),
    ],
)
def test_a_setting_that_is_not_valid_is_refused_by_its_name(variable: str, value: str, words: str, capsys, monkeypatch):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as refused:
        Settings.from_env()
    assert str(refused.value).startswith(f"[settings] {variable}: ")
    code, _, err = run_cli(capsys, "rules")
    assert code == 2
    assert err.count("\n") == 1 and err.startswith(f"linkledger: [settings] {variable}: ")
    assert words in err
    assert "Traceback" not in err and "pydantic" not in err


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--store", "", "an empty path"),
        ("--store", "postgresql://postgres@127.0.0.1:99999/test?schema=x", "the port '99999'"),
        ("--views", "redis://127.0.0.1:70000/0", "the port '70000'"),
    ],
)
def test_a_command_line_store_is_checked_like_the_setting_it_replaces(
    option: str, value: str, words: str, capsys, tmp_path: Path
):
    code, _, err = run_cli(capsys, option, value, "rules")
    assert code == 2
    assert err.count("\n") == 1 and err.startswith(f"linkledger: [settings] {option}: ")
    assert words in err
    assert list(tmp_path.iterdir()) == []


def test_a_wait_that_is_not_a_number_of_seconds_is_refused(capsys):
    for value in ("nan", "inf", "-5", "0", "1e3"):
        with pytest.raises(SystemExit) as refused:
            run_cli(capsys, "balance", "ACME", "--fresh", "--timeout", value)
        assert refused.value.code == 2
        assert f"argument --timeout: '{value}' is not a number of seconds" in capsys.readouterr().err
