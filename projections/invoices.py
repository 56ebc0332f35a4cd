"""Invoices: an account's charges for a calendar month, explained line by line.

Daily charges belong to the month of the day they pay for (a 31 Jan charge is
deducted on 1 Feb but is January's); subscriptions, renewals and setup fees belong
to the month they were charged in. Consecutive days of the same resource, item,
unit price, price book and basis are merged into one line.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from domain.account import Account
from domain.billing_day import ONE_DAY, day_of, month_bounds
from domain.money import round_line_amount
from domain.charges import ChargeLine
from domain.physical_connection import PhysicalConnection


def line_period(reason: str, period_start: date, charged_on: date) -> str:
    """The invoice month a charge line belongs to."""
    on = period_start if reason == "daily" else charged_on
    return f"{on.year:04d}-{on.month:02d}"


def entry_of(reason: str, line: ChargeLine, charged_on: date) -> dict[str, Any]:
    """One charge line as an invoice entry, before consecutive days are merged."""
    return {
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


def memo_of(resource: str, operator: str, monthly_rent: Decimal | None, currency: str | None) -> dict[str, Any]:
    return {
        "resource": resource,
        "item": "leased_line_rent",
        "charged_by": operator,
        "monthly_rent": monthly_rent,
        "currency": currency,
        "note": "rental fee charged by the telecommunications operator; recorded, not charged here",
    }


def assemble(account: dict[str, Any], period: str, lines: list[dict[str, Any]],
             memos: list[dict[str, Any]], total: Decimal | None = None) -> dict[str, Any]:
    """The invoice document, the same whether folded from the log or read from a view."""
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


def build_invoice(events: Iterable[Any], period: str) -> dict[str, Any]:
    """Fold an account's events (and its physical connections') into one month's invoice."""
    _, last = month_bounds(period)
    account: dict[str, Any] = {}
    entries: list[dict[str, Any]] = []
    memos: list[dict[str, Any]] = []
    for e in events:
        if isinstance(e, Account.Opened):
            account = {"account": e.name, "currency": e.currency, "vendor": e.vendor}
        elif isinstance(e, Account.Charged):
            charged_on = day_of(e.at)
            for line in e.lines:
                if line_period(e.reason, line.period_start, charged_on) == period:
                    entries.append(entry_of(e.reason, line, charged_on))
        elif isinstance(e, PhysicalConnection.Applied) and day_of(e.at) <= last:
            ll = e.leased_line
            memos.append(memo_of(e.name, ll.operator, ll.monthly_rent, ll.currency))
    return assemble(account, period, merge_entries(entries), memos)


def continues(tail: dict[str, Any], entry: dict[str, Any]) -> bool:
    """Does a daily entry extend the last daily line of its resource and item? Only if it
    is the next day at the same unit price, from the same price book, on the same basis."""
    return (
        entry["reason"] == "daily"
        and tail["unit_price"] == entry["unit_price"]
        and tail["price_ref"] == entry["price_ref"]
        and tail["basis"] == entry["basis"]
        and tail["to"] + ONE_DAY == entry["from"]
    )


def merge_entries(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Merge, in charge order, each daily entry into the last daily line of the same
    resource and item when it continues it; every other entry is a line of its own.
    The invoice view does the same step by step (`projections.invoice_view`)."""
    out: list[dict[str, Any]] = []
    tails: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in entries:
        group = (entry["resource"], entry["item"])
        tail = tails.get(group)
        if tail is not None and continues(tail, entry):
            tail["to"] = entry["to"]
            tail["quantity"] += entry["quantity"]
            tail["amount"] += entry["amount"]
            continue
        line = dict(entry)
        out.append(line)
        if entry["reason"] == "daily":
            tails[group] = line
    return out


def order_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Invoice order: by resource, item and first day; daily lines do not show a charge date."""
    ordered = sorted(lines, key=lambda p: (p["resource"], p["item"], p["from"], p["price_ref"], p["basis"],
                                           p["reason"]))
    out = []
    for line in ordered:
        if line["reason"] == "daily":
            line = {k: v for k, v in line.items() if k != "charged_on"}
        out.append(line)
    return out


def empty_month_note(period: str, settled_to: datetime | None, closes_at: datetime) -> str:
    """What an invoice with no lines means: the ledger has not yet run the deduction for the
    month's last day for this account (`closes_at`: not yet billed), or it has and nothing
    was charged."""
    if settled_to is None or settled_to < closes_at:
        through = settled_to.isoformat() if settled_to else "-"
        return (f"not yet billed: the ledger is settled up to {through} for this account; {period} is billed "
                f"by the deduction at {closes_at.isoformat()}")
    return f"no charges in {period}"


def render_invoice_text(invoice: dict[str, Any], empty_note: str | None = None) -> str:
    rows = [f"Invoice {invoice.get('account', '?')} {invoice['period']} ({invoice.get('currency', '')})"]
    for line in invoice["lines"]:
        span = f"{line['from']}..{line['to']}"
        rows.append(
            f"  {line['resource']:<12} {line['item']:<22} {span:<23} {line['quantity']:>4} {line['unit']:<5}"
            f" x {line['unit_price']:>8} = {line['amount']:>10}   [{line['price_ref']}]"
        )
        rows.append(f"  {'':<12} {line['basis']}")
    for memo in invoice["memos"]:
        rent = f"{memo['monthly_rent']} {memo['currency']}/month" if memo["monthly_rent"] is not None else "amount not given"
        rows.append(f"  memo: {memo['resource']} leased line rent {rent}, charged by {memo['charged_by']}, not by us")
    if not invoice["lines"]:
        rows.append(f"  {empty_note or 'no charges in ' + invoice['period']}")
    rows.append(f"  {'TOTAL':<12} {invoice['total']} {invoice.get('currency', '')}")
    return "\n".join(rows) + "\n"
