"""Time-driven rules: what falls due for one account, when, and running it.

A due rule is decided by time alone: the daily deduction at `deduct_at_hour` for the
previous UTC day, the end of the protection and suspension stages, a deleted connect's
retention running out, a router interface's expiry, suspension and release, and a
Financial-Locked connection's release. `settle` runs every rule due up to a time, in
time order, on one account's portfolio; accounts never share a due rule, so each
account can be settled on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import IntEnum, StrEnum
from typing import ParamSpec, TypeVar

from linkledger.domain import financial_lock, protection_stage
from linkledger.domain.account import Account
from linkledger.domain.billing_day import ONE_DAY, day_of, deduction_time, month_bounds, month_key
from linkledger.domain.daily_charge import DayBiller, first_billable_day, lines_for_day
from linkledger.domain.errors import InsufficientBalanceError, LedgerError
from linkledger.domain.physical_connection import PhysicalConnection
from linkledger.domain.portfolio import Portfolio
from linkledger.domain.private_connect import PrivateConnect
from linkledger.domain.router_interface import RouterInterface
from linkledger.domain.rule_book import RuleBook


class Priority(IntEnum):
    """Due rules at the same instant run in this order: money first, then the month's
    invoice (just after the deduction for its last day), then renewals, then stage
    changes, then removals."""

    DEDUCT = 0
    ISSUE = 1
    RENEW = 2
    STAGE = 3
    REMOVE = 4


class Action(StrEnum):
    DEDUCT = "deduct"
    ISSUE_INVOICE = "issue_invoice"
    START_SUSPENSION = "start_suspension"
    RECYCLE = "recycle"
    PURGE = "purge"
    EXPIRE = "expire"
    SUSPEND = "suspend"
    RELEASE_INTERFACE = "release_interface"
    RELEASE_CONNECTION = "release_connection"


@dataclass(frozen=True, order=True)
class Due:
    at: datetime
    priority: Priority
    subject: str
    action: Action
    day: date | None = None

    def describe(self) -> str:
        day = self.day and (month_key(self.day) if self.action is Action.ISSUE_INVOICE else self.day.isoformat())
        what = f"{self.action.value} for {day}" if day else self.action.value
        return f"{what} of {self.subject} due at {self.at.isoformat()}"


class DueRuleError(LedgerError):
    """A due rule could not run for one account (a missing price, a broken policy)."""

    rule = "due rule"

    def __init__(self, account: str, due: Due, cause: LedgerError) -> None:
        self.account, self.due, self.cause = account, due, cause
        super().__init__(f"account {account}: {due.describe()} cannot run: {cause}")


def deduction_time_of(vendor: str, day: date, rules: RuleBook) -> datetime:
    """When `day` is deducted: at the vendor's `deduct_at_hour` (policy in force that day),
    on the day after."""
    policies = rules.policies
    billing = policies.zenlayer_on(day).billing if vendor == "zenlayer" else policies.alibaba_on(day).billing
    return deduction_time(day, billing.deduct_at_hour)


def invoice_due_at(vendor: str, period: str, rules: RuleBook) -> datetime:
    """When `period` closes and its invoice is issued: the invoicing policy's hours after the
    deduction for its last day (policies in force on that day)."""
    _, last = month_bounds(period)
    hours = rules.policies.invoicing_on(vendor, last).close_hours_after_last_deduction
    return deduction_time_of(vendor, last, rules) + timedelta(hours=hours)


def next_due(p: Portfolio, rules: RuleBook) -> Due:
    """The earliest rule due for this account (there is always one: at the latest, the
    issue of its open month)."""
    acct = p.account
    from_day = acct.deducted_through + ONE_DAY if acct.deducted_through else day_of(acct.opened_at)
    day = first_billable_day(list(p.resources.values()), from_day, rules)
    deduction = (
        None
        if day is None
        else Due(deduction_time_of(acct.vendor, day, rules), Priority.DEDUCT, acct.name, Action.DEDUCT, day)
    )
    other = next_other_than_deduction(p, rules)
    return other if deduction is None else min(deduction, other)


def next_other_than_deduction(p: Portfolio, rules: RuleBook) -> Due:
    """The earliest rule due for this account that is not a daily deduction (there is always
    one: the month not yet issued)."""
    acct = p.account
    period = acct.open_period
    issue = Due(
        invoice_due_at(acct.vendor, period, rules),
        Priority.ISSUE,
        acct.name,
        Action.ISSUE_INVOICE,
        month_bounds(period)[0],
    )
    return min([issue, *_stage_dues(acct), *_resource_dues(p)])


def _stage_dues(acct: Account) -> list[Due]:
    """The end of Zenlayer's protection or suspension stage, while the account is in it."""
    dues = []
    if acct.stage == "protection" and acct.protection_ends_at is not None:
        dues.append(Due(acct.protection_ends_at, Priority.STAGE, acct.name, Action.START_SUSPENSION))
    if acct.stage == "suspension" and acct.suspension_ends_at is not None:
        dues.append(Due(acct.suspension_ends_at, Priority.REMOVE, acct.name, Action.RECYCLE))
    return dues


def _resource_dues(p: Portfolio) -> list[Due]:
    """A deleted connect's purge, a router interface's next step, a locked connection's release."""
    dues = [
        Due(c.recoverable_until, Priority.REMOVE, c.name, Action.PURGE)
        for c in p.of_kind(PrivateConnect)
        if c.state == "deleted" and c.recoverable_until is not None
    ]
    dues += [due for ri in p.of_kind(RouterInterface) if (due := _router_interface_due(ri)) is not None]
    dues += [
        Due(pc.release_at, Priority.REMOVE, pc.name, Action.RELEASE_CONNECTION)
        for pc in p.of_kind(PhysicalConnection)
        if pc.state == "financial_locked" and pc.release_at is not None
    ]
    return dues


def _router_interface_due(ri: RouterInterface) -> Due | None:
    """An active initiator expires; an expired one is suspended; a suspended one is released."""
    if ri.is_initiator and ri.state == "active" and ri.expires_at is not None:
        return Due(ri.expires_at, Priority.RENEW, ri.name, Action.EXPIRE)
    if ri.state == "expired" and ri.suspend_at is not None:
        return Due(ri.suspend_at, Priority.STAGE, ri.name, Action.SUSPEND)
    if ri.state == "suspended" and ri.release_at is not None:
        return Due(ri.release_at, Priority.REMOVE, ri.name, Action.RELEASE_INTERFACE)
    return None


def run(p: Portfolio, due: Due, rules: RuleBook) -> None:
    """Run one due rule on the portfolio."""
    _RUNS[due.action](p, due, rules)


def _deduct(p: Portfolio, due: Due, rules: RuleBook) -> None:
    assert due.day is not None
    lines = lines_for_day(list(p.resources.values()), due.day, rules, p.account.currency)
    p.debit("daily", lines, due.at, rules, day=due.day)


def _issue_invoice(p: Portfolio, due: Due, rules: RuleBook) -> None:
    assert due.day is not None
    p.issue_invoice(month_key(due.day), due.at, rules)


def _start_suspension(p: Portfolio, due: Due, rules: RuleBook) -> None:
    policy = rules.policies.zenlayer_on(day_of(due.at))
    protection_stage.start_suspension(p.account, p.zenlayer_resources(), policy, due.at)


def _recycle(p: Portfolio, due: Due, rules: RuleBook) -> None:
    policy = rules.policies.zenlayer_on(day_of(due.at))
    protection_stage.recycle(p.account, p.zenlayer_resources(), policy, due.at)


def _purge(p: Portfolio, due: Due, rules: RuleBook) -> None:
    connect = p.get(due.subject, PrivateConnect)
    connect.purge(due.at)
    for h in p.hosted_ends(connect):
        h.purge_with_connect(due.at)


def _expire(p: Portfolio, due: Due, rules: RuleBook) -> None:
    _expire_or_auto_renew(p, p.get(due.subject, RouterInterface), due.at, rules)


def _suspend_interface(p: Portfolio, due: Due, rules: RuleBook) -> None:
    p.get(due.subject, RouterInterface).suspend(due.at, rules.policies.alibaba_on(day_of(due.at)))


def _release_interface(p: Portfolio, due: Due, rules: RuleBook) -> None:
    p.get(due.subject, RouterInterface).release(due.at, reason="suspended past the release period")


def _release_connection(p: Portfolio, due: Due, rules: RuleBook) -> None:
    pc = p.get(due.subject, PhysicalConnection)
    financial_lock.release_unpaid(pc, p.of_kind(RouterInterface), due.at)


# Every action next_due makes, and what running it does.
_RUNS: dict[Action, Callable[[Portfolio, Due, RuleBook], None]] = {
    Action.DEDUCT: _deduct,
    Action.ISSUE_INVOICE: _issue_invoice,
    Action.START_SUSPENSION: _start_suspension,
    Action.RECYCLE: _recycle,
    Action.PURGE: _purge,
    Action.EXPIRE: _expire,
    Action.SUSPEND: _suspend_interface,
    Action.RELEASE_INTERFACE: _release_interface,
    Action.RELEASE_CONNECTION: _release_connection,
}


def _expire_or_auto_renew(p: Portfolio, ri: RouterInterface, at: datetime, rules: RuleBook) -> None:
    policy = rules.policies.alibaba_on(day_of(at))
    if ri.auto_renew:
        try:
            p.renew_router_interface(ri.name, policy.router_interface.auto_renew_months, at, rules, automatic=True)
            return
        except InsufficientBalanceError:
            ri.expire(at, policy, auto_renew_failed=True)
            return
    ri.expire(at, policy, auto_renew_failed=False)


def settle(p: Portfolio, upto: datetime, rules: RuleBook) -> int:
    """Run, in time order, every rule of this account due at or before `upto`. Returns how
    many ran. A rule that cannot run raises DueRuleError naming the account, the rule and
    its time; the caller discards the portfolio (nothing of it is saved)."""
    ran = 0
    while True:
        try:
            due = next_due(p, rules)
        except LedgerError as e:  # e.g. no policy in force to say when the next deduction is
            raise DueRuleError(p.account.name, Due(upto, Priority.DEDUCT, p.account.name, Action.DEDUCT), e) from e
        if due.at > upto:
            return ran
        _guarded(p, due, run, p, due, rules)
        ran += 1
        if due.action is Action.DEDUCT:
            ran += _following_deductions(p, due, upto, rules)


_P = ParamSpec("_P")
_T = TypeVar("_T")


def _guarded(p: Portfolio, due: Due, step: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
    """`step(*args, **kwargs)`; a LedgerError it raises becomes a DueRuleError naming `due`."""
    try:
        return step(*args, **kwargs)
    except DueRuleError:
        raise
    except LedgerError as e:
        raise DueRuleError(p.account.name, due, e) from e


def _following_deductions(p: Portfolio, first: Due, upto: datetime, rules: RuleBook) -> int:
    """The deductions of the days after `first`, in one pass: the same rules, in the same
    order, as `next_due` would pick them one at a time, while nothing else falls due before
    the next deduction and each deduction changes nothing but the balance. Stops at the
    first day with no line, or once a deduction did more (a protection stage, a lock);
    `settle` then goes on one rule at a time."""
    try:
        other = next_other_than_deduction(p, rules)
    except LedgerError:  # no policy to say when: `settle`'s next_due reports it as usual
        return 0
    biller = DayBiller(p.resources.values(), rules, p.account.currency)
    ran = 0
    day = first.day + ONE_DAY if first.day else None
    while day is not None:
        try:
            at = deduction_time_of(p.account.vendor, day, rules)
        except LedgerError:  # no policy that day: `settle`'s next_due reports it as usual
            return ran
        due = Due(at, Priority.DEDUCT, p.account.name, Action.DEDUCT, day)
        if due.at > upto or other < due:
            return ran
        lines = _guarded(p, due, biller.lines, day)
        if not lines:
            return ran
        pending = _pending(p)
        _guarded(p, due, p.debit, "daily", lines, due.at, rules, day=day)
        ran += 1
        if _pending(p) != pending + 1:
            return ran
        day += ONE_DAY
    return ran


def _pending(p: Portfolio) -> int:
    return sum(len(a.pending_events) for a in p.aggregates())
