"""Invoice, timeline and balance queries folded straight from the event log (`--from-log`):
each is its view's projection run in memory over the events of one account and its resources
(`AccountHistory`) or of one resource, so a view and its fold share one mapping. Tests hold
the views to these, and these to independent references (tests/views)."""

from __future__ import annotations

from typing import Any

from linkledger.infrastructure.history import AccountHistory
from linkledger.infrastructure.ledger import LinkLedger
from linkledger.projections.timelines import build_timeline


def invoice(ledger: LinkLedger, account: str, period: str) -> dict[str, Any]:
    """As issued, or provisional: the invoice projection over the account's events."""
    return AccountHistory(ledger, account).invoice(period)


def timeline(ledger: LinkLedger, resource: str) -> dict[str, Any]:
    r = ledger.resource(resource)
    return build_timeline(ledger.events_of(r.id))


def balance(ledger: LinkLedger, account: str) -> dict[str, Any]:
    """The balance projection over the account's and its resources' events."""
    return AccountHistory(ledger, account).balance()
