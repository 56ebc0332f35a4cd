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


def _line_month_day(reason: str, line: ChargeLine, charged_on: date) -> date:
    return line.period_start if reason == "daily" else charged_on


def build_invoice(events: Iterable[Any], period: str) -> dict[str, Any]:
    first, last = month_bounds(period)
    account: dict[str, Any] = {}
    picked: list[tuple[str, ChargeLine, date]] = []
    memos: list[dict[str, Any]] = []
    for e in events:
        if isinstance(e, Account.Opened):
            account = {"account": e.name, "currency": e.currency, "vendor": e.vendor}
        elif isinstance(e, Account.Charged):
            for line in e.lines:
                on = _line_month_day(e.reason, line, day_of(e.at))
                if first <= on <= last:
                    picked.append((e.reason, line, day_of(e.at)))
        elif isinstance(e, PhysicalConnection.Applied) and day_of(e.at) <= last:
            ll = e.leased_line
            memos.append(
                {
                    "resource": e.name,
                    "item": "leased_line_rent",
                    "charged_by": ll.operator,
                    "monthly_rent": ll.monthly_rent,
                    "currency": ll.currency,
                    "note": "rental fee charged by the telecommunications operator; recorded, not charged here",
                }
            )
    lines = _merge(picked)
    total = sum((Decimal(line["amount"]) for line in lines), Decimal(0))
    return {
        **account,
        "period": period,
        "lines": lines,
        "total": total,
        "memos": sorted(memos, key=lambda m: m["resource"]),
    }


def _merge(picked: list[tuple[str, ChargeLine, date]]) -> list[dict[str, Any]]:
    ordered = sorted(
        picked, key=lambda p: (p[1].resource, p[1].item, p[1].period_start, p[1].price_ref, p[1].basis, p[0])
    )
    out: list[dict[str, Any]] = []
    for reason, line, charged_on in ordered:
        prev = out[-1] if out else None
        if (
            prev is not None
            and reason == "daily"
            and prev["reason"] == "daily"
            and prev["resource"] == line.resource
            and prev["item"] == line.item
            and prev["unit_price"] == line.unit_price
            and prev["price_ref"] == line.price_ref
            and prev["basis"] == line.basis
            and prev["to"] + ONE_DAY == line.period_start
        ):
            prev["to"] = line.period_end
            prev["quantity"] += line.quantity
            prev["amount"] += line.amount
            continue
        out.append(
            {
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
        )
    for line in out:
        if line["reason"] != "daily":
            continue
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
