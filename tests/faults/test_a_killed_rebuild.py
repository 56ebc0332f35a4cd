"""A rebuild killed with SIGKILL leaves nothing that looks alive: `status` shows its build as
abandoned (its pid gone), not "building" forever, and the next rebuild removes it."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

from linkledger.infrastructure.sqlite_views import SQLiteViewStore
from linkledger.infrastructure.view_store import Build

from tests.builders import run_cli
from tests.faults.servers import LINKLEDGER
from tests.views.test_crash_safety import fleet_scenario


def test_a_killed_rebuild_is_shown_abandoned_and_the_next_rebuild_removes_it(tmp_path: Path, capsys):
    scenario = tmp_path / "fleet.txt"
    scenario.write_text(fleet_scenario(4))
    store, views = str(tmp_path / "events.db"), str(tmp_path / "views.db")
    code, _, err = run_cli(capsys, "--store", store, "--views", views, "run", str(scenario))
    assert code == 0, err
    view_store = SQLiteViewStore(views)
    serving = view_store.active("balances")
    proc = subprocess.Popen(
        [LINKLEDGER, "--store", store, "--views", views, "rebuild", "balances", "--page-size", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:  # until the new build is part-way
        building = [b for b in view_store.builds("balances") if b != serving]
        if building and view_store.checkpoint(Build("balances", building[0])) > 10:
            break
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    code, out, err = run_cli(capsys, "--store", store, "--views", views, "status")
    [line] = [x for x in out.splitlines() if f" {building[0]} " in x]
    assert f"ABANDONED (pid {proc.pid} gone)" in line, out
    assert "building" not in line
    code, out, _ = run_cli(capsys, "--store", store, "--views", views, "status", "--json")
    [row] = [r for r in json.loads(out)["views"] if r["build"] == building[0]]
    assert row["abandoned"] == f"pid {proc.pid} gone"

    code, out, err = run_cli(capsys, "--store", store, "--views", views, "rebuild", "balances")
    assert code == 0, err
    assert view_store.builds("balances") == [view_store.active("balances")]  # the abandoned one removed
    code, out, _ = run_cli(capsys, "--store", store, "--views", views, "status")
    assert "ABANDONED" not in out and "building" not in out
    view_store.close()


def test_a_builder_is_abandoned_only_when_its_process_is_gone_or_its_heartbeat_is_stale():
    from linkledger.infrastructure.build_lease import abandoned, this_builder

    assert abandoned(this_builder()) is None  # this process is alive
    assert abandoned({"builder": "elsewhere 1 -", "heartbeat": "2020-01-01T00:00:00Z"}).startswith("no heartbeat")
    assert abandoned({"builder": "elsewhere 1 -", "heartbeat": "2020-01-01T00:00:00Z", "built_at": "x"}) is None
