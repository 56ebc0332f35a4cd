"""LinkLedger: the event-sourced application. One method per use case, each
load -> decide (in domain/) -> save, after the clock has run every due rule."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.utils import get_topic

from domain.account import Account
from domain.billing_day import require_aware
from domain.errors import DuplicateNameError, LedgerError, UnknownAccountError, UnknownResourceError
from domain.events import account_id, resource_id
from domain.ledger_clock import CLOCK_ID, LedgerClock
from domain.money import to_decimal
from domain.physical_connection import LeasedLine
from domain.portfolio import Portfolio
from domain.resource import Resource
from domain.rule_book import RuleBook
from infrastructure.transcodings import OrjsonTranscoder, PydanticMapper

T = TypeVar("T")


class RulesNotLoadedError(LedgerError):
    rule = "rules"


class LinkLedger(Application[UUID]):
    name = "LinkLedger"
    env: ClassVar[dict[str, str]] = {
        "TRANSCODER_TOPIC": get_topic(OrjsonTranscoder),
        "MAPPER_TOPIC": get_topic(PydanticMapper),
        "AGGREGATE_CACHE_MAXSIZE": "10000",
    }

    def __init__(self, env: dict[str, str] | None = None, *, rules: RuleBook | None = None) -> None:
        super().__init__(env)
        self._rules = rules

    @property
    def rules(self) -> RuleBook:
        if self._rules is None:
            raise RulesNotLoadedError("this ledger was opened without price books and policies")
        return self._rules

    # ------------------------------------------------------------------ reads
    def clock(self) -> LedgerClock | None:
        try:
            return self.repository.get(CLOCK_ID)
        except AggregateNotFoundError:
            return None

    def now(self) -> datetime | None:
        clock = self.clock()
        return clock.now if clock else None

    def account(self, name: str) -> Account:
        try:
            return self.repository.get(account_id(name))
        except AggregateNotFoundError:
            raise UnknownAccountError(f"there is no account named {name}; open it first with open_account") from None

    def resource(self, name: str) -> Resource:
        try:
            return self.repository.get(resource_id(name))
        except AggregateNotFoundError:
            raise UnknownResourceError(f"there is no port, connect, interface or connection named {name}") from None

    def portfolio(self, account: Account) -> Portfolio:
        return Portfolio(account, [self.repository.get(r.resource_id) for r in account.resources])

    def account_names(self) -> list[str]:
        clock = self.clock()
        return [self.repository.get(a).name for a in clock.accounts] if clock else []

    def events_of(self, originator_id: UUID) -> Iterator[Any]:
        return iter(self.events.get(originator_id))

    # ------------------------------------------------------------------ time
    def advance_to(self, at: datetime) -> int:
        """Run, in time order, every daily deduction, expiry, renewal and stage change
        due at or before `at`, each saved as it is decided. Returns how many ran."""
        at = require_aware(at)
        clock = self.clock()
        if clock is None:
            return 0
        clock.check_not_before(at, "this command")
        portfolios = {a: self.portfolio(self.repository.get(a)) for a in clock.accounts}
        heap: list[tuple[Any, UUID]] = []
        for aid, p in portfolios.items():
            due = p.next_due(self.rules)
            if due is not None and due.at <= at:
                heap.append((due, aid))
        heapq.heapify(heap)
        ran = 0
        while heap:
            due, aid = heapq.heappop(heap)
            p = portfolios[aid]
            p.run(due, self.rules)
            self._save(p)
            ran += 1
            nxt = p.next_due(self.rules)
            if nxt is not None and nxt.at <= at:
                heapq.heappush(heap, (nxt, aid))
        clock.advance(at)
        self.save(clock)
        return ran

    def _on_account(self, name: str, at: datetime, decide: Callable[[Portfolio], T]) -> T:
        return self._decide(at, lambda: self.account(name), decide)

    def _on_resource(self, name: str, at: datetime, decide: Callable[[Portfolio], T]) -> T:
        return self._decide(at, lambda: self.repository.get(self.resource(name).account_id), decide)

    def _decide(self, at: datetime, owner: Callable[[], Account], decide: Callable[[Portfolio], T]) -> T:
        """Run what is due up to `at`, then load the owner's portfolio, decide, and save."""
        self.advance_to(require_aware(at))
        portfolio = self.portfolio(owner())
        result = decide(portfolio)
        self._save(portfolio)
        return result

    def _save(self, portfolio: Portfolio) -> None:
        """Save one command's events atomically; a new resource may not reuse a name
        another account already holds (ids are derived from names)."""
        for r in portfolio.resources.values():
            if r.version == len(r.pending_events) and r.id in self.repository:
                raise DuplicateNameError(f"a resource named {r.name} already exists; resource names are unique")
        self.save(*portfolio.aggregates())

    # --------------------------------------------------------------- commands
    def open_account(self, name: str, vendor: str, currency: str, at: datetime) -> None:
        at = require_aware(at)
        self.advance_to(at)
        clock = self.clock() or LedgerClock.start(at)
        if account_id(name) in clock.accounts:
            raise DuplicateNameError(f"account {name} is already open")
        account = Account.open(name, vendor, currency, at)
        clock.enroll(account.id, name, at)
        self.save(clock, account)

    def add_user(self, account: str, name: str, email: str, role: str, at: datetime) -> None:
        self._on_account(account, at, lambda p: p.add_user(name, email, role, at))

    def top_up(self, account: str, amount: Any, currency: str | None, at: datetime, kind: str = "top_up") -> None:
        value = to_decimal(amount, kind.replace("_", "-"))
        self._on_account(
            account, at, lambda p: p.credit(kind, value, currency or p.account.currency, at)
        )

    def order_port(self, account: str, name: str, site: str, speed: str, at: datetime) -> None:
        self._on_account(account, at, lambda p: p.order_port(name, site, speed, at))

    def complete_cross_connect(self, port: str, at: datetime) -> None:
        self._on_resource(port, at, lambda p: p.complete_cross_connect(port, at))

    def delete_port(self, port: str, at: datetime) -> None:
        self._on_resource(port, at, lambda p: p.delete_port(port, at))

    def create_private_connect(self, account: str, name: str, a_end: str, z_end: str, mbps: int, at: datetime) -> None:
        self._on_account(account, at, lambda p: p.create_private_connect(name, a_end, z_end, mbps, at, self.rules))

    def accept_hosted_connection(self, name: str, at: datetime) -> None:
        self._on_resource(name, at, lambda p: p.accept_hosted_connection(name, at))

    def raise_bandwidth(self, name: str, mbps: int, at: datetime) -> None:
        self._on_resource(name, at, lambda p: p.raise_bandwidth(name, mbps, at))

    def cut_bandwidth(self, name: str, mbps: int, at: datetime) -> None:
        self._on_resource(name, at, lambda p: p.cut_bandwidth(name, mbps, at, self.rules))

    def delete_private_connect(self, name: str, at: datetime) -> None:
        self._on_resource(name, at, lambda p: p.delete_private_connect(name, at, self.rules))

    def recover_private_connect(self, name: str, at: datetime) -> None:
        self._on_resource(name, at, lambda p: p.recover_private_connect(name, at))

    def create_physical_connection(
        self, account: str, name: str, region: str, spec: str, operator: str,
        leased_line_rent: Any | None, at: datetime,
    ) -> None:
        def decide(p: Portfolio) -> None:
            rent = to_decimal(leased_line_rent, "leased_line_rent") if leased_line_rent is not None else None
            line = LeasedLine(operator=operator, monthly_rent=rent, currency=p.account.currency if rent else None)
            p.apply_physical_connection(name, region, spec, line, at, self.rules)

        self._on_account(account, at, decide)

    def terminate_physical_connection(self, name: str, at: datetime) -> None:
        self._on_resource(name, at, lambda p: p.terminate_physical_connection(name, at))

    def create_router_interface(self, account: str, at: datetime, **kwargs: Any) -> None:
        self._on_account(account, at, lambda p: p.create_router_interface(at=at, rules=self.rules, **kwargs))

    def renew_router_interface(self, name: str, months: int, at: datetime) -> None:
        self._on_resource(name, at, lambda p: p.renew_router_interface(name, months, at, self.rules))

    def set_auto_renew(self, name: str, enabled: bool, at: datetime) -> None:
        self._on_resource(name, at, lambda p: p.set_auto_renew(name, enabled, at))

    def add_route_entry(self, name: str, cidr: str, at: datetime) -> None:
        self._on_resource(name, at, lambda p: p.add_route_entry(name, cidr, at))
