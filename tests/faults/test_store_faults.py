"""A store that cannot be used ends the command with one line naming the cause and what to
do, and a documented exit code: 2 for a store named wrongly (nothing tried), 4 for a store or
server that is there but unusable or unreachable. Never a traceback, never a long hang."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.builders import run_cli
from tests.conftest import EXAMPLES
from tests.faults.servers import LINKLEDGER, free_port, silent_server

SCENARIO = str(EXAMPLES / "zenlayer" / "scenario.txt")
REFUSED, UNAVAILABLE = 2, 4


def assert_one_line(code: int, err: str, expected: int, *words: str) -> None:
    assert code == expected, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("linkledger: ["), err
    for word in words:
        assert word in lines[0], err


@pytest.fixture
def written(tmp_path: Path, capsys) -> Path:
    store = tmp_path / "ledger.db"
    code, _, err = run_cli(capsys, "--store", str(store), "run", SCENARIO)
    assert code == 0, err
    return store


# ------------------------------------------------------------------ SQLite
def test_a_folder_given_as_the_store_is_refused(tmp_path: Path, capsys):
    code, _, err = run_cli(capsys, "--store", str(tmp_path), "rules")
    assert_one_line(code, err, UNAVAILABLE, str(tmp_path), "is a folder")


def test_a_file_that_is_not_sqlite_is_refused_and_left_as_it_was(tmp_path: Path, capsys):
    junk = tmp_path / "notes.db"
    junk.write_bytes(b"these are my notes, not a database\n" * 10)
    for argv in (["rules"], ["run", SCENARIO]):
        code, _, err = run_cli(capsys, "--store", str(junk), *argv)
        assert_one_line(code, err, UNAVAILABLE, str(junk), "not an SQLite database")
    assert junk.read_bytes() == b"these are my notes, not a database\n" * 10


def test_a_damaged_store_is_refused_with_what_to_do(written: Path, capsys):
    with written.open("r+b") as f:  # the page after the header, with the schema's tables, overwritten
        f.seek(4096)
        f.write(b"\xff" * 8192)
    code, _, err = run_cli(capsys, "--store", str(written), "rules")
    assert_one_line(code, err, UNAVAILABLE, str(written), "damaged", "backup")


def test_a_damaged_view_file_is_refused(written: Path, capsys):
    views = written.with_name("ledger.views.db")
    views.write_bytes(b"\x00garbage" * 1000)
    code, _, err = run_cli(capsys, "--store", str(written), "balance", "ACME")
    assert_one_line(code, err, UNAVAILABLE, "[view store]", "not an SQLite database")


@pytest.fixture
def read_only_store(capsys) -> Iterator[Path]:
    """A written store in a folder that neither it nor its files can be written to."""
    folder = Path(tempfile.mkdtemp(prefix="linkledger-ro-"))
    folder.chmod(0o755)  # others may look in (the commands run as nobody when the tests run as root)
    store = folder / "ledger.db"
    code, _, err = run_cli(capsys, "--store", str(store), "run", SCENARIO)
    assert code == 0, err
    for f in folder.iterdir():
        f.chmod(0o444)
    folder.chmod(0o555)
    yield store
    folder.chmod(0o755)
    shutil.rmtree(folder)


def as_a_user_who_cannot_write(*argv: str) -> subprocess.CompletedProcess[str]:
    """root writes anything: as root, the command runs as nobody (read-only means read-only)."""
    prefix = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] if os.geteuid() == 0 else []
    done = subprocess.run([*prefix, LINKLEDGER, *argv], capture_output=True, text=True, timeout=60)
    assert "can't open file" not in done.stderr, (
        f"the user nobody cannot run {LINKLEDGER}: install the test environment in a folder others can read"
    )
    return done


def test_a_read_only_store_can_be_read_but_a_write_says_it_cannot_write(read_only_store: Path):
    store = str(read_only_store)
    read = as_a_user_who_cannot_write("--store", store, "invoice", "ACME", "--period", "2026-01", "--from-log")
    assert read.returncode == 0, read.stderr
    assert "TOTAL" in read.stdout
    rules = as_a_user_who_cannot_write("--store", store, "rules")
    assert rules.returncode == 0, rules.stderr
    write = as_a_user_who_cannot_write("--store", store, "advance", "--to", "2026-06-01T00:00Z", "--no-project")
    assert_one_line(write.returncode, write.stderr, UNAVAILABLE, store, "cannot write", "read-only")
    new = as_a_user_who_cannot_write("--store", str(read_only_store.with_name("new.db")), "run", SCENARIO)
    assert_one_line(new.returncode, new.stderr, UNAVAILABLE, "cannot write", "read-only")
    with sqlite3.connect(f"file:{store}?mode=ro&immutable=1", uri=True) as con:
        assert (
            con.execute("SELECT value FROM linkledger_meta WHERE key='watermark'").fetchone()[0].startswith("2026-02")
        )


# -------------------------------------------------------------- PostgreSQL URLs
@pytest.mark.parametrize(
    ("url", "part"),
    [
        ("postgresql://127.0.0.1:99999/test?schema=x", "the port '99999'"),
        ("postgresql://postgres@127.0.0.1:5432/test", "names no schema"),
        ("postgresql://postgres@127.0.0.1:5432/test?schema=", "names no schema"),
        ("postgresql://postgres@127.0.0.1:5432/test?schema=a;drop", "the schema 'a;drop'"),
        ("postgresql://postgres@127.0.0.1:5432/?schema=x", "names no database"),
        ("postgresql://postgres@127.0.0.1:5432/test?schema=x&sslmode=no", "unknown URL option(s) sslmode"),
        ("mysql://127.0.0.1/test", "neither a file path"),
    ],
)
def test_a_store_url_that_cannot_be_read_is_refused_naming_the_part(url: str, part: str, capsys):
    code, _, err = run_cli(capsys, "--store", url, "rules")
    assert_one_line(code, err, REFUSED, part)


# ------------------------------------------------------- PostgreSQL connections
def pg(user: str = "postgres", host: str = "127.0.0.1", port: int = 5432, db: str = "test") -> str:
    return f"postgresql://{user}@{host}:{port}/{db}?schema=linkledger_fault_test"


@pytest.mark.parametrize(
    ("store", "cause"),
    [
        (pg(port=free_port()), "Connection refused"),
        (pg(db="no_such_db"), 'database "no_such_db" does not exist'),
        (pg(user="no_such_role"), 'role "no_such_role" does not exist'),
        (pg(host="no-such-host.invalid"), "no-such-host.invalid"),
    ],
    ids=["server-down", "wrong-database", "wrong-user", "wrong-host"],
)
def test_a_postgresql_connection_fault_names_its_cause_at_once(store: str, cause: str, capsys):
    for argv in (["rules"], ["run", SCENARIO]):
        started = time.monotonic()
        code, _, err = run_cli(capsys, "--store", store, *argv)
        assert time.monotonic() - started < 8
        assert_one_line(code, err, UNAVAILABLE, "cannot connect to PostgreSQL", cause)


def test_a_postgresql_server_that_never_answers_is_given_up_within_seconds(capsys):
    with silent_server() as port:
        started = time.monotonic()
        code, _, err = run_cli(capsys, "--store", pg(port=port), "rules")
        elapsed = time.monotonic() - started
    assert elapsed < 8
    assert_one_line(code, err, UNAVAILABLE, "cannot connect to PostgreSQL", "timeout")


def test_a_postgresql_schema_that_does_not_exist_is_named(capsys):
    code, _, err = run_cli(capsys, "--store", pg().replace("linkledger_fault_test", "no_such_schema"), "run", SCENARIO)
    assert_one_line(code, err, UNAVAILABLE, "'no_such_schema' does not exist", "CREATE SCHEMA")


# -------------------------------------------------------------------- Redis
def test_a_redis_view_store_that_is_down_is_refused_at_once(written: Path, capsys):
    started = time.monotonic()
    code, _, err = run_cli(capsys, "--store", str(written), "--views", f"redis://127.0.0.1:{free_port()}/0", "status")
    assert time.monotonic() - started < 8
    assert_one_line(code, err, UNAVAILABLE, "[view store]", "cannot reach Redis", "Connection refused")


def test_a_redis_server_that_never_answers_is_given_up_within_seconds(written: Path, capsys):
    with silent_server() as port:
        started = time.monotonic()
        code, _, err = run_cli(capsys, "--store", str(written), "--views", f"redis://127.0.0.1:{port}/0", "status")
        elapsed = time.monotonic() - started
    assert elapsed < 8
    assert_one_line(code, err, UNAVAILABLE, "cannot reach Redis", "Timeout")


@pytest.mark.parametrize(
    ("views", "part"),
    [
        ("redis://127.0.0.1:99999/0", "the port '99999'"),
        ("redis://127.0.0.1:6379/zero", "the database 'zero'"),
        ("memcached://127.0.0.1:11211", "neither a file path"),
    ],
)
def test_a_views_url_that_cannot_be_read_is_refused_naming_the_part(written: Path, views: str, part: str, capsys):
    code, _, err = run_cli(capsys, "--store", str(written), "--views", views, "status")
    assert_one_line(code, err, REFUSED, "[settings] --views: ", part)  # checked with the settings
