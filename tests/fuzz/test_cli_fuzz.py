"""Every `linkledger` command, and the scenario reader, under hostile input: random option
values, scenario lines and file contents (not UTF-8, directories, missing files).

Whatever the input:
- no traceback: main() returns an exit code (argparse's own usage errors exit 2 by
  SystemExit, naming the argument), and "Traceback" is never printed;
- the exit code is one of the documented ones (0, 1 stopped/differs, 2 refused, 3 undone,
  4 store unusable; never 70, an internal error);
- a refusal says what went wrong in the documented shape: stderr starts with
  `linkledger: ` and carries a `[rule]` tag (or is argparse's `error: argument ...`);
- a refusal (exit 2) or an unusable store (exit 4) writes nothing: the event store's rows are as they were, and a store
  that did not exist still does not.

Budget and reproducibility: docs/testing.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from linkledger.infrastructure.cli import main
from linkledger.infrastructure.cli.parser import build_parser

from tests.conftest import EXAMPLES
from tests.fuzz.hostile import FILE_BYTES, NUMBER, SCENARIO_TEXT, TIME, VALUE

EXIT_CODES = {0, 1, 2, 3, 4}
RULE_TAG = re.compile(r"\[[^\]\n]+\]")
SCALE = int(os.environ.get("LINKLEDGER_PROPERTY_SCALE", "1"))
FUZZ = settings(
    max_examples=15 * SCALE,
    deadline=None,
    # In CI one failure per test is shrunk and reported (shrinking is what costs time); a
    # local search (SCALE > 1) reports every distinct one.
    report_multiple_bugs=SCALE > 1,
    database=None,
    derandomize=SCALE == 1,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Placeholders an argv may hold, filled in per example: the seeded store, a store that does
# not exist, a file with drawn bytes, a directory, a missing file, the example correction.
SEEDED, ABSENT, FILE, DIR, MISSING, CORRECTION = "@SEEDED", "@ABSENT", "@FILE", "@DIR", "@MISSING", "@CORRECTION"
PATH = st.one_of(st.sampled_from([FILE, FILE, DIR, MISSING]), VALUE)


def opt(flag: str, value: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    """Sometimes the flag with a value, sometimes the flag alone (a missing value), else nothing."""
    return st.one_of(st.just([]), value.map(lambda v: [flag, v]), st.just([flag]))


def flag(name: str) -> st.SearchStrategy[list[str]]:
    return st.sampled_from([[], [name]])


def argv(*parts: st.SearchStrategy[list[str]]) -> st.SearchStrategy[list[str]]:
    """The parts in order, shuffled a little (options may come anywhere), plus maybe a stray word."""
    return st.tuples(*parts, st.one_of(st.just([]), VALUE.map(lambda v: [v]))).map(
        lambda ps: list(itertools.chain.from_iterable(ps))
    )


def word(*choices: str) -> st.SearchStrategy[list[str]]:
    return st.one_of(st.sampled_from(choices), VALUE).map(lambda v: [v])


def read_options(from_log: bool = True) -> list[st.SearchStrategy[list[str]]]:
    out = [flag("--json"), flag("--fresh"), opt("--timeout", st.sampled_from(["0", "0.01", "-1", "1e400", "nan"]))]
    return [*out, flag("--from-log")] if from_log else out


ACCOUNT = word("ACME", "NOBODY")
PROJECTION = word("invoices", "balances", "timelines", "notices")

COMMANDS: dict[str, st.SearchStrategy[list[str]]] = {
    "run": argv(
        st.just(["run"]),
        PATH.map(lambda p: [p]),
        opt("--until", TIME),
        opt("--prices", PATH),
        opt("--policies", PATH),
        flag("-v"),
        flag("--resume"),
        flag("--no-project"),
    ),
    "advance": argv(
        st.just(["advance"]), opt("--to", TIME), opt("--prices", PATH), opt("--policies", PATH), flag("--no-project")
    ),
    "rules": argv(st.just(["rules"]), flag("--json")),
    "invoice": argv(
        st.just(["invoice"]),
        ACCOUNT,
        opt(
            "--period",
            st.one_of(
                st.sampled_from(["2026-01", "2026-00", "2026-1", "\u0662\u0660\u0662\u0666-\u0660\u0661"]), VALUE
            ),
        ),
        *read_options(),
        opt("--as-at", TIME),
        flag("--explain"),
    ),
    "audit": argv(st.just(["audit"]), st.one_of(st.just([]), word("INV-ACME-000001")), flag("--all"), flag("--json")),
    "correct-prices": argv(
        st.just(["correct-prices"]),
        st.one_of(st.just(CORRECTION), PATH).map(lambda p: [p]),
        opt("--reason", VALUE),
        opt("--at", TIME),
        flag("--dry-run"),
        flag("--json"),
        flag("--no-project"),
    ),
    "timeline": argv(st.just(["timeline"]), word("HKG-1", "PC-HKG-SIN"), *read_options(), opt("--as-at", TIME)),
    "balance": argv(st.just(["balance"]), ACCOUNT, flag("--days"), *read_options(), opt("--as-at", TIME)),
    "notices": argv(st.just(["notices"]), ACCOUNT, *read_options(from_log=False)),
    "project": argv(st.just(["project"]), opt("--only", PROJECTION.map(lambda w: w[0])), opt("--page-size", NUMBER)),
    "rebuild": argv(st.just(["rebuild"]), PROJECTION, opt("--page-size", NUMBER)),
    "status": argv(st.just(["status"]), flag("--json")),
    "feed tail": argv(
        st.just(["feed", "tail"]),
        PROJECTION,
        opt("--group", VALUE),
        opt("--consumer", VALUE),
        opt("--state", PATH),
        opt("--count", NUMBER),
        opt("--claim-idle-ms", NUMBER),
    ),
    # Only with an --examples folder that is not one: the real demo takes seconds.
    "demo": argv(st.just(["demo"]), PATH.map(lambda p: ["--examples", p]), opt("--workdir", PATH)),
}
GLOBAL = st.tuples(
    st.one_of(st.sampled_from([SEEDED, SEEDED, SEEDED, ABSENT, FILE, DIR]), VALUE),
    st.one_of(st.just(None), VALUE),
)


# ----------------------------------------------------------------- the store
@pytest.fixture(scope="module")
def pristine() -> Iterator[Path]:
    """A store (and its views) holding the Zenlayer example, issued invoices and all."""
    folder = Path(tempfile.mkdtemp(prefix="ll-fuzz-"))
    store = folder / "ledger.db"
    code = main(["--store", str(store), "run", str(EXAMPLES / "zenlayer" / "scenario.txt")])
    assert code == 0
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def store_rows(path: Path) -> str | None:
    """A digest of every row of every table of an SQLite store (None: no such file)."""
    if not path.exists():
        return None
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return hashlib.sha256("\n".join(db.iterdump()).encode()).hexdigest()
    finally:
        db.close()


@dataclass
class Outcome:
    code: int
    out: str
    err: str
    rows_before: str | None
    rows_after: str | None


@dataclass
class Workspace:
    folder: Path
    store: Path
    absent: Path

    def fill(self, words: list[str], content: bytes) -> list[str]:
        (self.folder / "input.txt").write_bytes(content)
        (self.folder / "a-dir").mkdir(exist_ok=True)
        places = {
            SEEDED: str(self.store),
            ABSENT: str(self.absent),
            FILE: str(self.folder / "input.txt"),
            DIR: str(self.folder / "a-dir"),
            MISSING: str(self.folder / "missing.txt"),
            CORRECTION: str(EXAMPLES / "zenlayer" / "price_correction.toml"),
        }
        return [places.get(w, w) for w in words]

    def target(self, store_word: str) -> Path | None:
        return {SEEDED: self.store, ABSENT: self.absent}.get(store_word)


@contextlib.contextmanager
def workspace(pristine: Path) -> Iterator[Workspace]:
    folder = Path(tempfile.mkdtemp(prefix="ll-fuzz-ex-"))
    for f in pristine.iterdir():
        shutil.copy(f, folder / f.name)
    try:
        with contextlib.chdir(folder):
            yield Workspace(folder, folder / "ledger.db", folder / "absent.db")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(pristine: Path, words: list[str], store: str, views: str | None, content: bytes) -> Outcome:
    with workspace(pristine) as ws:
        argv = ["--store", *ws.fill([store], b"")]
        argv += ["--views", views] if views is not None else []
        argv += ws.fill(words, content)
        target = ws.target(store)
        before = store_rows(target) if target else None
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code: Any = main(argv)
            except SystemExit as e:  # argparse's usage errors, and --help
                code = ("SystemExit", e.code)
        after = store_rows(target) if target else None
    return Outcome(code, out.getvalue(), err.getvalue(), before, after)


# ------------------------------------------------------------------ the rules
def first_command_line(content: bytes) -> int:
    """The number of the scenario's first command line (0: none, or not readable)."""
    try:
        lines = content.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return 0
    for number, text in enumerate(lines, start=1):
        if text.strip() and not text.strip().startswith(("#", "@")):
            return number
    return 0


def lines_applied_before(outcome: Outcome, argv: list[str], content: bytes) -> bool:
    """A refused `run` keeps the lines before the refused one (each line is atomic): whether
    the refusal names a line after the file's first command line."""
    if "run" not in argv:
        return False
    refused = re.search(r"input\.txt:(\d+):", outcome.err)
    return refused is not None and int(refused.group(1)) > first_command_line(content)


def check(outcome: Outcome, argv: list[str], content: bytes = b"") -> None:
    err = outcome.err
    assert "Traceback" not in err, f"{argv!r} printed a traceback:\n{err}"
    if isinstance(outcome.code, tuple):  # SystemExit out of main()
        assert outcome.code[1] in (0, 2) and "usage:" in err, f"{argv!r}: main() raised {outcome.code}:\n{err}"
        assert outcome.code[1] == 0 or "error: " in err, f"{argv!r}: usage error without a message:\n{err}"
        return
    assert outcome.code in EXIT_CODES, f"{argv!r} exited {outcome.code}:\n{err}"
    if outcome.code in (1, 2, 4):
        first = err.lstrip("\n")
        assert first.startswith("linkledger: "), (
            f"{argv!r} exited {outcome.code}; stderr is not `linkledger: ...`:\n{err}"
        )
        assert RULE_TAG.search(err), f"{argv!r} exited {outcome.code}; the message names no [rule]:\n{err}"
    if outcome.code in (2, 4) and not lines_applied_before(outcome, argv, content):
        assert outcome.rows_after == outcome.rows_before, f"{argv!r} was refused but changed the event store:\n{err}"


def test_the_fuzz_covers_every_command_of_the_parser():
    """A command added to the parser without a fuzz strategy here fails this test."""
    parser = build_parser()
    found = set()
    for action in parser._subparsers._group_actions:  # type: ignore[union-attr]
        for name, sub in action.choices.items():
            nested = [a for a in sub._actions if a.__class__.__name__ == "_SubParsersAction"]
            found |= {f"{name} {n}" for a in nested for n in a.choices} if nested else {name}
    assert found == set(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
@settings(FUZZ)
@given(data=st.data(), content=FILE_BYTES, where=GLOBAL)
def test_a_hostile_command_line_is_refused_cleanly_and_writes_nothing(pristine, command, data, content, where):
    words = data.draw(COMMANDS[command], label="argv")
    store, views = where
    outcome = run(pristine, words, store, views, content)
    check(outcome, [store, views, *words], content)


@settings(FUZZ)
@given(text=SCENARIO_TEXT, raw=st.binary(max_size=64), as_bytes=st.booleans())
def test_a_hostile_scenario_is_refused_cleanly_and_writes_nothing(pristine, text, raw, as_bytes):
    """One line (or a few) of hostile text, or bytes, after the seeded store's clock: applied,
    or refused naming the line and the rule with the store as it was."""
    content = raw if as_bytes else text.encode("utf-8", "surrogatepass")
    outcome = run(pristine, ["run", FILE, "--no-project"], SEEDED, None, content)
    check(outcome, ["run", content], content)
