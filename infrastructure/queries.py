"""Invoice, timeline and balance queries folded straight from the event log: the audit path
(`--from-log`) and the reference the views are tested against (tests/views)."""

from __future__ import annotations

from typing import Any

from linkledger.infrastructure.ledger import LinkLedger
from linkledger.projections.timelines import build_timeline


def invoice(ledger: LinkLedger, account: str, period: str) -> dict[str, Any]:
    """As issued, or provisional: the account replayed from the log (`history`)."""
    from linkledger.infrastructure.history import AccountHistory

    return AccountHistory(ledger, account).invoice(period)


def timeline(ledger: LinkLedger, resource: str) -> dict[str, Any]:
    r = ledger.resource(resource)
    return build_timeline(ledger.events_of(r.id))


def balance(ledger: LinkLedger, account: str) -> dict[str, Any]:
    portfolio = ledger.portfolio(ledger.account(account))
    out = portfolio.account.describe()
    out["clock"] = portfolio.clock
    out["resources"] = [portfolio.resources[r.name].describe() for r in portfolio.account.resources]
    return out
