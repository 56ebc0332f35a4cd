"""The invariants the stateful tests check, each a function of a ledger (and views)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from linkledger.domain.account import Account
from linkledger.infrastructure import queries
from linkledger.infrastructure.event_log import EventLog
from linkledger.infrastructure.history import audit_account
from linkledger.infrastructure.ledger import LinkLedger
from linkledger.infrastructure.projection_runner import ProjectionRunner
from linkledger.infrastructure.view_queries import Views
from linkledger.infrastructure.view_store import Build, ViewStore
from linkledger.projections.catalog import PROJECTIONS
from linkledger.projections.rendering import to_json

from tests.properties.lifecycle import bad_transitions


def money_moves(ledger: LinkLedger, name: str) -> tuple[Decimal, list[str]]:
    """The balance folded from the account's own events (credits - charges - adjustments), and
    every event whose balance_after is not the balance before it moved by its amount."""
    balance, broken = Decimal(0), []
    for e in ledger.events_of(ledger.account(name).id):
        if isinstance(e, Account.Credited):
            balance += e.amount
        elif isinstance(e, (Account.Charged, Account.PricesAdjusted)):
            balance -= e.total
        else:
            continue
        if e.balance_after != balance:
            broken.append(f"{type(e).__name__} v{e.originator_version}: {e.balance_after} != {balance}")
    return balance, broken


def check_balance(ledger: LinkLedger, name: str) -> None:
    folded, broken = money_moves(ledger, name)
    assert broken == [], f"{name}: balance_after does not follow the money moved: {broken}"
    assert ledger.account(name).balance == folded, f"{name}: balance != credits - charges - adjustments"


def months(first: date, last: date) -> list[str]:
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def invoice_sums_add_up(doc: dict[str, Any]) -> list[str]:
    out = []
    lines = sum((Decimal(str(line["amount"])) for line in doc["lines"]), Decimal(0))
    if Decimal(str(doc["total"])) != lines:
        out.append(f"total {doc['total']} != sum of its lines {lines}")
    adjusted = sum((Decimal(str(a["difference"])) for a in doc.get("adjustments", [])), Decimal(0))
    if "adjustments_total" in doc and Decimal(str(doc["adjustments_total"])) != adjusted:
        out.append(f"adjustments_total {doc['adjustments_total']} != sum of its adjustments {adjusted}")
    return out


def issued_balance_adds_up(doc: dict[str, Any]) -> list[str]:
    """An issued invoice's window: opening + credits + payments - charges - adjustments = closing."""
    b = {k: Decimal(str(v)) for k, v in doc["balance"].items()}
    expected = b["opening"] + b["credits"] + b["payments"] - b["charges"] - b["adjustments"]
    return [] if expected == b["closing"] else [f"window {doc['balance']} does not add up to its closing balance"]


def check_invoices(ledger: LinkLedger, name: str, last_day: date) -> None:
    acct = ledger.account(name)
    for period in months(acct.opened_at.date(), last_day):
        doc = queries.invoice(ledger, name, period)
        assert invoice_sums_add_up(doc) == [], f"{name} {period} ({doc.get('status')}): {invoice_sums_add_up(doc)}"
    for e in ledger.events_of(acct.id):
        if isinstance(e, Account.InvoiceIssued):
            problems = invoice_sums_add_up(e.document) + issued_balance_adds_up(e.document)
            assert problems == [], f"{e.number}: {problems}"


def check_lifecycles(ledger: LinkLedger, name: str) -> None:
    for ref in ledger.account(name).resources:
        history = ledger.resource(ref.name).history
        bad = bad_transitions(ref.kind, history)
        assert bad == [], f"{ref.kind} {ref.name}: transitions its lifecycle does not allow: {bad}"


def check_audit(ledger: LinkLedger, name: str) -> None:
    """Every issued invoice, recomputed from a replay of the log at its cut-off, is byte-identical."""
    failed = [(a.number, a.differences) for a in audit_account(ledger, ledger.account(name).id) if not a.passed]
    assert failed == [], f"{name}: issued invoices differ from their replay: {failed}"


def catch_up(ledger: LinkLedger, store: ViewStore, page_size: int = 1000) -> None:
    log = EventLog(ledger)
    try:
        with ProjectionRunner(log, store, PROJECTIONS.values(), page_size=page_size) as runner:
            report = runner.catch_up()
    finally:
        log.close()
    assert report.failures == [], report.failures


def view_contents(store: ViewStore) -> dict[str, dict[str, dict[str, str]]]:
    """Every key of every projection's active build, with its fields."""
    out = {}
    for name in PROJECTIONS:
        active = store.active(name)
        assert active is not None, f"the {name} view has no active build"
        build = Build(name, active)
        out[name] = {key: store.hgetall(build, key) for key in sorted(store.keys(build))}
    return out


def check_views_rebuild_equal(ledger: LinkLedger, live: ViewStore, fresh: ViewStore) -> None:
    """The views kept up incrementally during the run equal views projected from zero."""
    catch_up(ledger, live)
    catch_up(ledger, fresh)
    assert view_contents(live) == view_contents(fresh)


def check_views_match_the_log(ledger: LinkLedger, live: ViewStore, name: str) -> None:
    views = Views(live)
    assert to_json(views.balance(name)) == to_json(queries.balance(ledger, name))
    for ref in ledger.account(name).resources:
        assert to_json(views.timeline(ref.name)) == to_json(queries.timeline(ledger, ref.name))
