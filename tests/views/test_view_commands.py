"""The view commands: project, status, rebuild, notices and feed tail, on the embedded
default (SQLite views next to the event store) and on Redis."""

from __future__ import annotations

from pathlib import Path

import pytest
from linkledger.infrastructure.bootstrap import open_ledger
from linkledger.projections.invoice_view import InvoiceProjection

from tests.builders import run_cli as run
from tests.conftest import EXAMPLES

ZEN = EXAMPLES / "zenlayer" / "scenario.txt"


@pytest.fixture(params=["default", "redis"])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> list[str]:
    store = ["--store", str(tmp_path / "zen.db")]
    if request.param == "redis":
        return [*store, "--views", request.getfixturevalue("redis_views_url")]
    return store


def test_the_embedded_default_keeps_the_views_next_to_the_event_store(capsys, tmp_path: Path):
    assert run(capsys, "--store", str(tmp_path / "zen.db"), "run", str(ZEN))[0] == 0
    assert (tmp_path / "zen.views.db").exists()


def test_project_then_status_shows_every_view_caught_up(capsys, where: list[str]):
    assert run(capsys, *where, "run", str(ZEN), "--no-project")[0] == 0
    code, out, _err = run(capsys, *where, "status")
    assert code == 0 and out.count("not built") == 4
    with open_ledger(where[1]) as ledger:
        head = ledger.recorder.max_notification_id()
    code, out, _ = run(capsys, *where, "project")
    assert code == 0 and f"invoices at {head}," in out
    code, out, _ = run(capsys, *where, "status", "--json")
    assert code == 0 and out.count('"lag_events": 0') == 4


def test_rebuild_switches_readers_and_the_invoice_reads_the_same(capsys, where: list[str]):
    assert run(capsys, *where, "run", str(ZEN))[0] == 0
    before = run(capsys, *where, "invoice", "ACME", "--period", "2026-01", "--json")[1]
    code, out, err = run(capsys, *where, "rebuild", "invoices")
    assert code == 0, err
    assert "0 changed, 0 only in the old build, 0 only in the new" in out
    v = InvoiceProjection.version
    assert f"readers switched from v{v}.1 to v{v}.2" in out
    assert run(capsys, *where, "invoice", "ACME", "--period", "2026-01", "--json")[1] == before


def test_unknown_projection_names_are_refused_with_the_list(capsys, where: list[str]):
    code, _, err = run(capsys, *where, "rebuild", "invoicez")
    assert code == 2  # a refusal of an argument, like any other (it was 1, a stopped view, before step 5)
    assert "[views] no projection named 'invoicez'; name one of: invoices" in err


def test_notices_lists_each_notice_with_its_recipients(capsys, where: list[str]):
    assert run(capsys, *where, "run", str(ZEN))[0] == 0
    code, out, _ = run(capsys, *where, "notices", "ACME")
    assert code == 0 and "final_notice" in out and "alice <alice@acme.test> (AdministratorAccess)" in out
    assert "carol" not in out


def test_feed_tail_prints_each_change_once_across_runs(capsys, where: list[str], tmp_path: Path):
    assert run(capsys, *where, "run", str(ZEN))[0] == 0
    state = str(tmp_path / "tail.db")
    code, first, _ = run(capsys, *where, "feed", "tail", "notices", "--state", state, "--count", "2")
    assert code == 0 and first.count("linkledger.Account.NoticeSent") == 4
    code, second, _ = run(capsys, *where, "feed", "tail", "notices", "--state", state)
    assert code == 0 and second == ""
