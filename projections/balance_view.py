"""The balance view: each account's balance now and at the close of every day,
its protection stage, and the state of each of its resources.

Keys:
  account:<account_id>   name, vendor, currency, balance, stage, deducted_through, clock
                         (the account's clock: the latest time of its or its resources'
                         events), listing:<resource_id> (kind, name, order), state:<resource_id>
  days:<account_id>      <YYYY-MM-DD> -> balance at the close of that day
  owner:<resource_id>    account -> the account that holds the resource
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from linkledger.domain.account import Account
from linkledger.projections.projection import Projection, ViewBatch, dumps, loads
from linkledger.projections.records import Record, is_created, resulting_state
from linkledger.projections.topics import ACCOUNT_TOPICS, RESOURCE_TOPICS

A = Account
STAGE_AFTER = {
    A.BalanceExhausted.TOPIC: "protection",
    A.SuspensionStarted.TOPIC: "suspension",
    A.ResourcesRecycled.TOPIC: "recycled",
    A.ServiceRestored.TOPIC: "active",
}
MONEY = {A.Charged.TOPIC, A.Credited.TOPIC, A.PricesAdjusted.TOPIC}


class BalanceProjection(Projection):
    name = "balances"
    version = 3
    topics = ACCOUNT_TOPICS | RESOURCE_TOPICS
    description = "per account: balance now and per day, stage, resource states"

    def apply(self, record: Record, view: ViewBatch) -> None:
        data = record.data
        topic = record.topic
        aid = record.originator_id
        key = f"account:{aid}"
        owner = aid if topic in ACCOUNT_TOPICS else view.get(f"owner:{aid}", "account")
        if is_created(record) and topic in RESOURCE_TOPICS:
            owner = data["account_id"]
        if owner is not None:
            _move_clock(view, f"account:{owner}", data["at"])
        if topic in MONEY:
            balance = data["balance_after"]
            view.set(key, "balance", balance)
            view.set(f"days:{aid}", data["at"][:10], balance)
            if topic == A.Charged.TOPIC and data["reason"] == "daily" and data["service_day"]:
                view.set(key, "deducted_through", data["service_day"])
            if topic == A.Credited.TOPIC and view.get(key, "stage") == "recycled" and Decimal(balance) >= 0:
                view.set(key, "stage", "active")
        elif topic in STAGE_AFTER:
            view.set(key, "stage", STAGE_AFTER[topic])
        elif topic in RESOURCE_TOPICS:
            if is_created(record):
                view.set(f"owner:{aid}", "account", data["account_id"])
            state = resulting_state(record)
            if state is not None:
                owner = view.get(f"owner:{aid}", "account")
                if owner is not None:
                    view.set(f"account:{owner}", f"state:{aid}", state)
        elif topic == A.ResourceAdded.TOPIC:
            ref = data["resource"]
            listing = {"kind": ref["kind"], "name": ref["name"], "order": record.nid}
            view.set(key, f"listing:{ref['resource_id']}", dumps(listing))
        elif topic == A.Opened.TOPIC:
            for field in ("name", "vendor", "currency"):
                view.set(key, field, data[field])
            view.set(key, "balance", "0")
            view.set(key, "stage", "active")


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
        "stage": account["stage"] if account["vendor"] == "zenlayer" else None,
        "deducted_through": account.get("deducted_through"),
        "clock": account.get("clock"),
        "resources": [
            {"name": lst["name"], "kind": lst["kind"], "state": account.get(f"state:{rid}")} for lst, rid in listings
        ],
    }
