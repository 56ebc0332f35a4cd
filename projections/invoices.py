"""Invoices: an account's charges for a calendar month, explained line by line.

Daily charges belong to the month of the day they pay for (a 31 Jan charge is
deducted on 1 Feb but is January's); subscriptions, renewals and setup fees belong
to the month they were charged in. Consecutive days of the same resource, item,
unit price, price book and basis are merged into one line.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from domain.account import Account
from domain.billing_day import ONE_DAY, day_of, month_bounds
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


def assemble(account: dict[str, Any], period: str, entries: list[dict[str, Any]],
             memos: list[dict[str, Any]], total: Decimal | None = None) -> dict[str, Any]:
    """The invoice document, the same whether folded from the log or read from a view."""
    lines = merge_entries(entries)
    computed = sum((Decimal(line["amount"]) for line in lines), Decimal(0))
    return {
        **account,
        "period": period,
        "lines": lines,
        "total": computed if total is None else total,
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
    return assemble(account, period, entries, memos)


def merge_entries(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ordered = sorted(
        entries, key=lambda p: (p["resource"], p["item"], p["from"], p["price_ref"], p["basis"], p["reason"])
    )
    out: list[dict[str, Any]] = []
    for entry in ordered:
        prev = out[-1] if out else None
        if (
            prev is not None
            and entry["reason"] == "daily"
            and prev["reason"] == "daily"
            and prev["resource"] == entry["resource"]
            and prev["item"] == entry["item"]
            and prev["unit_price"] == entry["unit_price"]
            and prev["price_ref"] == entry["price_ref"]
            and prev["basis"] == entry["basis"]
            and prev["to"] + ONE_DAY == entry["from"]
        ):
            prev["to"] = entry["to"]
            prev["quantity"] += entry["quantity"]
            prev["amount"] += entry["amount"]
            continue
        out.append(dict(entry))
    for line in out:
        if line["reason"] == "daily":
            line.pop("charged_on")
    return out


def render_invoice_text(invoice: dict[str, Any]) -> str:
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
    rows.append(f"  {'TOTAL':<12} {invoice['total']} {invoice.get('currency', '')}")
    return "\n".join(rows) + "\n"
