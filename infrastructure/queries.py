"""Invoice, timeline and balance queries folded straight from the event log: the audit path
(`--from-log`) and the reference the views are tested against (tests/views)."""

from __future__ import annotations

from typing import Any

from domain.physical_connection import PhysicalConnection
from infrastructure.ledger import LinkLedger
from projections.invoices import build_invoice
from projections.timelines import build_timeline


def invoice(ledger: LinkLedger, account: str, period: str) -> dict[str, Any]:
    acct = ledger.account(account)
    events = list(ledger.events_of(acct.id))
    for ref in acct.resources:
        if ref.kind == PhysicalConnection.KIND:
            events += list(ledger.events_of(ref.resource_id))
    return build_invoice(events, period)


def timeline(ledger: LinkLedger, resource: str) -> dict[str, Any]:
    r = ledger.resource(resource)
    return build_timeline(ledger.events_of(r.id))


def balance(ledger: LinkLedger, account: str) -> dict[str, Any]:
    portfolio = ledger.portfolio(ledger.account(account))
    out = portfolio.account.describe()
    out["clock"] = portfolio.clock
    out["resources"] = [portfolio.resources[r.name].describe() for r in portfolio.account.resources]
    return out
