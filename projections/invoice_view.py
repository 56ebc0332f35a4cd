"""The invoice view: per account and month, every charge line and the running total.

Keys (all under the view's namespace):
  account:<account_id>            name, vendor, currency; memo:<resource> per physical connection;
                                   opened_on: the day the account opened; issued_through: the
                                   last month issued (absent until one is)
  invoice:<account_id>:<YYYY-MM>   line:<id> one invoice line each (JSON, what does not change),
                                   with run:<id> = "<to>|<quantity>|<amount>" (what grows as days
                                   are added); <id> is <nid>:<i> of the charge that opened it;
                                   tail:<resource>/<item> the daily line the next day may extend
                                   (id, unit price, price book, basis); total (decimal string);
                                   issued: the issued document, once the month is issued (then
                                   it is what readers get, unchanged by later events);
                                   adjustment:<nid>:<i>: an adjustment recorded while this month
                                   was the first not yet issued

The rules are the account's own, called from `domain.invoice`, not written again here: the
month a line goes on (`invoice_period`, with `open_period_of` for a month already issued),
whether a daily charge extends the last daily line of its resource and item (`extends`) and
how (`extend_line`), and from which month a leased-line memo shows (`memo_shown`). Days are
the UTC days of the events' times, parsed (`records.day_at`), never cut out of the text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from linkledger.domain.account import Account
from linkledger.domain.invoice import (
    extend_line,
    extends,
    invoice_period,
    memo_of,
    memo_shown,
    open_period_of,
    provisional_document,
)
from linkledger.domain.physical_connection import PhysicalConnection
from linkledger.projections.projection import Projection, ViewBatch, dumps, fold, loads
from linkledger.projections.records import Record, day_at, day_of_text, decimal_of

OPENED = Account.Opened.TOPIC
CHARGED = Account.Charged.TOPIC
APPLIED = PhysicalConnection.Applied.TOPIC
ISSUED = Account.InvoiceIssued.TOPIC
ADJUSTED = Account.PricesAdjusted.TOPIC
SEP = "\x1f"


def account_key(account_id: str) -> str:
    return f"account:{account_id}"


def invoice_key(account_id: str, period: str) -> str:
    return f"invoice:{account_id}:{period}"


class InvoiceProjection(Projection):
    name = "invoices"
    version = 3
    topics = frozenset({OPENED, CHARGED, APPLIED, ISSUED, ADJUSTED})
    description = "per account and month: charge lines, total, adjustments; issued invoices as issued"

    def apply(self, record: Record, view: ViewBatch) -> None:
        HANDLERS[record.topic](record, view)


def _opened(record: Record, view: ViewBatch) -> None:
    data = record.data
    key = account_key(record.originator_id)
    view.set(key, "opened_on", day_at(data["at"]).isoformat())
    for field in ("name", "vendor", "currency"):
        view.set(key, field, data[field])


def _open_period(view: ViewBatch, account_id: str, at: str) -> str:
    """The account's first month not yet issued (as the account knows it: `Account.open_period`)."""
    key = account_key(account_id)
    issued_through = view.get(key, "issued_through")
    opened_on = view.get(key, "opened_on")
    return open_period_of(issued_through, date.fromisoformat(opened_on) if opened_on else day_at(at))


def _charged(record: Record, view: ViewBatch) -> None:
    data = record.data
    aid = record.originator_id
    reason = data["reason"]
    charged_on = day_at(data["at"])
    issued_through = view.get(account_key(aid), "issued_through")
    totals: dict[str, Decimal] = {}
    for i, line in enumerate(data["lines"]):
        start = day_of_text(line["period_start"])
        key = invoice_key(aid, invoice_period(reason, start, charged_on, issued_through))
        amount = Decimal(line["amount"])
        totals[key] = totals.get(key, Decimal(0)) + amount
        if reason == "daily" and _extended(view, key, line, start, amount):
            continue
        _add_line(view, key, f"{record.nid:012d}:{i:03d}", reason, line, charged_on)
    for key, amount in totals.items():
        view.set(key, "total", str(Decimal(view.get(key, "total") or "0") + amount))


def _tail_field(line: dict[str, Any]) -> str:
    return f"tail:{line['resource']}/{line['item']}"


def _extended(view: ViewBatch, key: str, line: dict[str, Any], start: date, amount: Decimal) -> bool:
    """Extend the last daily line of the line's resource and item with it, if the account's
    draft would (`extends`, `extend_line`); False if it starts a line of its own."""
    tail_ref = view.get(key, _tail_field(line))
    if tail_ref is None:
        return False
    line_id, unit_price, price_ref, basis = tail_ref.split(SEP)
    to, quantity, so_far = (view.get(key, f"run:{line_id}") or "||").split("|")
    tail: dict[str, Any] = {
        "unit_price": decimal_of(unit_price),
        "price_ref": price_ref,
        "basis": basis,
        "to": day_of_text(to),
    }
    if not extends(tail, "daily", decimal_of(line["unit_price"]), line["price_ref"], line["basis"], start):
        return False
    tail["quantity"], tail["amount"] = decimal_of(quantity), Decimal(so_far)
    extend_line(tail, day_of_text(line["period_end"]), decimal_of(line["quantity"]), amount)
    view.set(key, f"run:{line_id}", f"{tail['to'].isoformat()}|{tail['quantity']}|{tail['amount']}")
    return True


def _add_line(view: ViewBatch, key: str, line_id: str, reason: str, line: dict[str, Any], charged_on: date) -> None:
    fixed = {
        "reason": reason,
        "resource": line["resource"],
        "kind": line["kind"],
        "item": line["item"],
        "from": line["period_start"],
        "unit": line["unit"],
        "unit_price": line["unit_price"],
        "price_ref": line["price_ref"],
        "basis": line["basis"],
        "charged_on": charged_on.isoformat(),
    }
    view.set(key, f"line:{line_id}", dumps(fixed))
    view.set(key, f"run:{line_id}", f"{line['period_end']}|{line['quantity']}|{line['amount']}")
    if reason == "daily":
        identity = SEP.join((line_id, line["unit_price"], line["price_ref"], line["basis"]))
        view.set(key, _tail_field(line), identity)


def _issued(record: Record, view: ViewBatch) -> None:
    data = record.data
    view.set(invoice_key(record.originator_id, data["period"]), "issued", dumps(data["document"]))
    view.set(account_key(record.originator_id), "issued_through", data["period"])


def _adjusted(record: Record, view: ViewBatch) -> None:
    """Adjustments go on the account's first month not yet issued."""
    key = invoice_key(record.originator_id, _open_period(view, record.originator_id, record.data["at"]))
    for i, line in enumerate(record.data["lines"]):
        view.set(key, f"adjustment:{record.nid:012d}:{i:03d}", dumps(line))


def _applied(record: Record, view: ViewBatch) -> None:
    data = record.data
    ll = data["leased_line"]
    memo = {
        "applied_on": day_at(data["at"]).isoformat(),
        "operator": ll["operator"],
        "monthly_rent": ll["monthly_rent"],
        "currency": ll["currency"],
    }
    view.set(account_key(data["account_id"]), f"memo:{data['name']}", dumps(memo))


HANDLERS: dict[str, Callable[[Record, ViewBatch], None]] = {
    OPENED: _opened,
    CHARGED: _charged,
    APPLIED: _applied,
    ISSUED: _issued,
    ADJUSTED: _adjusted,
}


def _line(invoice: dict[str, str], line_id: str) -> dict[str, Any]:
    e: dict[str, Any] = loads(invoice[f"line:{line_id}"])
    e["to"], e["quantity"], e["amount"] = invoice[f"run:{line_id}"].split("|")
    for f in ("from", "to", "charged_on"):
        e[f] = date.fromisoformat(e[f])
    for f in ("quantity", "unit_price", "amount"):
        e[f] = Decimal(e[f])
    return e


def _memos(account: dict[str, str], period: str) -> list[dict[str, Any]]:
    memos = []
    for field in sorted(account):
        if field.startswith("memo:"):
            m = loads(account[field])
            if memo_shown(date.fromisoformat(m["applied_on"]), period):
                rent = Decimal(m["monthly_rent"]) if m["monthly_rent"] is not None else None
                memos.append(memo_of(field[5:], m["operator"], rent, m["currency"]))
    return memos


def invoice_document(account: dict[str, str], invoice: dict[str, str], period: str) -> dict[str, Any]:
    """The invoice as the account's log gives it: as issued, or provisional."""
    if "issued" in invoice:
        issued: dict[str, Any] = loads(invoice["issued"])
        return issued
    header = (
        {"account": account["name"], "currency": account["currency"], "vendor": account["vendor"]} if account else {}
    )
    lines = [_line(invoice, f[len("line:") :]) for f in sorted(invoice) if f.startswith("line:")]
    total = Decimal(invoice["total"]) if "total" in invoice else Decimal(0)
    adjustments = [loads(invoice[f]) for f in sorted(invoice) if f.startswith("adjustment:")]
    return provisional_document(header, period, lines, _memos(account, period), adjustments, total)


def fold_invoice(records: Iterable[Record], account_id: str, period: str) -> dict[str, Any]:
    """One account's invoice for `period` from its and its resources' records: the mapping the
    invoice view runs, run in memory (`projection.fold`)."""
    view = fold(InvoiceProjection(), records)
    return invoice_document(
        view.get(account_key(account_id), {}), view.get(invoice_key(account_id, period), {}), period
    )
