"""`invoice --as-at/--explain`, `audit` and `correct-prices`, as a user runs them: on the
shipped Zenlayer example (January issued on 1 February), with wrong input refused
cleanly and nothing written."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.builders import run_cli as run
from tests.conftest import EXAMPLES

ZEN = EXAMPLES / "zenlayer" / "scenario.txt"
FIX = EXAMPLES / "zenlayer" / "price_correction.toml"
REASON = ["--reason", "the 200M HKG~SIN tier was listed too high"]


@pytest.fixture(scope="module")
def settled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example run once, then settled to 1 March 02:00 (February issued too)."""
    from linkledger.infrastructure.cli import main

    folder = tmp_path_factory.mktemp("zen")
    store = folder / "ledger.db"
    assert main(["--store", str(store), "run", str(ZEN)]) == 0
    assert main(["--store", str(store), "advance", "--to", "2026-03-01T02:00Z"]) == 0
    return folder


@pytest.fixture
def store(settled: Path, tmp_path: Path) -> str:
    """A copy of the settled store and its views, for one test to change."""
    for f in settled.iterdir():
        shutil.copy(f, tmp_path / f.name)
    return str(tmp_path / "ledger.db")


def dump(store: str) -> list[str]:
    """Every row of every table of an SQLite store: the log and the ledger's own tables."""
    con = sqlite3.connect(store)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def test_an_issued_invoice_as_at_any_later_time_is_byte_identical_to_the_issued_one(capsys, store: str):
    code, now, err = run(capsys, "--store", store, "invoice", "ACME", "--period", "2026-01", "--json")
    assert code == 0, err
    doc = json.loads(now)
    assert doc["status"] == "issued" and doc["number"] == "INV-ACME-000001"
    for at in ("2026-02-01T01:00Z", "2026-02-15T00:00Z", "2026-03-01T02:00Z"):
        assert (
            run(capsys, "--store", store, "invoice", "ACME", "--period", "2026-01", "--json", "--as-at", at)[1] == now
        )
    assert run(capsys, "--store", store, "invoice", "ACME", "--period", "2026-01", "--json", "--from-log")[1] == now


def test_as_at_before_the_issue_shows_the_month_provisional_as_then_known(capsys, store: str):
    code, out, err = run(
        capsys, "--store", store, "invoice", "ACME", "--period", "2026-01", "--json", "--as-at", "2026-01-20T12:00Z"
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["status"] == "provisional" and doc["as_of"] <= "2026-01-20T12:00:00Z"
    assert max(line["to"] for line in doc["lines"]) == "2026-01-19"  # the 19th was deducted at 01:00 on the 20th
    code, out, err = run(capsys, "--store", store, "balance", "ACME", "--json", "--as-at", "2026-01-20T12:00Z")
    assert code == 0, err
    assert json.loads(out)["deducted_through"] == "2026-01-19"
    code, out, err = run(capsys, "--store", store, "timeline", "PC-HKG-SIN", "--json", "--as-at", "2026-01-06T00:00Z")
    assert code == 0, err
    assert [s["state"] for s in json.loads(out)["states"]] == ["pending", "active"]


def test_as_at_before_the_account_was_opened_names_the_time(capsys, store: str):
    code, _, err = run(
        capsys, "--store", store, "invoice", "ACME", "--period", "2026-01", "--as-at", "2025-12-01T00:00Z"
    )
    assert code == 2 and "there is no account named ACME at 2025-12-01T00:00:00+00:00" in err


def test_explain_names_the_charge_events_the_price_and_the_policy_of_each_line(capsys, store: str):
    code, out, err = run(capsys, "--store", store, "invoice", "ACME", "--period", "2026-01", "--json", "--explain")
    assert code == 0, err
    doc = json.loads(out)
    by_id = {line["line_id"]: line for line in doc["lines"]}
    for line_id, why in doc["explain"].items():
        line = by_id[line_id]
        assert len(why["charges"]) == int(line["quantity"])  # one daily charge per day of the line
        assert all(isinstance(c["nid"], int) and c["aggregate"] == "account ACME" for c in why["charges"])
        assert sum(float(c["amount"]) for c in why["charges"]) == pytest.approx(float(line["amount"]))
        assert why["price"]["book"] == line["price_ref"] and line["basis"].startswith(why["price"]["entry"])
        assert why["policies"] == ["zenlayer-lifecycle-2020-01-01"]
    code, text, _ = run(capsys, "--store", store, "invoice", "ACME", "--period", "2026-01", "--explain")
    assert "why: 29 charge(s) recorded as events:" in text and "policy: zenlayer-lifecycle-2020-01-01" in text


def test_audit_of_an_issued_invoice_passes(capsys, store: str):
    code, out, err = run(capsys, "--store", store, "audit", "INV-ACME-000001")
    assert code == 0, err
    assert "INV-ACME-000001  ACME 2026-01" in out and "byte-identical to the log at its cut-off" in out
    code, out, err = run(capsys, "--store", store, "audit", "--all")
    assert code == 0, err
    assert "audited 2 issued invoice(s): 2 byte-identical, 0 differ" in out


def test_audit_shows_a_tampered_charge_line_by_line_and_exits_1(capsys, store: str):
    con = sqlite3.connect(store)
    with con:
        rowid, state = con.execute(
            "SELECT rowid, state FROM stored_events WHERE topic = 'linkledger.Account.Charged' "
            'AND CAST(state AS TEXT) LIKE \'%"service_day":"2026-01-20"%\''
        ).fetchone()
        con.execute(
            "UPDATE stored_events SET state = ? WHERE rowid = ?",
            (bytes(state).replace(b'"amount":"10.00"', b'"amount":"1.00"', 1), rowid),
        )
    con.close()
    code, out, _ = run(capsys, "--store", store, "audit", "INV-ACME-000001")
    assert code == 1
    assert "DIFFERS from the log" in out
    assert "line L002: amount issued '290.00', recomputed '281.00'" in out
    code, out, _ = run(capsys, "--store", store, "audit", "--all")
    assert code == 1 and "1 differ" in out


def test_audit_refuses_an_unknown_number_and_a_missing_one(capsys, store: str):
    code, _, err = run(capsys, "--store", store, "audit", "INV-NOPE-000001")
    assert code == 2 and "no invoice numbered INV-NOPE-000001 was issued in this store" in err
    code, _, err = run(capsys, "--store", store, "audit")
    assert code == 2 and "give one invoice number, or --all" in err


def test_a_dry_run_prints_old_new_and_difference_and_writes_nothing(capsys, store: str):
    before = dump(store)
    code, out, err = run(capsys, "--store", store, "correct-prices", str(FIX), *REASON, "--dry-run")
    assert code == 0, err
    assert "nothing is written" in out
    assert "ACME INV-ACME-000001: 27.00 -> 22.50 (-4.50 USD)" in out
    assert "L006 PC-HKG-SIN private_connect 2026-01-10..2026-01-12: 27.00 -> 22.50 (3 charge(s))" in out
    code, out, err = run(capsys, "--store", store, "correct-prices", str(FIX), *REASON, "--dry-run", "--json")
    assert code == 0, err
    [acct] = json.loads(out)["accounts"]
    assert acct["account"] == "ACME" and acct["difference"] == "-4.50"
    assert dump(store) == before


def test_a_correction_is_applied_once_and_the_views_and_feed_show_it(capsys, store: str):
    code, out, err = run(capsys, "--store", store, "correct-prices", str(FIX), *REASON)
    assert code == 0, err
    assert "correction zen-hkg-sin-200m-2026-01-10 recorded at 2026-03-01T02:00:00+00:00; 1 account(s) re-rated" in out
    before = dump(store)
    code, out, err = run(capsys, "--store", store, "correct-prices", str(FIX), *REASON)
    assert code == 0, err
    assert "already recorded" in out
    assert dump(store) == before  # the same correction again writes nothing
    # March is not issued yet: the adjustment shows on it, from the view and from the log alike.
    views = run(capsys, "--store", store, "invoice", "ACME", "--period", "2026-03", "--json")[1]
    assert views == run(capsys, "--store", store, "invoice", "ACME", "--period", "2026-03", "--json", "--from-log")[1]
    [adjustment] = json.loads(views)["adjustments"]
    assert (adjustment["invoice"], adjustment["line_id"], adjustment["difference"]) == (
        "INV-ACME-000001",
        "L006",
        "-4.50",
    )
    code, out, err = run(
        capsys, "--store", store, "feed", "tail", "invoices", "--state", str(Path(store).parent / "c.db")
    )
    assert code == 0, err
    assert "linkledger.Account.InvoiceIssued" in out and "linkledger.Account.PricesAdjusted" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            'id = "p"\nvendor = "zenlayer"\nvalid_from = 2026-01-10\n[negative_balance]\nprotection_hours = 24\n',
            "corrections of lifecycle policies (negative_balance) are out of scope",
        ),
        (
            'id = "f"\nvendor = "zenlayer"\nvalid_from = 2026-01-10\n'
            'entries = [{ item = "port", match = { site = "HKG", speed = "10G" }, '
            'per = "day", price = { USD = 7.5 } }]\n',
            "is a float",
        ),
        (
            'id = "n"\nvendor = "zenlayer"\nvalid_from = 2026-01-10\n'
            'entries = [{ item = "port", match = { site = "TYO", speed = "10G" }, '
            'per = "day", price = { USD = "7.50" } }]\n',
            "is not priced by any zenlayer price book",
        ),
        (
            'id = "m"\nvendor = "zenlayer"\nvalid_from = 2026-01-10\n'
            'entries = [{ item = "port", match = { site = "HKG", speed = "10G" }, '
            'per = "month", price = { USD = "7.50" } }]\n',
            "a correction keeps the unit",
        ),
        ("id = \n", "not valid TOML"),
    ],
)
def test_a_wrong_correction_file_is_refused_and_writes_nothing(
    capsys, store: str, tmp_path: Path, content: str, message: str
):
    path = tmp_path / "fix.toml"
    path.write_text(content)
    before = dump(store)
    for dry in ([], ["--dry-run"]):
        code, _, err = run(capsys, "--store", store, "correct-prices", str(path), *REASON, *dry)
        assert code == 2 and message in err, err
        assert "Traceback" not in err
    assert dump(store) == before


def test_correct_prices_without_a_file_or_a_store_says_so(capsys, store: str, tmp_path: Path):
    code, _, err = run(capsys, "--store", store, "correct-prices", str(tmp_path / "none.toml"), *REASON)
    assert code == 2 and "no such file" in err
    code, _, err = run(capsys, "--store", str(tmp_path / "none.db"), "correct-prices", str(FIX), *REASON, "--dry-run")
    assert code == 2 and "there is no event store" in err
    assert not (tmp_path / "none.db").exists()


def test_a_price_book_given_as_a_correction_or_an_empty_reason_is_refused(capsys, store: str):
    before = dump(store)
    code, _, err = run(capsys, "--store", store, "correct-prices", str(EXAMPLES / "zenlayer" / "prices.toml"), *REASON)
    assert code == 2 and "is a price book (it has version/effective_on), not a correction" in err
    code, _, err = run(capsys, "--store", store, "correct-prices", str(FIX), "--reason", "  ")
    assert code == 2 and "say why the prices were wrong with --reason" in err
    assert dump(store) == before
