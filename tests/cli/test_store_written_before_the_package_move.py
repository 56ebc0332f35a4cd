"""Moving the code under `linkledger.` changed no stored topic: a store written by step 4, when
the packages were installed as top-level `domain`, `projections` and `infrastructure`, is read,
audited and extended by the installed `linkledger.*` packages."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from tests.builders import run_cli as run
from tests.conftest import EXAMPLES, ROOT

STEP4_FIXTURE = ROOT / "tests" / "fixtures" / "step4_zenlayer.db"
ZEN = EXAMPLES / "zenlayer" / "scenario.txt"


def test_the_fixture_holds_topics_that_name_no_module(tmp_path: Path):
    with sqlite3.connect(STEP4_FIXTURE) as db:
        topics = {t for (t,) in db.execute("SELECT DISTINCT topic FROM stored_events")}
    assert "linkledger.Account.InvoiceIssued" in topics
    assert not any(t.startswith(("domain.", "infrastructure.", "projections.")) for t in topics)


def test_a_store_written_before_the_package_move_reads_audits_and_bills_as_a_fresh_one(capsys, tmp_path: Path):
    old = tmp_path / "step4.db"
    shutil.copy(STEP4_FIXTURE, old)
    code, audit, _ = run(capsys, "--store", str(old), "audit", "--all")
    assert code == 0, audit
    assert "1 byte-identical, 0 differ" in audit

    fresh = tmp_path / "fresh.db"
    assert run(capsys, "--store", str(fresh), "run", str(ZEN), "--no-project")[0] == 0
    for store in (old, fresh):  # one more month of settlement on both
        assert run(capsys, "--store", str(store), "advance", "--to", "2026-04-02T00:00Z", "--no-project")[0] == 0
    invoices = [
        run(capsys, "--store", str(s), "invoice", "ACME", "--period", "2026-03", "--from-log") for s in (old, fresh)
    ]
    assert invoices[0][0] == 0
    assert invoices[0][1] == invoices[1][1]
    assert "TOTAL" in invoices[0][1]
