"""The balance view: each account's balance now and at the close of every day,
its protection stage, and the state of each of its resources.

Keys:
  account:<account_id>   name, vendor, currency, balance, stage, deducted_through, clock
                         (the account's clock: the latest time of its or its resources'
                         events), listing:<resource_id> (kind, name, order), state:<resource_id>
  days:<account_id>      <YYYY-MM-DD> -> balance at the close of that day (the UTC day of the
                         event's time, parsed, not cut out of the text)
  owner:<resource_id>    account -> the account that holds the resource

The rules are the account's own (`domain.standing`): the stage each ladder event leaves
(`STAGE` on the event class), a credit that pays off a recycled account's debt
(`stage_after_credit`), the last day deducted (`deducted_through_after`) and whether a stage
is shown (`shown_stage`). A resource's state is the one its event enters
(`records.resulting_state`, the twin of the event's own).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from linkledger.domain.account import Account
from linkledger.domain.standing import deducted_through_after, shown_stage, stage_after_credit
from linkledger.projections.projection import Projection, ViewBatch, dumps, fold, loads
from linkledger.projections.records import Record, day_key, is_created, resulting_state
from linkledger.projections.topics import ACCOUNT_TOPICS, RESOURCE_TOPICS

A = Account
STAGE_AFTER = {
    e.TOPIC: e.STAGE for e in (A.BalanceExhausted, A.SuspensionStarted, A.ResourcesRecycled, A.ServiceRestored)
}


class BalanceProjection(Projection):
    name = "balances"
    version = 4
    topics = ACCOUNT_TOPICS | RESOURCE_TOPICS
    description = "per account: balance now and per day, stage, resource states"

    def apply(self, record: Record, view: ViewBatch) -> None:
        if record.topic in RESOURCE_TOPICS:
            _resource_event(record, view)
            return
        _move_clock(view, f"account:{record.originator_id}", record.data["at"])
        handler = HANDLERS.get(record.topic)
        if handler is not None:
            handler(record, view)
        elif record.topic in STAGE_AFTER:
            view.set(f"account:{record.originator_id}", "stage", STAGE_AFTER[record.topic])


def _resource_event(record: Record, view: ViewBatch) -> None:
    """A resource's event moves its account's clock and sets the state it enters."""
    rid = record.originator_id
    if is_created(record):
        view.set(f"owner:{rid}", "account", record.data["account_id"])
    owner = view.get(f"owner:{rid}", "account")
    if owner is None:
        return
    _move_clock(view, f"account:{owner}", record.data["at"])
    state = resulting_state(record)
    if state is not None:
        view.set(f"account:{owner}", f"state:{rid}", state)


def _money_moved(record: Record, view: ViewBatch) -> str:
    """A charge, credit or adjustment: the balance after it, now and at the close of its day."""
    aid, balance = record.originator_id, record.data["balance_after"]
    view.set(f"account:{aid}", "balance", balance)
    view.set(f"days:{aid}", day_key(record.data["at"]), balance)
    return str(balance)


def _charged(record: Record, view: ViewBatch) -> None:
    _money_moved(record, view)
    key = f"account:{record.originator_id}"
    data = record.data
    before = view.get(key, "deducted_through")
    after = deducted_through_after(data["reason"], data["service_day"], before)  # ISO days: as the account's
    if after is not None and after != before:
        view.set(key, "deducted_through", after)


def _credited(record: Record, view: ViewBatch) -> None:
    balance = _money_moved(record, view)
    key = f"account:{record.originator_id}"
    stage = view.get(key, "stage") or "active"
    after = stage_after_credit(stage, Decimal(balance))
    if after != stage:
        view.set(key, "stage", after)


def _adjusted(record: Record, view: ViewBatch) -> None:
    _money_moved(record, view)


def _resource_added(record: Record, view: ViewBatch) -> None:
    ref = record.data["resource"]
    listing = {"kind": ref["kind"], "name": ref["name"], "order": record.nid}
    view.set(f"account:{record.originator_id}", f"listing:{ref['resource_id']}", dumps(listing))


def _opened(record: Record, view: ViewBatch) -> None:
    key = f"account:{record.originator_id}"
    for field in ("name", "vendor", "currency"):
        view.set(key, field, record.data[field])
    view.set(key, "balance", "0")
    view.set(key, "stage", "active")


HANDLERS: dict[str, Callable[[Record, ViewBatch], None]] = {
    A.Charged.TOPIC: _charged,
    A.Credited.TOPIC: _credited,
    A.PricesAdjusted.TOPIC: _adjusted,
    A.ResourceAdded.TOPIC: _resource_added,
    A.Opened.TOPIC: _opened,
}


def _move_clock(view: ViewBatch, key: str, at: str) -> None:
    """The account's clock only moves forward (times compared as times, not as text)."""
    now = view.get(key, "clock")
    if now is None or datetime.fromisoformat(at) > datetime.fromisoformat(now):
        view.set(key, "clock", at)


def balance_document(account: dict[str, str]) -> dict[str, Any]:
    """The balance as `Account.describe()` plus resources gives it."""
    listings = sorted(
        ((loads(v), f[len("listing:") :]) for f, v in account.items() if f.startswith("listing:")),
        key=lambda p: p[0]["order"],
    )
    return {
        "account": account["name"],
        "vendor": account["vendor"],
        "currency": account["currency"],
        "balance": account["balance"],
        "stage": shown_stage(account["vendor"], account["stage"]),
        "deducted_through": account.get("deducted_through"),
        "clock": account.get("clock"),
        "resources": [
            {"name": lst["name"], "kind": lst["kind"], "state": account.get(f"state:{rid}")} for lst, rid in listings
        ],
    }


def fold_balance(records: Iterable[Record], account_id: str) -> dict[str, Any]:
    """One account's balance from its and its resources' records: the mapping the balance
    view runs, run in memory (`projection.fold`)."""
    return balance_document(fold(BalanceProjection(), records).get(f"account:{account_id}", {}))
