"""What operators expect of the command line: help on every argument (and the format of
every time), --version, a fast --help, `python -m`, one-line internal errors, quiet Ctrl-C."""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest
from linkledger.infrastructure.cli import EXIT_INTERNAL, EXIT_INTERRUPTED
from linkledger.infrastructure.cli import main as cli_main
from linkledger.infrastructure.cli.parser import TIME_FORMAT, build_parser, time_arg

from tests.builders import run_cli as run
from tests.conftest import EXAMPLES

ZEN = EXAMPLES / "zenlayer" / "scenario.txt"
CLI = [sys.executable, "-m", "linkledger.infrastructure.cli"]


def arguments(parser: argparse.ArgumentParser, path: str = "linkledger") -> Iterator[tuple[str, argparse.Action]]:
    """Every argument of every command and subcommand, with the command it belongs to."""
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        yield path, action
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from arguments(sub, f"{path} {name}")


def name_of(action: argparse.Action) -> str:
    return "/".join(action.option_strings) or action.dest


def test_every_argument_has_help():
    missing = [f"{cmd}: {name_of(a)}" for cmd, a in arguments(build_parser()) if not a.help]
    assert missing == []


def test_every_time_argument_states_its_format():
    times = [(cmd, a) for cmd, a in arguments(build_parser()) if a.type is time_arg]
    assert len(times) >= 6  # run --until, advance --to, correct-prices --at, three --as-at
    vague = [f"{cmd}: {name_of(a)}" for cmd, a in times if "2026-01-01T09:00Z" not in a.help]
    assert vague == []
    assert "2026-01-01T09:00Z" in TIME_FORMAT and "00:00 UTC" in TIME_FORMAT


def test_version_prints_the_installed_version():
    done = subprocess.run([*CLI, "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stdout.strip() == f"linkledger {version('linkledger')}"


def test_help_imports_neither_the_models_nor_the_event_store():
    probe = (
        "import sys\n"
        "from linkledger.infrastructure.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = ('pydantic', 'eventsourcing', 'redis', 'psycopg', 'tqdm', 'orjson')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "usage: linkledger" in done.stdout
    assert done.stderr.strip() == "[]"


def test_an_unexpected_error_is_one_line_with_exit_70(capsys, tmp_path: Path, monkeypatch):
    store = str(tmp_path / "x.db")
    assert run(capsys, "--store", store, "run", str(ZEN), "--no-project")[0] == 0
    # A bug stands in for any exception that is not a refusal: `rules` meets a broken library.
    import linkledger.infrastructure.ledger as ledger_module

    def broken(self):
        raise ZeroDivisionError("division by zero\nsecond line")

    monkeypatch.setattr(ledger_module.LinkLedger, "rule_library", broken)
    code, out, err = run(capsys, "--store", store, "rules")
    assert code == EXIT_INTERNAL == 70 and out == ""
    assert err == (
        "linkledger: internal error: ZeroDivisionError: division by zero second line "
        "(rerun with LINKLEDGER_DEBUG=1 for the traceback)\n"
    )
    monkeypatch.setenv("LINKLEDGER_DEBUG", "1")
    code, _, err = run(capsys, "--store", store, "rules")
    assert code == 70 and "Traceback" in err and "in broken" in err


def test_ctrl_c_exits_130_without_a_traceback(tmp_path: Path):
    store = str(tmp_path / "x.db")
    subprocess.run([*CLI, "--store", store, "run", str(ZEN)], capture_output=True, check=True)
    advance = [*CLI, "--store", store, "advance", "--to", "2026-03-31T00:00Z", "--no-project"]
    subprocess.run(advance, capture_output=True, check=True)  # the views are now behind the log
    waiting = subprocess.Popen(
        [*CLI, "--store", store, "balance", "ACME", "--fresh", "--timeout", "120"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(3)  # started, and waiting for views that nothing is catching up
        assert waiting.poll() is None
        waiting.send_signal(signal.SIGINT)
        out, err = waiting.communicate(timeout=30)
    finally:
        waiting.kill()
    assert waiting.returncode == EXIT_INTERRUPTED == 130
    assert (out, err) == ("", "")


def test_run_shows_progress_on_stderr_when_asked(tmp_path: Path):
    store = str(tmp_path / "x.db")
    env = {**os.environ, "COLUMNS": "100"}
    plain = subprocess.run([*CLI, "--store", store, "run", str(ZEN)], capture_output=True, text=True, env=env)
    assert plain.returncode == 0 and "lines" not in plain.stderr  # stderr is not a terminal: no bar
    again = [*CLI, "--store", str(tmp_path / "y.db"), "run", str(ZEN), "--progress"]
    shown = subprocess.run(again, capture_output=True, text=True, env=env)
    assert shown.returncode == 0 and "20/20" in shown.stderr and " lines" in shown.stderr
    assert shown.stdout == plain.stdout.replace(store, str(tmp_path / "y.db"))
    advance = [*CLI, "--store", store, "advance", "--to", "2026-03-31T00:00Z", "--progress"]
    done = subprocess.run(advance, capture_output=True, text=True, env=env)
    assert done.returncode == 0 and "accounts settled" in done.stderr


def test_feed_tail_json_is_one_object_a_line(capsys, tmp_path: Path):
    store = str(tmp_path / "x.db")
    assert run(capsys, "--store", store, "run", str(ZEN))[0] == 0
    code, out, _ = run(capsys, "--store", store, "feed", "tail", "invoices", "--state", str(tmp_path / "s"), "--json")
    assert code == 0
    messages = [json.loads(line) for line in out.splitlines()]
    assert messages and all({"nid", "event", "keys", "changes"} <= set(m) for m in messages)


@pytest.mark.parametrize("projection", ["invoices", "balances", "timelines", "notices"])
def test_feed_tail_names_the_account_or_resource_that_changed(capsys, tmp_path: Path, projection: str):
    store = str(tmp_path / "x.db")
    assert run(capsys, "--store", store, "run", str(ZEN))[0] == 0
    code, out, _ = run(capsys, "--store", store, "feed", "tail", projection, "--state", str(tmp_path / "s"))
    assert code == 0
    lines = out.splitlines()
    assert lines and not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", out)  # names, not ids
    expected = {
        "invoices": "ACME 2026-01: issued INV-ACME-000001, total 792.50 USD",
        "balances": "ACME: balance",
        "timelines": "PC-HKG-SIN (PrivateConnect):",
        "notices": "ACME: protection_reminder at 2026-01-13T01:00:00Z",
    }[projection]
    assert any(expected in line for line in lines), out


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["correct-prices", "c.toml", "--reason", "r", "--dry-run", "--at", "2026-01-01"], "--at"),
        (["invoice", "ACME", "--period", "2026-01", "--fresh", "--from-log"], "--fresh"),
        (["invoice", "ACME", "--period", "2026-01", "--fresh", "--as-at", "2026-01-05"], "--fresh"),
        (["balance", "ACME", "--fresh", "--from-log"], "--fresh"),
    ],
)
def test_an_option_that_would_be_ignored_is_refused_by_name(capsys, argv: list[str], named: str):
    with pytest.raises(SystemExit) as refused:
        cli_main(argv)
    assert refused.value.code == 2
    assert f"error: argument {named}: not allowed with" in capsys.readouterr().err
