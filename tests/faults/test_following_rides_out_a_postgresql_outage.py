"""`project --follow` on a PostgreSQL event store rides out an outage of the server (the
test's own cluster, shut down by pid and started again on the same port a few seconds later):
it says so, goes on from its checkpoint, and ends with the views a build from zero gives."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import psycopg
from linkledger.infrastructure.sqlite_views import SQLiteViewStore

from tests.builders import run_cli
from tests.faults.servers import postgres_server
from tests.faults.test_following_rides_out_outages import follower, log_of, stop, wait_until
from tests.views.test_crash_safety import assert_views_equal_a_build_from_zero, fleet_scenario, served_checkpoint


def test_an_idle_project_follow_rides_out_a_postgresql_outage(tmp_path: Path, capsys):
    scenario = tmp_path / "fleet.txt"
    scenario.write_text(fleet_scenario(2))
    with tempfile.TemporaryDirectory(prefix="linkledger-pg-") as folder, postgres_server(Path(folder)) as server:
        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute("CREATE SCHEMA ledger")
        store = f"{server.url}?schema=ledger"
        views_path = str(tmp_path / "views.db")
        code, _, err = run_cli(
            capsys, "--store", store, "run", str(scenario), "--until", "2026-03-01T00:00Z", "--no-project"
        )
        assert code == 0, err
        views = SQLiteViewStore(views_path)
        logs = log_of(store)
        log = next(logs)
        proc = follower(store, views_path, "project", "--follow", "-q")
        try:
            wait_until(lambda: served_checkpoint(views) == log.head(), proc)
            time.sleep(1.5)  # idle: LISTENing for events
            server.stop()
            time.sleep(3.0)
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            server.start()
            next(logs, None)  # this test's own connections went down with the server too
            logs = log_of(store)
            log = next(logs)
            code, _, err = run_cli(capsys, "--store", store, "run", str(scenario), "--no-project")
            assert code == 0, err
            wait_until(lambda: served_checkpoint(views) == log.head(), proc)
            err = stop(proc, "postgresql unavailable, retrying in")
            assert_views_equal_a_build_from_zero(log, views)
        finally:
            proc.kill()
            views.close()
            next(logs, None)
