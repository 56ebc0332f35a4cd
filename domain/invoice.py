"""The invoice: an account's charges for a calendar month, line by line.

Daily charges belong to the month of the day they pay for (a 31 Jan charge is
deducted on 1 Feb but is January's); subscriptions, renewals and setup fees belong
to the month they were charged in. A charge for a month already issued goes on the
next invoice not yet issued. Consecutive days of the same resource, item, unit
price, price book and basis are merged into one line.

The account drafts the months not yet issued as its charges are recorded
(`Draft`); closing a month issues its invoice (`issue_document`), which is then
frozen: nothing recorded later changes it. Lines carry stable ids (`L001`, ... in
invoice order) and, beside the document, the charge lines behind each (`v:i`: the
account's event version and the line's index in it).

These functions are the one implementation of each rule: the invoice view
(`projections.invoice_view`) calls them on the same events as records.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from linkledger.domain.billing_day import ONE_DAY, month_bounds, month_key
from linkledger.domain.charges import ChargeLine
from linkledger.domain.documents import plain
from linkledger.domain.money import round_line_amount


def line_period(reason: str, period_start: date, charged_on: date) -> str:
    """The invoice month a charge line belongs to (before issued months are considered)."""
    return month_key(period_start if reason == "daily" else charged_on)


@lru_cache(maxsize=4096)
def next_period(period: str) -> str:
    _, last = month_bounds(period)
    return month_key(last + ONE_DAY)


def open_period_of(issued_through: str | None, opened_on: date) -> str:
    """The first month not yet issued: the one after the last issued, else the month the
    account opened in."""
    return next_period(issued_through) if issued_through else month_key(opened_on)


def invoice_period(reason: str, period_start: date, charged_on: date, issued_through: str | None) -> str:
    """The invoice a charge line goes on: its month (`line_period`), or, when that month is
    already issued, the first month not yet issued (the one after `issued_through`)."""
    period = line_period(reason, period_start, charged_on)
    return next_period(issued_through) if issued_through is not None and period <= issued_through else period


def memo_shown(applied_on: date, period: str) -> bool:
    """A leased-line memo is on every invoice from the month its physical connection was
    applied for."""
    _, last = month_bounds(period)
    return applied_on <= last


def entry_of(reason: str, line: ChargeLine, charged_on: date, source: str | None = None) -> dict[str, Any]:
    """One charge line as an invoice entry, before consecutive days are merged."""
    entry = {
        "reason": reason,
        "resource": line.resource,
        "kind": line.kind,
        "item": line.item,
        "from": line.period_start,
        "to": line.period_end,
        "quantity": line.quantity,
        "unit": line.unit,
        "unit_price": line.unit_price,
        "amount": line.amount,
        "price_ref": line.price_ref,
        "basis": line.basis,
        "charged_on": charged_on,
    }
    if source is not None:
        entry["sources"] = [source]
    return entry


def extends(tail: dict[str, Any], reason: str, unit_price: Decimal, price_ref: str, basis: str, start: date) -> bool:
    """The merge rule: does a daily charge line extend `tail`, the last daily line of its
    resource and item? Only if it is the next day at the same unit price, from the same price
    book, on the same basis."""
    return (
        reason == "daily"
        and tail["unit_price"] == unit_price
        and tail["price_ref"] == price_ref
        and tail["basis"] == basis
        and tail["to"] + ONE_DAY == start
    )


def draft_charge(
    drafts: dict[str, list[dict[str, Any]]],
    draft_tails: dict[str, dict[tuple[str, str], int]],
    issued_through: str | None,
    reason: str,
    lines: list[ChargeLine],
    charged_on: date,
    version: int,
) -> None:
    """Add one charge's lines to the drafts of their months: a day that `extends` its tail is
    merged into it in place, any other line is a line of its own; a line of a month already
    issued goes to the first month not yet issued. `drafts`: month -> lines; `draft_tails`: month -> tails."""
    last_start = None
    rows: list[dict[str, Any]] = []
    tails: dict[tuple[str, str], int] = {}
    for i, line in enumerate(lines):
        if line.period_start != last_start:  # a daily charge's lines share their day: look the month up once
            period = invoice_period(reason, line.period_start, charged_on, issued_through)
            rows, tails = drafts.setdefault(period, []), draft_tails.setdefault(period, {})
            last_start = line.period_start
        source = f"{version}:{i}"
        if reason == "daily":
            at = tails.get((line.resource, line.item))
            if at is not None:
                tail = rows[at]
                if extends(tail, reason, line.unit_price, line.price_ref, line.basis, line.period_start):
                    extend_line(tail, line.period_end, line.quantity, line.amount, [source])
                    continue
        rows.append(entry_of(reason, line, charged_on, source))
        if reason == "daily":
            tails[(line.resource, line.item)] = len(rows) - 1


def extend_line(
    tail: dict[str, Any], to: date, quantity: Decimal, amount: Decimal, sources: list[str] | None = None
) -> None:
    """One more day on a line (a copy made when it was appended: extended in place); the
    invoice view extends its stored line with it too."""
    tail["to"] = to
    tail["quantity"] += quantity
    tail["amount"] += amount
    if sources:
        tail["sources"].extend(sources)


def line_order(line: dict[str, Any]) -> tuple[Any, ...]:
    return (line["resource"], line["item"], str(line["from"]), line["price_ref"], line["basis"], line["reason"])


def order_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Invoice order: by resource, item and first day; each line gets its id (`L001`, ...);
    daily lines do not show a charge date; the charges behind a line are not part of it."""
    out = []
    for n, line in enumerate(sorted(lines, key=line_order), start=1):
        drop = ("sources", "charged_on") if line["reason"] == "daily" else ("sources",)
        out.append({"line_id": f"L{n:03d}", **{k: v for k, v in line.items() if k not in drop}})
    return out


def line_sources(lines: list[dict[str, Any]]) -> dict[str, list[str]]:
    """{line id: the charge lines behind it}, in invoice order (as `order_lines` numbers them)."""
    return {f"L{n:03d}": list(line.get("sources", [])) for n, line in enumerate(sorted(lines, key=line_order), start=1)}


def memo_of(resource: str, operator: str, monthly_rent: Decimal | None, currency: str | None) -> dict[str, Any]:
    return {
        "resource": resource,
        "item": "leased_line_rent",
        "charged_by": operator,
        "monthly_rent": monthly_rent,
        "currency": currency,
        "note": "rental fee charged by the telecommunications operator; recorded, not charged here",
    }


def assemble(
    account: dict[str, Any],
    period: str,
    lines: list[dict[str, Any]],
    memos: list[dict[str, Any]],
    total: Decimal | None = None,
) -> dict[str, Any]:
    """The invoice's lines, total and memos, the same whether folded from the log, read from
    a view or issued."""
    lines = order_lines(lines)
    computed = sum((Decimal(line["amount"]) for line in lines), Decimal(0))
    total = computed if total is None else total
    if not lines and "currency" in account:  # an empty month shows the currency's minor units: 0.00
        total = round_line_amount(total, account["currency"])
    return {
        **account,
        "period": period,
        "lines": lines,
        "total": total,
        "memos": sorted(memos, key=lambda m: m["resource"]),
    }


def provisional_document(
    header: dict[str, Any],
    period: str,
    lines: list[dict[str, Any]],
    memos: list[dict[str, Any]],
    adjustments: list[dict[str, Any]],
    total: Decimal | None = None,
) -> dict[str, Any]:
    """A month not yet issued, as it stands: its lines so far and the adjustments recorded
    since the last invoice was issued (they go on the next one)."""
    doc = assemble(header, period, lines, memos, total)
    adjustments_total = sum((Decimal(a["difference"]) for a in adjustments), Decimal(0))
    doc["status"] = "provisional"
    doc["adjustments"] = sorted(adjustments, key=adjustment_order)
    doc["adjustments_total"] = round_line_amount(adjustments_total, header["currency"]) if header else adjustments_total
    return doc


def adjustment_order(a: dict[str, Any]) -> tuple[str, ...]:
    return (
        str(a["correction"]),
        str(a["period"]),
        str(a["invoice"] or ""),
        str(a["line_id"] or ""),
        str(a["resource"]),
        str(a["item"]),
        str(a["from_day"]),
    )


def invoice_number(prefix: str, account: str, sequence: int) -> str:
    """`INV-ACME-000001`: per account, gapless (the account's n-th issued invoice)."""
    return f"{prefix}-{account}-{sequence:06d}"


def issue_document(
    *,
    header: dict[str, Any],
    period: str,
    draft: list[dict[str, Any]],
    memos: list[dict[str, Any]],
    adjustments: list[dict[str, Any]],
    balance: dict[str, Decimal],
    number: str,
    at: datetime,
    price_books: list[str],
    policies: list[str],
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The issued invoice as JSON values, and the charge lines behind each of its lines."""
    doc = assemble(header, period, draft, memos)
    adjustments_total = sum((Decimal(a["difference"]) for a in adjustments), Decimal(0))
    doc.update(
        {
            "status": "issued",
            "number": number,
            "issued_at": at,
            "cutoff": at,
            "adjustments": sorted(adjustments, key=adjustment_order),
            "adjustments_total": round_line_amount(adjustments_total, header["currency"]),
            "balance": {k: round_line_amount(v, header["currency"]) for k, v in balance.items()},
            "rules": {"price_books": price_books, "policies": policies},
        }
    )
    return plain(doc), line_sources(draft)
