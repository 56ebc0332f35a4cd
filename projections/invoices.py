"""An invoice's text form, and what an empty month means. The rules of an invoice (which
month a line belongs to, merging days, line ids, the issued document) are in
`domain.invoice`; a month is read from the invoice view or replayed from the log
(`infrastructure.history`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any


def empty_month_note(period: str, settled_to: datetime | None, closes_at: datetime) -> str:
    """What an invoice with no lines means: the ledger has not yet run the deduction for the
    month's last day for this account (`closes_at`: not yet billed), or it has and nothing
    was charged."""
    if settled_to is None or settled_to < closes_at:
        through = settled_to.isoformat() if settled_to else "-"
        return (
            f"not yet billed: the ledger is settled up to {through} for this account; {period} is billed "
            f"by the deduction at {closes_at.isoformat()}"
        )
    return f"no charges in {period}"


def _status(invoice: dict[str, Any]) -> str:
    if invoice.get("status") == "issued":
        return f"  issued {invoice['number']} at {invoice['issued_at']}"
    as_of = invoice.get("as_of")
    return f"  provisional, as of {_text(as_of)}" if as_of else "  provisional"


def _text(value: Any) -> str:
    return value.isoformat().replace("+00:00", "Z") if isinstance(value, datetime) else str(value)


def _signed(amount: Any) -> str:
    text = str(amount)
    return text if text.startswith("-") else f"+{text}"


def render_invoice_text(
    invoice: dict[str, Any], empty_note: str | None = None, explain: dict[str, Any] | None = None
) -> str:
    rows = [
        f"Invoice {invoice.get('account', '?')} {invoice['period']} ({invoice.get('currency', '')})" + _status(invoice)
    ]
    for line in invoice["lines"]:
        span = f"{line['from']}..{line['to']}"
        rows.append(
            f"  {line.get('line_id', ''):<4} {line['resource']:<12} {line['item']:<22} {span:<23} {line['quantity']:>4}"
            f" {line['unit']:<5} x {line['unit_price']:>8} = {line['amount']:>10}   [{line['price_ref']}]"
        )
        rows.append(f"  {'':<4} {'':<12} {line['basis']}")
        if explain is not None and line.get("line_id") in explain:
            rows += explain_rows(explain[line["line_id"]])
    for memo in invoice["memos"]:
        rent = (
            f"{memo['monthly_rent']} {memo['currency']}/month"
            if memo["monthly_rent"] is not None
            else "amount not given"
        )
        rows.append(f"  memo: {memo['resource']} leased line rent {rent}, charged by {memo['charged_by']}, not by us")
    if not invoice["lines"]:
        rows.append(f"  {empty_note or 'no charges in ' + invoice['period']}")
    rows.append(f"  {'TOTAL':<12} {invoice['total']} {invoice.get('currency', '')}")
    adjustments = invoice.get("adjustments") or []
    if adjustments:
        rows.append("  adjustments (price corrections of charges already made):")
        for a in adjustments:
            original = f"{a['invoice']} {a['line_id']}" if a["invoice"] else f"{a['period']} (not yet issued)"
            rows.append(
                f"    {original}: {a['resource']} {a['item']} {a['from_day']}..{a['to_day']} "
                f"{a['old_amount']} -> {a['new_amount']} ({_signed(a['difference'])}) "
                f"[correction {a['correction']}]"
            )
        rows.append(f"  {'ADJUSTMENTS':<12} {_signed(invoice['adjustments_total'])} {invoice.get('currency', '')}")
    balance = invoice.get("balance")
    if balance:
        rows.append(
            f"  balance: opening {balance['opening']}, top-ups +{balance['credits']}, payments "
            f"+{balance['payments']}, charges -{balance['charges']}, adjustments "
            f"{_signed(-Decimal(balance['adjustments']))}, closing {balance['closing']}"
        )
    if invoice.get("rules"):
        rows.append(
            f"  rules: price books {', '.join(invoice['rules']['price_books']) or '-'}; "
            f"policies {', '.join(invoice['rules']['policies']) or '-'}"
        )
    return "\n".join(rows) + "\n"


def explain_rows(why: dict[str, Any]) -> list[str]:
    """One invoice line's explanation: the charge events behind it, its price, its policy."""
    charges = why["charges"]
    rows = [f"         why: {len(charges)} charge(s) recorded as events:"]
    for c in charges:
        rows.append(
            f"           nid {c['nid']}  {c['aggregate']} v{c['version']} line {c['line_index']}  "
            f"at {c['at']}  {c['amount']}"
        )
    price = why["price"]
    rows.append(f"         price: {price['entry']} = {price['unit_price']} per {price['per']} from {price['book']}")
    rows.append(f"         policy: {', '.join(why['policies']) or '-'}")
    return rows
