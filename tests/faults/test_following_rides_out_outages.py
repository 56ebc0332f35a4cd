"""`project --follow` and `feed tail --follow`, run as real processes, ride out a Redis
outage (the test's own redis-server, SIGKILLed by pid and started again on the same port a
few seconds later), whether they were idle or busy when it went away: they say so on stderr,
go on from their checkpoint, and end with the same views and the same feed, each change
exactly once, as without the outage."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from linkledger.infrastructure.bootstrap import open_ledger
from linkledger.infrastructure.event_log import EventLog
from linkledger.infrastructure.redis_views import RedisViewStore

from tests.builders import run_cli
from tests.faults.servers import LINKLEDGER, RedisServer, redis_server
from tests.views.test_crash_safety import (
    assert_views_equal_a_build_from_zero,
    expected_feed,
    fleet_scenario,
    served_checkpoint,
)

OUTAGE_SECONDS = 3.0


def wait_until(condition: Callable[[], bool], proc: subprocess.Popen[str], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, f"the follower died: {proc.stderr.read() if proc.stderr else ''}"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def outage(server: RedisServer, proc: subprocess.Popen[str]) -> None:
    server.kill()
    time.sleep(OUTAGE_SECONDS)
    assert proc.poll() is None, f"the follower died in the outage: {proc.stderr.read() if proc.stderr else ''}"
    server.start()


def stop(proc: subprocess.Popen[str], said: str = "redis unavailable, retrying in") -> str:
    """SIGTERM: the follower finishes its batch and exits 0, having said `said`; its stderr."""
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert said in err
    return err


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "fleet.txt"
    path.write_text(fleet_scenario(6))
    return path


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    with redis_server(tmp_path) as s:
        yield s


def log_of(store: str) -> Iterator[EventLog]:
    ledger = open_ledger(store, must_exist=True)
    log = EventLog(ledger)
    yield log
    log.close()
    ledger.close()


def follower(store: str, views: str, *argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [LINKLEDGER, "--store", store, "--views", views, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# ------------------------------------------------------------------ project --follow
def test_an_idle_project_follow_rides_out_a_redis_outage(scenario: Path, server: RedisServer, tmp_path, capsys):
    store = str(tmp_path / "events.db")
    code, _, err = run_cli(
        capsys, "--store", store, "run", str(scenario), "--until", "2026-03-01T00:00Z", "--no-project"
    )
    assert code == 0, err
    views_url = f"{server.url}?prefix=idle"
    views = RedisViewStore(views_url)
    log = next(log_of(store))
    proc = follower(store, views_url, "project", "--follow", "-q")
    try:
        wait_until(lambda: served_checkpoint(views) == log.head(), proc)
        time.sleep(1.5)  # idle: nothing to do but wait for events
        outage(server, proc)
        code, _, err = run_cli(capsys, "--store", store, "run", str(scenario), "--no-project")  # the rest of the year
        assert code == 0, err
        wait_until(lambda: served_checkpoint(views) == log.head(), proc)
        stop(proc)
        assert_views_equal_a_build_from_zero(log, views)
    finally:
        proc.kill()
        views.close()


def test_a_busy_project_follow_rides_out_a_redis_outage(scenario: Path, server: RedisServer, tmp_path, capsys):
    store = str(tmp_path / "events.db")
    code, _, err = run_cli(capsys, "--store", store, "run", str(scenario), "--no-project")
    assert code == 0, err
    views_url = f"{server.url}?prefix=busy"
    views = RedisViewStore(views_url)
    log = next(log_of(store))
    proc = follower(store, views_url, "project", "--follow", "-q", "--page-size", "1")
    try:
        wait_until(lambda: served_checkpoint(views) >= log.head() // 3, proc)
        assert served_checkpoint(views) < log.head()  # busy: in the middle of its catch-up
        outage(server, proc)
        wait_until(lambda: served_checkpoint(views) == log.head(), proc)
        stop(proc)
        assert_views_equal_a_build_from_zero(log, views)
    finally:
        proc.kill()
        views.close()


# ------------------------------------------------------------------ feed tail --follow
class Printed:
    """The nids a `feed tail` process prints, read as they come."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.nids: list[int] = []
        assert proc.stdout is not None
        self.thread = threading.Thread(target=self._read, args=(proc.stdout,), daemon=True)
        self.thread.start()

    def _read(self, stream) -> None:
        for line in stream:
            self.nids.append(int(line.split()[0]))


def tail_until_done(
    store: str, views_url: str, server: RedisServer, tmp_path: Path, capsys, busy: bool
) -> tuple[list[int], list[int]]:
    proc = follower(
        store, views_url, "feed", "tail", "balances", "--follow", "--state", str(tmp_path / "seen.db"), "--count", "1"
    )
    printed = Printed(proc)
    views = RedisViewStore(views_url)
    log = next(log_of(store))
    try:
        if busy:
            wait_until(lambda: len(printed.nids) >= len(expected_feed(log, "balances")) // 3, proc)
            assert len(printed.nids) < len(expected_feed(log, "balances"))
            outage(server, proc)
        else:
            wait_until(lambda: len(printed.nids) == len(expected_feed(log, "balances")), proc)
            time.sleep(1.5)
            outage(server, proc)
            code, _, err = run_cli(capsys, "--store", store, "--views", views_url, "run", str(tmp_path / "fleet.txt"))
            assert code == 0, err
        wait_until(lambda: len(printed.nids) >= len(expected_feed(log, "balances")), proc)
        time.sleep(1.0)  # anything doubled would show up now
        stop(proc)
        printed.thread.join(timeout=10)
        return printed.nids, [nid for nid, _ in views.feed("balances", count=10**6)]
    finally:
        proc.kill()
        views.close()


@pytest.mark.parametrize("busy", [False, True], ids=["idle", "busy"])
def test_feed_tail_follow_rides_out_a_redis_outage_and_prints_each_change_once(
    busy: bool, scenario: Path, server: RedisServer, tmp_path, capsys
):
    store = str(tmp_path / "events.db")
    views_url = f"{server.url}?prefix=feed"
    until = [] if busy else ["--until", "2026-03-01T00:00Z"]
    code, _, err = run_cli(capsys, "--store", store, "--views", views_url, "run", str(scenario), *until)
    assert code == 0, err
    printed, feed = tail_until_done(store, views_url, server, tmp_path, capsys, busy)
    assert printed == feed  # every change, once, in order
    assert len(feed) > 100
