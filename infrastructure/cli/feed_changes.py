"""What a feed message changed, in terms a reader knows: the account, the period, the
resource, with the amounts and states the view now holds.

A feed message is thin: `{nid, event, keys}`, view keys with ids, not names. Each key is
looked up in the view it belongs to, as the view stands when the message is shown (a later
event may have changed it again; its own message follows).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from linkledger.domain.standing import shown_stage
from linkledger.infrastructure.view_store import Build, ViewStore
from linkledger.projections.projection import loads


class ChangeReader:
    """Describes the keys of one projection's feed messages from the view's active build."""

    def __init__(self, store: ViewStore, projection: str) -> None:
        self.store = store
        self.projection = projection
        self.nid = 0  # the message being described

    def describe(self, keys: list[str], nid: int = 0) -> list[dict[str, Any]]:
        active = self.store.active(self.projection)
        if active is None:
            return [{"key": k} for k in keys]
        build = Build(self.projection, active)
        self.nid = nid
        return [self._one(build, key) for key in keys]

    def _one(self, build: Build, key: str) -> dict[str, Any]:
        kind, _, rest = key.partition(":")
        describe = DESCRIBERS.get((self.projection, kind))
        fields = self.store.hgetall(build, key)
        if describe is None or not fields:
            return {"key": key}
        return {"key": key, **describe(self, build, rest, fields)}

    def account_name(self, build: Build, aid: str) -> str:
        return self.store.hget(build, f"account:{aid}", "name") or aid


def _invoice_account(reader: ChangeReader, build: Build, aid: str, fields: dict[str, str]) -> dict[str, Any]:
    return {"account": fields.get("name", aid), "vendor": fields.get("vendor"), "currency": fields.get("currency")}


def _invoice(reader: ChangeReader, build: Build, rest: str, fields: dict[str, str]) -> dict[str, Any]:
    from linkledger.projections.invoice_view import account_key, invoice_document

    aid, _, period = rest.rpartition(":")
    doc = invoice_document(reader.store.hgetall(build, account_key(aid)), fields, period)
    return {
        "account": doc.get("account", aid),
        "period": period,
        "status": doc.get("status"),
        "number": doc.get("number"),
        "total": str(doc.get("total")),
        "currency": doc.get("currency"),
    }


def _balance(reader: ChangeReader, build: Build, aid: str, fields: dict[str, str]) -> dict[str, Any]:
    if "name" not in fields:
        return {}
    return {
        "account": fields["name"],
        "balance": fields.get("balance"),
        "currency": fields.get("currency"),
        "stage": shown_stage(fields.get("vendor", ""), fields.get("stage")),
    }


def _balance_days(reader: ChangeReader, build: Build, aid: str, fields: dict[str, str]) -> dict[str, Any]:
    day = max(fields)
    return {"account": reader.account_name(build, aid), "day": day, "balance_at_close": fields[day]}


def _owner(reader: ChangeReader, build: Build, rid: str, fields: dict[str, str]) -> dict[str, Any]:
    aid = fields.get("account", "")
    listing = reader.store.hget(build, f"account:{aid}", f"listing:{rid}")
    name = loads(listing)["name"] if listing else rid
    return {"account": reader.account_name(build, aid), "owns": name}


def _timeline(reader: ChangeReader, build: Build, rid: str, fields: dict[str, str]) -> dict[str, Any]:
    from linkledger.projections.timeline_view import timeline_document

    doc = timeline_document(fields)
    last = doc["states"][-1] if doc["states"] else {}
    since = last.get("from")
    return {
        "resource": doc["resource"],
        "kind": doc["kind"],
        "state": last.get("state"),
        "since": since.isoformat().replace("+00:00", "Z") if since else None,
    }


def _notices(reader: ChangeReader, build: Build, aid: str, fields: dict[str, str]) -> dict[str, Any]:
    from linkledger.projections.notice_view import notices_document

    sent = fields.get(f"{reader.nid:012d}")  # the notice this message's event sent
    if sent is None:
        return {"account": fields.get("account", aid)}
    notice = notices_document({"account": fields.get("account", aid), f"{reader.nid:012d}": sent})["notices"][0]
    return {"account": fields.get("account", aid), **{k: notice[k] for k in ("notice", "at", "subject")}}


Describer = Callable[[ChangeReader, Build, str, dict[str, str]], dict[str, Any]]

DESCRIBERS: dict[tuple[str, str], Describer] = {
    ("invoices", "account"): _invoice_account,
    ("invoices", "invoice"): _invoice,
    ("balances", "account"): _balance,
    ("balances", "days"): _balance_days,
    ("balances", "owner"): _owner,
    ("timelines", "timeline"): _timeline,
    ("notices", "notices"): _notices,
}
