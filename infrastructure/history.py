"""What the ledger knew at a time: an account, its resources and the rules, replayed from
the log using only what was recorded up to then; and the audit of issued invoices.

Every fact has two times: the time it is valid for (the day a charge pays for, a price's
effective date) and the time it was recorded on the ledger's clock (the event's `at`:
an account's events are recorded in time order). `--as-at T` replays the events recorded
at or before T. It reads one account's history (its events and its resources'), never
the store: its cost grows with the account, not with the fleet.

An invoice and a balance read this way are the invoice and balance projections run in
memory over the events replayed (`fold_invoice`, `fold_balance`), as a timeline is
(`build_timeline`): the view and `--from-log` share one mapping, which calls the account's
own rules. The audit is the deliberate other path: it replays the account aggregate and has
the domain issue each invoice again (`audit_account`), and `explain` reads the account's
draft.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from linkledger.domain.account import Account
from linkledger.domain.billing_day import ONE_DAY
from linkledger.domain.documents import canonical, plain
from linkledger.domain.errors import UnknownAccountError, UnknownInvoiceError, UnknownResourceError
from linkledger.domain.events import account_id, resource_id
from linkledger.domain.invoice import line_sources, order_lines
from linkledger.domain.portfolio import Portfolio
from linkledger.domain.resource import Resource
from linkledger.domain.rule_book import RuleBook
from linkledger.domain.rule_library import RULE_LIBRARY_ID, RuleLibrary
from linkledger.infrastructure.ledger import LinkLedger
from linkledger.projections.balance_view import fold_balance
from linkledger.projections.invoice_view import fold_invoice
from linkledger.projections.records import Record, records_of
from linkledger.projections.timelines import build_timeline


class Replay:
    """One aggregate folded event by event, as far as asked: `upto(t)` applies the events
    recorded at or before t, `through(v)` those up to version v."""

    def __init__(self, events: Iterator[Any]) -> None:
        self._events = events
        self._next: Any = next(events, None)
        self.state: Any = None
        self.seen: list[Any] = []

    def _step(self) -> None:
        self.state = self._next.mutate(self.state)
        self.seen.append(self._next)
        self._next = next(self._events, None)

    def upto(self, t: datetime | None) -> Any:
        while self._next is not None and (t is None or self._next.at <= t):
            self._step()
        return self.state

    def through(self, version: int) -> Any:
        while self._next is not None and self._next.originator_version <= version:
            self._step()
        return self.state


def replay(ledger: LinkLedger, aggregate_id: UUID, as_at: datetime | None) -> Replay:
    r = Replay(iter(ledger.events.get(aggregate_id)))
    r.upto(as_at)
    return r


def rules_as_at(ledger: LinkLedger, as_at: datetime | None) -> RuleBook | None:
    library: RuleLibrary | None = replay(ledger, RULE_LIBRARY_ID, as_at).state
    return library.rule_book() if library is not None else None


class AccountHistory:
    """An account and its resources as the ledger knew them at `as_at` (None: now)."""

    def __init__(self, ledger: LinkLedger, name: str, as_at: datetime | None = None) -> None:
        self.ledger, self.as_at = ledger, as_at
        r = replay(ledger, account_id(name), as_at)
        if r.state is None:
            when = f" at {as_at.isoformat()}" if as_at else ""
            raise UnknownAccountError(f"there is no account named {name}{when}; open it first with open_account")
        self.account: Account = r.state
        self.events = r.seen
        self.resources: dict[str, Resource] = {}
        self._histories: list[list[Any]] = [r.seen]
        for ref in self.account.resources:
            rr = replay(ledger, ref.resource_id, as_at)
            self.resources[ref.name] = rr.state
            self._histories.append(rr.seen)

    @property
    def portfolio(self) -> Portfolio:
        return Portfolio(self.account, list(self.resources.values()))

    @property
    def clock(self) -> datetime:
        return self.portfolio.clock

    def issued(self, period: str) -> Account.InvoiceIssued | None:
        return next((e for e in self.events if isinstance(e, Account.InvoiceIssued) and e.period == period), None)

    @functools.cached_property
    def records(self) -> list[Record]:
        """The account's and its resources' events replayed, as the projections read them."""
        return records_of(*self._histories)

    def invoice(self, period: str) -> dict[str, Any]:
        """The month as issued, if it was by then; else provisional (as of the account's `clock`):
        the invoice projection run over the events replayed."""
        return fold_invoice(self.records, str(self.account.id), period)

    def balance(self) -> dict[str, Any]:
        """The balance projection run over the events replayed."""
        return fold_balance(self.records, str(self.account.id))

    def explain(self, period: str) -> dict[str, Any]:
        """For each line of the month's invoice: the charge events behind it (notification id,
        aggregate, version, time), the price entry and book, and the policy in force."""
        issued = self.issued(period)
        if issued is not None:
            sources = issued.sources
            lines = issued.document["lines"]
        else:
            draft = self.account.drafts.get(period, [])
            sources, lines = line_sources(draft), plain(order_lines(draft))
        charged = {e.originator_version: e for e in self.events if isinstance(e, Account.Charged)}
        versions = sorted({int(s.split(":")[0]) for srcs in sources.values() for s in srcs})
        nids = self.ledger.recorder.notification_ids(self.account.id, versions)
        rules = rules_as_at(self.ledger, self.as_at)
        out: dict[str, Any] = {}
        for line in lines:
            charges = []
            for src in sources.get(line["line_id"], []):
                v, i = (int(x) for x in src.split(":"))
                event = charged[v]
                charges.append(
                    {
                        "nid": nids.get(v),
                        "aggregate": f"account {self.account.name}",
                        "aggregate_id": str(self.account.id),
                        "version": v,
                        "line_index": i,
                        "event": "Charged",
                        "at": event.at,
                        "amount": event.lines[i].amount,
                    }
                )
            first, last = date.fromisoformat(str(line["from"])), date.fromisoformat(str(line["to"]))
            out[line["line_id"]] = {
                "charges": charges,
                "price": {
                    "book": line["price_ref"],
                    "entry": line["basis"].split("; ", 1)[0],
                    "unit_price": line["unit_price"],
                    "per": line["unit"],
                },
                "policies": policy_versions(rules, self.account.vendor, first, last),
            }
        return plain(out)  # type: ignore[no-any-return]


def policy_versions(rules: RuleBook | None, vendor: str, first: date, last: date) -> list[str]:
    if rules is None:
        return []
    found, day = set(), first
    while day <= last:
        found.add(rules.policies.on(vendor, day).version)
        day += ONE_DAY
    return sorted(found)


def resource_as_at(ledger: LinkLedger, name: str, as_at: datetime | None) -> dict[str, Any]:
    r = replay(ledger, resource_id(name), as_at)
    if r.state is None:
        when = f" at {as_at.isoformat()}" if as_at else ""
        raise UnknownResourceError(f"there is no port, connect, interface or connection named {name}{when}")
    return build_timeline(r.seen)


# ------------------------------------------------------------------------ audit
@dataclass
class Audit:
    number: str
    account: str
    period: str
    issued_at: datetime
    differences: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.differences


def compare(issued: dict[str, Any], recomputed: dict[str, Any]) -> list[str]:
    """What differs between two invoice documents, line by line; [] when byte-identical."""
    if canonical(issued) == canonical(recomputed):
        return []
    out = []
    old = {line["line_id"]: line for line in issued.get("lines", [])}
    new = {line["line_id"]: line for line in recomputed.get("lines", [])}
    for lid in sorted(old.keys() | new.keys()):
        a, b = old.get(lid), new.get(lid)
        if a is None or b is None:
            out.append(f"line {lid}: {'missing from the issued invoice' if a is None else 'not recomputed'}")
        elif a != b:
            fields = ", ".join(
                f"{k} issued {a.get(k)!r}, recomputed {b.get(k)!r}"
                for k in sorted(a.keys() | b.keys())
                if a.get(k) != b.get(k)
            )
            out.append(f"line {lid}: {fields}")
    for k in sorted((issued.keys() | recomputed.keys()) - {"lines"}):
        if issued.get(k) != recomputed.get(k):
            out.append(f"{k}: issued {issued.get(k)!r}, recomputed {recomputed.get(k)!r}")
    return out or ["the documents differ in their bytes only (key order or encoding)"]


def audit_account(
    ledger: LinkLedger, aid: UUID, numbers: set[str] | None = None, progress: Callable[[Audit], None] | None = None
) -> list[Audit]:
    """Recompute each issued invoice of one account (those in `numbers`, or all) from the log
    as it stood at its cut-off: the account's events before it, its resources and the rules
    recorded by then; the same domain rule that issued it issues it again."""
    events = list(ledger.events.get(aid))
    account = Replay(iter(events))
    resources: dict[UUID, Replay] = {}
    library = Replay(iter(ledger.events.get(RULE_LIBRARY_ID)))
    out = []
    for event in events:
        if not isinstance(event, Account.InvoiceIssued) or (numbers is not None and event.number not in numbers):
            continue
        # The account just before the issue, copied: the replay goes on from the original.
        before: Account = copy.deepcopy(account.through(event.originator_version - 1))
        for ref in before.resources:
            if ref.resource_id not in resources:
                resources[ref.resource_id] = Replay(iter(ledger.events.get(ref.resource_id)))
        held = [resources[ref.resource_id].upto(event.at) for ref in before.resources]
        lib: RuleLibrary = library.upto(event.at)
        Portfolio(before, held).issue_invoice(event.period, event.at, lib.rule_book())
        [again] = before.pending_events
        result = Audit(event.number, before.name, event.period, event.at, compare(event.document, again.document))
        if again.sources != event.sources:
            result.differences.append("the charges behind the lines differ from those recorded at issue")
        out.append(result)
        if progress is not None:
            progress(result)
    return out


def audit_invoice(ledger: LinkLedger, number: str) -> Audit:
    row = ledger.recorder.invoice(number)
    if row is None:
        raise UnknownInvoiceError(
            f"no invoice numbered {number} was issued in this store; "
            "`linkledger audit --all` lists every issued invoice"
        )
    [result] = audit_account(ledger, row.account_id, {number})
    return result
