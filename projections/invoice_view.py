"""The invoice view: per account and month, every charge line and the running total.

Keys (all under the view's namespace):
  account:<account_id>            name, vendor, currency; memo:<resource> per physical connection;
                                   open: the first month not yet issued
  invoice:<account_id>:<YYYY-MM>   line:<id> one invoice line each (JSON, what does not change),
                                   with run:<id> = "<to>|<quantity>|<amount>" (what grows as days
                                   are added); <id> is <nid>:<i> of the charge that opened it;
                                   tail:<resource>/<item> the daily line the next day may extend
                                   (id, unit price, price book, basis); total (decimal string);
                                   issued: the issued document, once the month is issued (then
                                   it is what readers get, unchanged by later events);
                                   adjustment:<nid>:<i>: an adjustment recorded while this month
                                   was the first not yet issued

Lines are the lines a customer reads: a daily charge extends the last daily line of its
resource and item when it is the next day at the same price, price book and basis
(`domain.invoice.continues`, the rule the account's draft uses). A charge for a month
already issued goes on the first month not yet issued, as in the draft.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from linkledger.domain.account import Account
from linkledger.domain.billing_day import ONE_DAY, month_bounds
from linkledger.domain.invoice import memo_of, next_period, provisional_document
from linkledger.domain.physical_connection import PhysicalConnection
from linkledger.projections.projection import Projection, ViewBatch, dumps, loads
from linkledger.projections.records import Record

OPENED = Account.Opened.TOPIC
CHARGED = Account.Charged.TOPIC
APPLIED = PhysicalConnection.Applied.TOPIC
ISSUED = Account.InvoiceIssued.TOPIC
ADJUSTED = Account.PricesAdjusted.TOPIC


def account_key(account_id: str) -> str:
    return f"account:{account_id}"


def invoice_key(account_id: str, period: str) -> str:
    return f"invoice:{account_id}:{period}"


class InvoiceProjection(Projection):
    name = "invoices"
    version = 2
    topics = frozenset({OPENED, CHARGED, APPLIED, ISSUED, ADJUSTED})
    description = "per account and month: charge lines, total, adjustments; issued invoices as issued"

    def apply(self, record: Record, view: ViewBatch) -> None:
        data = record.data
        topic = record.topic
        if topic == CHARGED:
            charged_on = data["at"][:10]
            reason = data["reason"]
            totals: dict[str, Decimal] = {}
            open_period = view.get(account_key(record.originator_id), "open") or ""
            for i, line in enumerate(data["lines"]):
                start = line["period_start"]
                key = invoice_key(
                    record.originator_id, max((start if reason == "daily" else charged_on)[:7], open_period)
                )
                amount = Decimal(line["amount"])
                totals[key] = totals.get(key, Decimal(0)) + amount
                tail_field = tail_value = ""
                if reason == "daily":
                    tail_field = f"tail:{line['resource']}/{line['item']}"
                    tail_value = f"{line['unit_price']}{SEP}{line['price_ref']}{SEP}{line['basis']}"
                    tail = view.get(key, tail_field)
                    if tail is not None:
                        line_id, _, identity = tail.partition(SEP)
                        if identity == tail_value:
                            to, qty, amt = (view.get(key, f"run:{line_id}") or "||").split("|")
                            if next_day(to) == start:
                                qty = str(Decimal(qty) + Decimal(line["quantity"]))
                                view.set(key, f"run:{line_id}", f"{line['period_end']}|{qty}|{Decimal(amt) + amount}")
                                continue
                line_id = f"{record.nid:012d}:{i:03d}"
                fixed = {
                    "reason": reason,
                    "resource": line["resource"],
                    "kind": line["kind"],
                    "item": line["item"],
                    "from": start,
                    "unit": line["unit"],
                    "unit_price": line["unit_price"],
                    "price_ref": line["price_ref"],
                    "basis": line["basis"],
                    "charged_on": charged_on,
                }
                view.set(key, f"line:{line_id}", dumps(fixed))
                view.set(key, f"run:{line_id}", f"{line['period_end']}|{line['quantity']}|{line['amount']}")
                if tail_field:
                    view.set(key, tail_field, f"{line_id}{SEP}{tail_value}")
            for key, amount in totals.items():
                view.set(key, "total", str(Decimal(view.get(key, "total") or "0") + amount))
        elif topic == ISSUED:
            view.set(invoice_key(record.originator_id, data["period"]), "issued", dumps(data["document"]))
            view.set(account_key(record.originator_id), "open", next_period(data["period"]))
        elif topic == ADJUSTED:
            open_period = view.get(account_key(record.originator_id), "open") or data["at"][:7]
            for i, line in enumerate(data["lines"]):
                view.set(
                    invoice_key(record.originator_id, open_period), f"adjustment:{record.nid:012d}:{i:03d}", dumps(line)
                )
        elif topic == OPENED:
            key = account_key(record.originator_id)
            view.set(key, "open", data["at"][:7])
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


SEP = "\x1f"


@lru_cache(maxsize=4096)
def next_day(day: str) -> str:
    return (date.fromisoformat(day) + ONE_DAY).isoformat() if day else ""


def _line(invoice: dict[str, str], line_id: str) -> dict[str, Any]:
    e = loads(invoice[f"line:{line_id}"])
    e["to"], e["quantity"], e["amount"] = invoice[f"run:{line_id}"].split("|")
    for f in ("from", "to", "charged_on"):
        e[f] = date.fromisoformat(e[f])
    for f in ("quantity", "unit_price", "amount"):
        e[f] = Decimal(e[f])
    return e


def invoice_document(account: dict[str, str], invoice: dict[str, str], period: str) -> dict[str, Any]:
    """The invoice as the account's log gives it: as issued, or provisional."""
    if "issued" in invoice:
        return loads(invoice["issued"])  # type: ignore[no-any-return]
    _, last = month_bounds(period)
    header = (
        {"account": account["name"], "currency": account["currency"], "vendor": account["vendor"]} if account else {}
    )
    lines = [_line(invoice, f[len("line:") :]) for f in sorted(invoice) if f.startswith("line:")]
    memos = []
    for field in sorted(account):
        if field.startswith("memo:"):
            m = loads(account[field])
            if date.fromisoformat(m["applied_on"]) <= last:
                rent = Decimal(m["monthly_rent"]) if m["monthly_rent"] is not None else None
                memos.append(memo_of(field[5:], m["operator"], rent, m["currency"]))
    total = Decimal(invoice["total"]) if "total" in invoice else Decimal(0)
    adjustments = [loads(invoice[f]) for f in sorted(invoice) if f.startswith("adjustment:")]
    return provisional_document(header, period, lines, memos, adjustments, total)
