"""SIGKILL the runner at random points, many times: the views always end equal to a
build from zero, and the feed holds each notification id exactly once. Then the same
while the Redis server itself is stopped and restarted in the middle of a catch-up."""

from __future__ import annotations

import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from linkledger.infrastructure.bootstrap import open_ledger, record_rule_files
from linkledger.infrastructure.event_log import EventLog
from linkledger.infrastructure.projection_runner import ProjectionRunner
from linkledger.infrastructure.redis_views import RedisViewStore
from linkledger.infrastructure.scenario import parse_scenario, run_scenario
from linkledger.infrastructure.view_store import Build, ViewStore
from linkledger.projections.catalog import PROJECTIONS
from linkledger.projections.projection import ViewBatch

from tests.conftest import EXAMPLES
from tests.views.conftest import open_views

LINKLEDGER = str(Path(sys.executable).with_name("linkledger"))


def fleet_scenario(accounts: int) -> str:
    """`accounts` Zenlayer accounts, each with two ports and a connect, for a year of daily deductions."""
    steps = [
        ("2026-01-01T00:00Z", "open_account {a} vendor=zenlayer"),
        ("2026-01-01T00:00Z", "add_user {a} name=adm{i} email=adm{i}@x.test role=AdministratorAccess"),
        ("2026-01-01T00:00Z", "top_up {a} amount=100000.00"),
        ("2026-01-01T09:00Z", "order_port {a} HKG-{i} site=HKG speed=10G"),
        ("2026-01-01T09:00Z", "order_port {a} SIN-{i} site=SIN speed=10G"),
        ("2026-01-01T09:00Z", "complete_cross_connect HKG-{i}"),
        ("2026-01-01T09:00Z", "complete_cross_connect SIN-{i}"),
        ("2026-01-02T00:00Z", "create_private_connect {a} PC-{i} a=port:HKG-{i} z=port:SIN-{i} bandwidth=500M"),
        ("2026-03-10T00:00Z", "raise_bandwidth PC-{i} to=1G"),
    ]
    lines = [f"@prices {EXAMPLES / 'zenlayer' / 'prices.toml'}"]
    for at, text in steps:
        lines += [f"{at} {text.format(a=f'FLEET{i}', i=i)}" for i in range(accounts)]
    lines.append("2027-01-01T00:00Z advance")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def fleet_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A log of about 3,000 events, made once for this module."""
    folder = tmp_path_factory.mktemp("fleet")
    scenario_file = folder / "fleet.txt"
    scenario_file.write_text(fleet_scenario(8))
    scenario = parse_scenario(scenario_file)
    ledger = open_ledger(str(folder / "fleet.db"))
    record_rule_files(ledger, scenario.prices, [], scenario.lines[0].at)
    run_scenario(ledger, scenario)
    ledger.close()
    return str(folder / "fleet.db")


@pytest.fixture
def fleet_log(fleet_store: str, tmp_path: Path):
    store = str(tmp_path / "events.db")
    shutil.copy(fleet_store, store)
    ledger = open_ledger(store)
    log = EventLog(ledger)
    yield log
    log.close()
    ledger.close()


def expected_feed(log: EventLog, name: str) -> list[int]:
    """The nids whose event changes the view: what the feed must hold, once each."""
    projection = PROJECTIONS[name]
    batch = ViewBatch(lambda k, f: None, cache_limit=1 << 62, complete=True)
    head, after = log.head(), 0
    while after < head:
        page = log.read(after, 1000, projection.topics)
        for record in page.records:
            batch.begin(record)
            projection.apply(record, batch)
            batch.commit_event()
        after = page.through
    return [nid for nid, _ in batch.changes]


def assert_views_equal_a_build_from_zero(log: EventLog, store: ViewStore) -> None:
    head = log.head()
    for name, projection in PROJECTIONS.items():
        served = Build(name, store.active(name))
        assert store.checkpoint(served) == head
        fresh = store.new_build(name, projection.version)
        ProjectionRunner(log, store, [projection], builds={name: fresh}).catch_up()
        assert store.dump(served) == store.dump(fresh), name
        nids = [nid for nid, _ in store.feed(name, count=10**6)]
        assert nids == expected_feed(log, name), name  # each change exactly once, in order


def served_checkpoint(store: ViewStore) -> int:
    cps = []
    for name in PROJECTIONS:
        build = store.active(name)
        cps.append(store.checkpoint(Build(name, build)) if build else 0)
    return min(cps)


def project(log: EventLog, views: str, page_size: int) -> subprocess.Popen:
    store = log.ledger.env.get("SQLITE_DBNAME", None)
    return subprocess.Popen(
        [LINKLEDGER, "--store", str(store), "--views", views, "project", "-q", "--page-size", str(page_size)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_sigkill_at_random_points_never_loses_or_doubles_a_change(fleet_log: EventLog, views_location: str):
    rng = random.Random()
    seed = rng.randrange(10**6)
    rng.seed(seed)
    store = open_views(views_location)
    head = fleet_log.head()
    targets = sorted(rng.sample(range(1, head), 10))
    kills = []
    for target in targets:
        proc = project(fleet_log, views_location, page_size=rng.choice([1, 2, 3, 7]))
        while proc.poll() is None and served_checkpoint(store) < target:
            time.sleep(0.001)
        time.sleep(rng.uniform(0, 0.01))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills.append((target, served_checkpoint(store)))
    assert any(0 < cp < head for _, cp in kills), f"no kill landed mid-way (seed {seed}): {kills}"
    final = project(fleet_log, views_location, page_size=50)
    assert final.wait(timeout=120) == 0, final.stderr.read() if final.stderr else ""
    assert_views_equal_a_build_from_zero(fleet_log, store)
    store.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(port: int, folder: Path, aof: bool = True) -> subprocess.Popen:
    persistence = ["--appendonly", "yes", "--appendfsync", "always"] if aof else ["--appendonly", "no"]
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder), *persistence, "--save", ""],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"redis-server did not start on port {port}")


@pytest.mark.parametrize("aof", [True, False], ids=["with-aof", "without-persistence"])
def test_stopping_and_restarting_redis_during_a_catch_up_loses_nothing(fleet_log: EventLog, tmp_path: Path, aof: bool):
    # With AOF the runner resumes where Redis left off; without persistence Redis comes back
    # empty and the runner starts a new build from zero. Either way nothing is lost or doubled.
    port = free_port()
    server = start_redis(port, tmp_path, aof)
    url = f"redis://127.0.0.1:{port}/0?prefix=restart"
    store = RedisViewStore(url)
    try:
        runner = subprocess.Popen(
            [
                LINKLEDGER,
                "--store",
                fleet_log.ledger.env["SQLITE_DBNAME"],
                "--views",
                url,
                "project",
                "--page-size",
                "1",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        while served_checkpoint(store) < fleet_log.head() // 3:
            assert runner.poll() is None, runner.stderr.read() if runner.stderr else ""
            time.sleep(0.005)
        server.send_signal(signal.SIGTERM)  # a clean shutdown: Redis writes its AOF and exits
        server.wait(timeout=20)
        time.sleep(1.0)  # the runner finds Redis gone and keeps retrying
        assert runner.poll() is None
        server = start_redis(port, tmp_path)
        _out, err = runner.communicate(timeout=120)
        assert runner.returncode == 0, err
        assert "redis unavailable, retrying in" in err
        assert_views_equal_a_build_from_zero(fleet_log, store)
    finally:
        store.close()
        server.kill()
        server.wait()
