"""The invoice view: per account and month, every charge line and the running total.

Keys (all under the view's namespace):
  account:<account_id>           name, vendor, currency; memo:<resource> per physical connection
  invoice:<account_id>:<YYYY-MM>  line:<nid>:<i> one charge line each (JSON); total (decimal string)

Lines are kept as charged, one per event line; `invoice_document` merges
consecutive days into the lines a customer reads, exactly as the log fold does.
Adjustments from price corrections join this view when corrections exist (step 4).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from domain.account import Account
from domain.billing_day import month_bounds
from domain.physical_connection import PhysicalConnection
from projections.invoices import assemble, memo_of
from projections.projection import Projection, ViewBatch, dumps, loads
from projections.records import Record

OPENED = Account.Opened.TOPIC
CHARGED = Account.Charged.TOPIC
APPLIED = PhysicalConnection.Applied.TOPIC


def account_key(account_id: str) -> str:
    return f"account:{account_id}"


def invoice_key(account_id: str, period: str) -> str:
    return f"invoice:{account_id}:{period}"


class InvoiceProjection(Projection):
    name = "invoices"
    version = 1
    topics = frozenset({OPENED, CHARGED, APPLIED})
    description = "per account and month: charge lines and total"

    def apply(self, record: Record, view: ViewBatch) -> None:
        data = record.data
        topic = record.topic
        if topic == CHARGED:
            charged_on = data["at"][:10]
            reason = data["reason"]
            totals: dict[str, Decimal] = {}
            for i, line in enumerate(data["lines"]):
                start = line["period_start"]
                period = (start if reason == "daily" else charged_on)[:7]
                key = invoice_key(record.originator_id, period)
                entry = {
                    "reason": reason,
                    "resource": line["resource"],
                    "kind": line["kind"],
                    "item": line["item"],
                    "from": start,
                    "to": line["period_end"],
                    "quantity": line["quantity"],
                    "unit": line["unit"],
                    "unit_price": line["unit_price"],
                    "amount": line["amount"],
                    "price_ref": line["price_ref"],
                    "basis": line["basis"],
                    "charged_on": charged_on,
                }
                view.set(key, f"line:{record.nid:012d}:{i:03d}", dumps(entry))
                totals[key] = totals.get(key, Decimal(0)) + Decimal(line["amount"])
            for key, amount in totals.items():
                view.set(key, "total", str(Decimal(view.get(key, "total") or "0") + amount))
        elif topic == OPENED:
            key = account_key(record.originator_id)
            view.set(key, "name", data["name"])
            view.set(key, "vendor", data["vendor"])
            view.set(key, "currency", data["currency"])
        elif topic == APPLIED:
            ll = data["leased_line"]
            memo = {
                "applied_on": data["at"][:10],
                "operator": ll["operator"],
                "monthly_rent": ll["monthly_rent"],
                "currency": ll["currency"],
            }
            view.set(account_key(data["account_id"]), f"memo:{data['name']}", dumps(memo))


def _entry(text: str) -> dict[str, Any]:
    e = loads(text)
    for f in ("from", "to", "charged_on"):
        e[f] = date.fromisoformat(e[f])
    for f in ("quantity", "unit_price", "amount"):
        e[f] = Decimal(e[f])
    return e


def invoice_document(account: dict[str, str], invoice: dict[str, str], period: str) -> dict[str, Any]:
    """The invoice as the log fold (`projections.invoices.build_invoice`) gives it."""
    _, last = month_bounds(period)
    header = {"account": account["name"], "currency": account["currency"], "vendor": account["vendor"]} if account else {}
    entries = [_entry(invoice[f]) for f in sorted(invoice) if f.startswith("line:")]
    memos = []
    for field in sorted(account):
        if field.startswith("memo:"):
            m = loads(account[field])
            if date.fromisoformat(m["applied_on"]) <= last:
                rent = Decimal(m["monthly_rent"]) if m["monthly_rent"] is not None else None
                memos.append(memo_of(field[5:], m["operator"], rent, m["currency"]))
    total = Decimal(invoice["total"]) if "total" in invoice else Decimal(0)
    return assemble(header, period, entries, memos, total)
