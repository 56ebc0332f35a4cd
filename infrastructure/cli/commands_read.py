"""The read commands: `invoice`, `timeline`, `balance`, `notices`, `rules` and `audit`.
They read the views (the default) or fold the event log (`--from-log`, `--as-at`), and
never make a store, a views file or a folder: a missing one is refused."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from linkledger.domain.errors import LedgerError
from linkledger.infrastructure.cli.exits import EXIT_DIFFERS
from linkledger.infrastructure.cli.progress import Progress
from linkledger.infrastructure.cli.rendering import (
    audit_json,
    audit_line,
    audit_summary,
    balance_text,
    json_out,
    notices_text,
    out,
    rules_text,
)
from linkledger.infrastructure.cli.stores import latest, open_reader, reading
from linkledger.infrastructure.settings import Settings

if TYPE_CHECKING:
    from linkledger.infrastructure.ledger import LinkLedger
    from linkledger.infrastructure.view_queries import Views

T = TypeVar("T")


class AuditUsageError(LedgerError):
    rule = "audit"


def query(
    args: argparse.Namespace, projection: str, from_log: Callable[[LinkLedger], T], from_view: Callable[[Views], T]
) -> T:
    """One read, from the view (the default) or, with --from-log, folded from the event log."""
    if args.from_log:
        with open_reader(args.store) as ledger:
            return from_log(ledger)
    with reading(args, [projection]) as views:
        return from_view(views)


def month_closes_at(ledger: LinkLedger, vendor: str, period: str) -> datetime:
    """When the deduction for the month's last day falls due (by the policy in force then)."""
    from linkledger.domain.billing_day import deduction_time, month_bounds
    from linkledger.domain.due_rules import deduction_time_of

    _, last = month_bounds(period)
    try:
        return deduction_time_of(vendor, last, ledger.current_rules())
    except LedgerError:  # no policy held: the month is over when its last day is
        return deduction_time(last, 0)


@dataclass
class InvoiceRead:
    doc: dict[str, Any]
    clock: datetime | None
    explain: Any = None
    mark: datetime | None = None
    closes_at: datetime | None = None


def invoice_from_log(args: argparse.Namespace) -> InvoiceRead:
    from linkledger.infrastructure.history import AccountHistory

    with open_reader(args.store) as ledger:
        history = AccountHistory(ledger, args.account, args.as_at)
        doc = history.invoice(args.period)
        return InvoiceRead(
            doc,
            history.clock,
            explain=history.explain(args.period) if args.explain else None,
            mark=None if args.as_at else ledger.watermark(),
            closes_at=month_closes_at(ledger, doc.get("vendor", ""), args.period),
        )


def invoice_from_view(args: argparse.Namespace) -> InvoiceRead:
    with reading(args, ["invoices"]) as views:
        return InvoiceRead(views.invoice(args.account, args.period), views.account_clock(args.account))


def empty_month_note(args: argparse.Namespace, read: InvoiceRead) -> str | None:
    """Why a month not issued has no lines yet: not billed so far, or no charges."""
    from linkledger.projections.invoices import empty_month_note as note

    doc = read.doc
    if doc["lines"] or doc.get("status") == "issued":
        return None
    if read.closes_at is None:
        with open_reader(args.store) as ledger:
            read.mark = ledger.watermark()
            read.closes_at = month_closes_at(ledger, doc.get("vendor", ""), args.period)
    return note(args.period, latest(read.clock, read.mark), read.closes_at)


def cmd_invoice(args: argparse.Namespace, settings: Settings) -> int:
    from linkledger.projections.invoices import render_invoice_text

    read = invoice_from_log(args) if args.as_at or args.explain or args.from_log else invoice_from_view(args)
    doc = read.doc
    if doc.get("status") == "provisional" and read.clock is not None:
        doc["as_of"] = read.clock
    note = empty_month_note(args, read)
    if args.json:
        json_out({**doc, "explain": read.explain} if read.explain is not None else doc)
    else:
        out(render_invoice_text(doc, note, read.explain))
    return 0


def cmd_timeline(args: argparse.Namespace, settings: Settings) -> int:
    from linkledger.projections.timelines import render_timeline_text

    def from_log(ledger: LinkLedger) -> dict[str, Any]:
        from linkledger.infrastructure.history import resource_as_at

        return resource_as_at(ledger, args.resource, args.as_at)

    args.from_log = args.from_log or args.as_at is not None
    doc = query(args, "timelines", from_log, lambda views: views.timeline(args.resource))
    if args.json:
        json_out(doc)
    else:
        out(render_timeline_text(doc))
    return 0


def cmd_notices(args: argparse.Namespace, settings: Settings) -> int:
    with reading(args, ["notices"]) as views:
        doc = views.notices(args.account)
    if args.json:
        json_out(doc)
    else:
        notices_text(doc)
    return 0


def cmd_balance(args: argparse.Namespace, settings: Settings) -> int:
    def from_log(ledger: LinkLedger) -> tuple[dict[str, Any], dict[str, str]]:
        from linkledger.infrastructure.history import AccountHistory

        return AccountHistory(ledger, args.account, args.as_at).balance(), {}

    def from_view(views: Views) -> tuple[dict[str, Any], dict[str, str]]:
        return views.balance(args.account), views.balance_days(args.account) if args.days else {}

    args.from_log = args.from_log or args.as_at is not None
    doc, days = query(args, "balances", from_log, from_view)
    if args.json:
        json_out({**doc, "days": days} if args.days else doc)
    else:
        balance_text(doc, days)
    return 0


def cmd_rules(args: argparse.Namespace, settings: Settings) -> int:
    with open_reader(args.store) as ledger:
        library = ledger.rule_library()
        rows = library.describe() if library else []
    if args.json:
        json_out(rows)
    else:
        rules_text(rows)
    return 0


def audit_all(ledger: LinkLedger, quiet: bool) -> list[Any]:
    from linkledger.infrastructure.history import audit_account

    rows = ledger.recorder.invoices()
    results: list[Any] = []
    with Progress("invoices audited", quiet=quiet) as audited:
        for aid in dict.fromkeys(r.account_id for r in rows):
            results += audit_account(ledger, aid, progress=lambda _: audited(len(rows)))
    return results


def cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    from linkledger.infrastructure.history import audit_invoice

    if bool(args.number) == bool(args.all):
        raise AuditUsageError("give one invoice number, or --all")
    with open_reader(args.store) as ledger:
        results = [audit_invoice(ledger, args.number)] if args.number else audit_all(ledger, args.json)
    failed = [r for r in results if not r.passed]
    if args.json:
        audit_json(results)
        return EXIT_DIFFERS if failed else 0
    for r in results if args.number else failed:
        audit_line(r)
    if args.all:
        audit_summary(results, failed)
    return EXIT_DIFFERS if failed else 0
