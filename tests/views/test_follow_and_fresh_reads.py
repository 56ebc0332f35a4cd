"""Following the log (polling SQLite, LISTEN/NOTIFY on PostgreSQL) and
read-your-writes through the CLI's --fresh."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from linkledger.domain.rule_book import RuleBook
from linkledger.infrastructure.cli import main
from linkledger.infrastructure.event_log import EventLog
from linkledger.infrastructure.ledger import LinkLedger
from linkledger.infrastructure.projection_runner import ProjectionRunner
from linkledger.infrastructure.view_queries import Views
from linkledger.infrastructure.view_store import ViewStore
from linkledger.projections.catalog import PROJECTIONS

from tests.builders import T
from tests.conftest import EXAMPLES


def test_a_following_runner_picks_up_new_events_and_stops_cleanly(
    ledger: LinkLedger, view_store: ViewStore, rules: RuleBook
):
    ledger.open_account("ACME", "zenlayer", "USD", T("2026-01-01T00:00"))
    stop = threading.Event()
    log = EventLog(ledger)
    runner = ProjectionRunner(log, view_store, PROJECTIONS.values(), should_stop=stop.is_set)
    follower = threading.Thread(target=runner.follow, kwargs={"idle_wait": 0.5})
    follower.start()
    try:
        ledger.top_up("ACME", "125.50", None, T("2026-01-02T00:00"))
        head = log.head()
        view_store.tracked("balances").wait(ledger.name, head, timeout=10)
        assert Views(view_store).balance("ACME")["balance"] == "125.50"
    finally:
        stop.set()
        follower.join(timeout=10)
        log.close()
    assert not follower.is_alive()
    assert view_store.checkpoint(Views(view_store).build("balances")) == head


def test_fresh_waits_for_the_view_and_says_so_when_nobody_projects(tmp_path: Path, capsys):
    store, views = str(tmp_path / "z.db"), str(tmp_path / "z.views.db")
    scenario = EXAMPLES / "zenlayer" / "scenario.txt"
    assert main(["--store", store, "--views", views, "run", str(scenario), "--until", "2026-01-10T00:00Z"]) == 0
    assert main(["--store", store, "--views", views, "run", str(scenario), "--resume", "--no-project"]) == 0
    capsys.readouterr()
    # The log has moved on and no runner is projecting: the stale view is refused, with what to do.
    code = main(["--store", store, "--views", views, "balance", "ACME", "--fresh", "--timeout", "0.3"])
    assert code == 2 and "linkledger project" in capsys.readouterr().err
    # With a runner following, the same read waits for it and sees the latest write.
    follower = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("linkledger")),
            "--store",
            store,
            "--views",
            views,
            "project",
            "--follow",
            "-q",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert main(["--store", store, "--views", views, "balance", "ACME", "--fresh", "--json"]) == 0
        fresh = capsys.readouterr().out
        assert main(["--store", store, "balance", "ACME", "--from-log", "--json"]) == 0
        assert fresh == capsys.readouterr().out
    finally:
        time.sleep(0.2)
        follower.terminate()  # SIGTERM: finish the batch, write the checkpoint, exit 0
        out, err = follower.communicate(timeout=20)
    assert follower.returncode == 0, err
    assert "views stopped" in out
