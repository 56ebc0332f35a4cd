"""Test builders: fixed dates, memorable names, and small stories."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from linkledger.infrastructure.ledger import LinkLedger
from linkledger.infrastructure.queries import invoice


def T(text: str) -> datetime:
    """'2026-01-05T15:00' as UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def D(text: str) -> date:
    return date.fromisoformat(text)


def daily_lines(ledger: LinkLedger, account: str, resource: str, item: str | None = None) -> dict[date, Decimal]:
    """{service day: amount} of every daily charge line of one resource."""
    acct = ledger.account(account)
    out: dict[date, Decimal] = {}
    for e in ledger.events_of(acct.id):
        if type(e).__name__ == "Charged" and e.reason == "daily":
            for line in e.lines:
                if line.resource == resource and (item is None or line.item == item):
                    out[line.period_start] = line.amount
    return out


def event_names(ledger: LinkLedger, originator_id: Any) -> list[str]:
    return [type(e).__name__ for e in ledger.events_of(originator_id)]


def events_named(ledger: LinkLedger, originator_id: Any, name: str) -> list[Any]:
    """The stored events of one aggregate whose class is called `name`, in order."""
    return [e for e in ledger.events_of(originator_id) if type(e).__name__ == name]


# ACME with 1000.00 and two active 10G ports, HKG-1 and SIN-1, as scenario lines
# (after an `@prices {prices}` line).
ACME_TWO_ACTIVE_PORTS = """2026-01-01T00:00Z open_account ACME vendor=zenlayer
2026-01-01T00:00Z top_up ACME amount=1000.00
2026-01-01T09:00Z order_port ACME HKG-1 site=HKG speed=10G
2026-01-01T09:00Z order_port ACME SIN-1 site=SIN speed=10G
2026-01-01T09:00Z complete_cross_connect HKG-1
2026-01-01T09:00Z complete_cross_connect SIN-1
"""


def zenlayer_account(ledger: LinkLedger, balance: str = "1000.00", at: str = "2026-01-01T00:00") -> None:
    """ACME with an administrator, a finance user and a read-only user, topped up."""
    ledger.open_account("ACME", "zenlayer", "USD", T(at))
    ledger.add_user("ACME", "alice", "alice@acme.test", "AdministratorAccess", T(at))
    ledger.add_user("ACME", "bob", "bob@acme.test", "Finance", T(at))
    ledger.add_user("ACME", "carol", "carol@acme.test", "ReadOnly", T(at))
    if Decimal(balance) > 0:
        ledger.top_up("ACME", balance, None, T(at))


def two_active_ports(ledger: LinkLedger, at: str = "2026-01-01T09:00") -> None:
    """HKG-1 and SIN-1 (10G), both cross-connected."""
    ledger.order_port("ACME", "HKG-1", "HKG", "10G", T(at))
    ledger.order_port("ACME", "SIN-1", "SIN", "10G", T(at))
    ledger.complete_cross_connect("HKG-1", T(at))
    ledger.complete_cross_connect("SIN-1", T(at))


def alibaba_account(ledger: LinkLedger, paid: str = "5000.00", at: str = "2017-11-20T00:00") -> None:
    ledger.open_account("GLOBEX", "alibaba", "USD", T(at))
    if Decimal(paid) > 0:
        ledger.top_up("GLOBEX", paid, None, T(at), kind="payment")


def invoice_of(ledger: LinkLedger, account: str, period: str) -> dict[str, Any]:
    return invoice(ledger, account, period)


def run_cli(capsys: Any, *argv: str) -> tuple[int, str, str]:
    """`linkledger ARGV...` in this process: (exit code, stdout, stderr)."""
    from linkledger.infrastructure.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
