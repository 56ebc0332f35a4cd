"""LinkLedger: the event-sourced application, one account at a time.

Every command is one unit of work on one account: load the account and its
resources, run that account's due rules up to the command's time, decide, and save
everything -- events, the account's due-index row and the command id -- in one
transaction. A refused command writes nothing. `advance_to` reads the due index and
settles only the accounts with something due, many accounts per transaction; the
store-wide time is a watermark ("every account settled up to T"), not an aggregate
that every command writes.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, ParamSpec, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic
from linkledger.domain.account import Account, AdjustmentLine
from linkledger.domain.bandwidth import check_mbps
from linkledger.domain.billing_day import require_aware
from linkledger.domain.counts import to_months
from linkledger.domain.due_rules import DueRuleError, next_due, settle
from linkledger.domain.errors import (
    DuplicateNameError,
    InvalidInputError,
    LedgerError,
    PriceCorrectionError,
    TimeRunsBackwardError,
    UnknownAccountError,
    UnknownResourceError,
)
from linkledger.domain.events import account_id, resource_id
from linkledger.domain.money import check_minor_unit, to_decimal
from linkledger.domain.names import check_text
from linkledger.domain.physical_connection import LeasedLine
from linkledger.domain.plain_errors import payloads_refused
from linkledger.domain.policies import Policy
from linkledger.domain.portfolio import Portfolio
from linkledger.domain.price_book import PriceBook, PriceCatalog
from linkledger.domain.price_correction import PriceCorrection, rerate
from linkledger.domain.resource import Resource
from linkledger.domain.rule_book import RuleBook
from linkledger.domain.rule_library import RULE_LIBRARY_ID, RuleLibrary
from linkledger.infrastructure.recorders import (
    AccountRow,
    InvoiceRow,
    Probe,
    StuckRow,
    UsageRow,
    from_utc_text,
    utc_text,
)
from linkledger.infrastructure.snapshots import LedgerSnapshot
from linkledger.infrastructure.transcodings import OrjsonTranscoder, PydanticMapper

T = TypeVar("T")
P = ParamSpec("P")

CONFLICT_ATTEMPTS = 30
SETTLE_BATCH_ACCOUNTS = 200
SETTLE_BATCH_EVENTS = 5000


class RulesNotLoadedError(LedgerError):
    rule = "rules"


class ConflictError(LedgerError):
    rule = "concurrent writers"


@dataclass(frozen=True)
class Applied:
    """What a command did: its outcome, and whether it had been applied before (then
    nothing was written this time)."""

    command_id: str | None
    outcome: str
    duplicate: bool = False


@dataclass
class CorrectionReport:
    """What `apply_corrections` did: accounts re-rated per correction, the accounts left
    stuck (a due rule could not run), and the corrections not yet applied everywhere."""

    re_rated: dict[str, int] = field(default_factory=dict)
    stuck: list[StuckRow] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)


@dataclass
class AdvanceReport:
    to: datetime
    ran: int = 0
    accounts: int = 0
    stuck: list[StuckRow] = field(default_factory=list)
    watermark: datetime | None = None


def index_rows(portfolios: list[Portfolio]) -> dict[str, list[Any]]:
    """The rows that index what these portfolios are about to save: each invoice issued, and
    each price entry charged (per account, first and last day). Charges are read from the
    invoices they are on (merged lines, a few per month: not one per day), the open drafts
    and the invoices issued in this save; upserting a span again changes nothing."""
    invoices: list[InvoiceRow] = []
    usage: dict[tuple[str, UUID], list[str]] = {}

    def used(acct: Account, basis: str, first: str, last: str) -> None:
        key = (f"{acct.vendor}:{basis.split('; ', 1)[0]}", acct.id)
        span = usage.setdefault(key, [first, last])
        span[0], span[1] = min(span[0], first), max(span[1], last)

    for p in portfolios:
        acct = p.account
        charged = False
        for e in acct.pending_events:
            if isinstance(e, Account.InvoiceIssued):
                invoices.append(InvoiceRow(e.number, acct.id, e.period, e.at))
                for line in e.document["lines"]:
                    used(acct, line["basis"], line["from"], line["to"])
            charged = charged or isinstance(e, Account.Charged)
        if charged:
            for lines in acct.drafts.values():
                for line in lines:
                    used(acct, line["basis"], line["from"].isoformat(), line["to"].isoformat())
    return {
        "invoices": invoices,
        "usage": [UsageRow(entry, aid, first, last) for (entry, aid), (first, last) in sorted(usage.items())],
    }


def stuck_row(p: Portfolio, e: DueRuleError) -> StuckRow:
    return StuckRow(p.account.id, p.account.name, e.due.describe(), e.due.at, str(e.cause))


def in_utc(at: Any, what: str = "at") -> datetime:
    """Time is UTC inside: an aware datetime converted to UTC; a naive one, or not a datetime, is refused."""
    if not isinstance(at, datetime):
        raise InvalidInputError(f"{what} {at!r} is not a datetime; give one with a time zone, e.g. 2026-01-01T00:00Z")
    return require_aware(at, what)


def at_in_utc(command: Callable[P, T]) -> Callable[P, T]:
    """A command method whose `at` argument is converted to UTC before anything uses it, so
    every event it records happened at a UTC time (see `in_utc`)."""
    signature = inspect.signature(command)

    @functools.wraps(command)
    def with_utc_at(*args: P.args, **kwargs: P.kwargs) -> T:
        bound = signature.bind(*args, **kwargs)
        bound.arguments["at"] = in_utc(bound.arguments["at"])
        return command(*bound.args, **bound.kwargs)

    return with_utc_at


class LinkLedger(Application[UUID]):
    name = "LinkLedger"
    env: ClassVar[dict[str, str]] = {
        "TRANSCODER_TOPIC": get_topic(OrjsonTranscoder),
        "MAPPER_TOPIC": get_topic(PydanticMapper),
        "AGGREGATE_CACHE_MAXSIZE": "20000",
        # The unit of work evicts every aggregate it loaded unless its save committed,
        # so a cached object is never handed out with a refused decision in it.
        "DEEPCOPY_FROM_AGGREGATE_CACHE": "n",
        # Instead of one fast-forward SELECT per aggregate, a unit of work asks the store once
        # for the versions of everything it will use (`_refresh`) and drops what moved on.
        "AGGREGATE_CACHE_FASTFORWARD": "n",
        "IS_SNAPSHOTTING_ENABLED": "y",
    }
    snapshot_class = LedgerSnapshot
    snapshot_every = 100  # events per aggregate between snapshots

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        self._rule_book: RuleBook | None = None
        self._rule_version = -1
        self._owners: dict[UUID, UUID] = {}  # resource id -> account id: never changes
        self._refreshed: set[UUID] = set()  # ids checked against the store in this unit of work

    # ------------------------------------------------------------------ rules
    def rule_library(self) -> RuleLibrary | None:
        self._refresh([RULE_LIBRARY_ID])
        return self._rule_library()

    def _rule_library(self) -> RuleLibrary | None:
        try:
            return self.repository.get(RULE_LIBRARY_ID, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            return None

    def current_rules(self, refreshed: bool = False) -> RuleBook:
        """The price books and policies this store holds (refreshed if another process added
        some; `refreshed`: the caller has just refreshed the library)."""
        library = self._rule_library() if refreshed else self.rule_library()
        if library is None:
            raise RulesNotLoadedError(
                "this store holds no price books or policies yet; give them with --prices/--policies "
                "(the shipped ones are recorded on the first write)"
            )
        if library.version != self._rule_version:
            self._rule_book, self._rule_version = library.rule_book(), library.version
        assert self._rule_book is not None
        return self._rule_book

    def record_rules(self, books: list[tuple[PriceBook, str]], policies: list[tuple[Policy, str]], at: datetime) -> int:
        """Record the price books and policies the store does not hold yet, at ledger time
        `at`; the same content again is a no-op, other content under a held version is
        refused (nothing is recorded). Returns how many were recorded."""
        at = require_aware(at)

        def record(library: RuleLibrary) -> int:
            n = sum(library.record_price_book(b, src, at) for b, src in books)
            return n + sum(library.record_policy(p, src, at) for p, src in policies)

        return self._change_library(record, start_at=at)

    def _change_library(self, change: Callable[[RuleLibrary], T], start_at: datetime | None = None) -> T:
        """Apply `change` to the rule library and save it if it recorded anything (or the
        library is new), retrying when another process changed the library meanwhile. Without
        `start_at`, a store with no library yet is refused."""
        for _ in range(CONFLICT_ATTEMPTS):
            library = self.rule_library()
            fresh = library is None
            if library is None:
                if start_at is None:
                    raise RulesNotLoadedError("this store holds no price books yet: there is nothing to correct")
                library = RuleLibrary.start(start_at)
            try:
                result = change(library)
                if result or fresh:
                    self.save(library)
                return result
            except IntegrityError:
                self._evict([RULE_LIBRARY_ID])
            except BaseException:
                self._evict([RULE_LIBRARY_ID])
                raise
        raise ConflictError("the rule library kept changing under this process; try again")

    # ------------------------------------------------------------------ reads
    def watermark(self) -> datetime | None:
        text = self.recorder.meta("watermark")
        return from_utc_text(text) if text else None

    def account(self, name: str) -> Account:
        self._refreshed = set()  # a read starts afresh, like a unit of work
        self._refresh([account_id(name)])
        try:
            return self.repository.get(account_id(name), deepcopy_from_cache=False)
        except AggregateNotFoundError:
            raise UnknownAccountError(f"there is no account named {name}; open it first with open_account") from None

    def resource(self, name: str) -> Resource:
        self._refreshed = set()
        self._refresh([resource_id(name)])
        try:
            return self.repository.get(resource_id(name), deepcopy_from_cache=False)
        except AggregateNotFoundError:
            raise UnknownResourceError(f"there is no port, connect, interface or connection named {name}") from None

    def portfolio(self, account: Account) -> Portfolio:
        """The account with its resources; cached resources the caller has not refreshed yet
        are refreshed first (one query)."""
        self._refresh([r.resource_id for r in account.resources if r.resource_id not in self._refreshed])
        return Portfolio(
            account, [self.repository.get(r.resource_id, deepcopy_from_cache=False) for r in account.resources]
        )

    def account_names(self) -> list[str]:
        return self.recorder.account_names()

    def stuck(self) -> list[StuckRow]:
        return self.recorder.stuck()

    def events_of(self, originator_id: UUID) -> Iterator[Any]:
        return iter(self.events.get(originator_id))

    # ------------------------------------------------------------ unit of work
    def _cached(self, aggregate_id: UUID) -> Any:
        cache = self.repository.cache
        if cache is None:
            return None
        try:
            return cache.get(aggregate_id)
        except KeyError:
            return None

    def _refresh(self, ids: list[UUID], command_id: str | None = None, account: UUID | None = None) -> Probe:
        """Ask the store, in one query, for the version of each aggregate in `ids` (and the
        command id's outcome, and whether `account` is stuck); drop from the cache what
        another process has moved on, so the next read loads it afresh."""
        if not ids and command_id is None and account is None:
            return Probe(versions={}, outcome=None, stuck=False)
        probe = self.recorder.probe(ids, command_id, account)
        for i in ids:
            cached = self._cached(i)
            if cached is not None and probe.versions.get(i) != cached.version:
                self._evict([i])
        self._refreshed.update(ids)
        return probe

    def _evict_portfolio(self, p: Portfolio) -> None:
        self._evict([a.id for a in p.aggregates()])

    def _evict(self, ids: list[UUID]) -> None:
        cache = self.repository.cache
        if cache is None:
            return
        for i in ids:
            with contextlib.suppress(KeyError):
                cache.get(i, evict=True)

    def _owner(self, resource_name: str) -> UUID:
        rid = resource_id(resource_name)
        if rid not in self._owners:
            self._owners[rid] = self.resource(resource_name).account_id
        return self._owners[rid]

    def _row(self, p: Portfolio, rules: RuleBook, stuck: bool = True) -> AccountRow:
        return AccountRow(p.account.id, p.account.name, next_due(p, rules).at, stuck)

    def _and_cached_resources(self, account_ids: list[UUID]) -> list[UUID]:
        """The accounts and the resources of those of them in the cache: what a unit of work
        checks against the store before it trusts the cache."""
        return [
            *account_ids,
            *(
                r.resource_id
                for aid in account_ids
                if (cached := self._cached(aid)) is not None
                for r in cached.resources
            ),
        ]

    def _applied_before(self, command_id: str | None) -> Applied | None:
        """The original outcome, if this command id was applied (by any process)."""
        done = self.recorder.outcome(command_id) if command_id is not None else None
        return Applied(command_id, done, duplicate=True) if done is not None else None

    @contextlib.contextmanager
    def _account_lock(self, aid: UUID) -> Iterator[None]:
        """On PostgreSQL, one unit of work per account at a time across processes (an
        advisory lock on a pooled connection), taken after a first conflict: a hot account's
        writers queue instead of retrying in a storm; optimistic concurrency stays the guard."""
        datastore = getattr(self.recorder, "datastore", None)
        if not hasattr(datastore, "schema"):
            yield
            return
        key = int.from_bytes(aid.bytes[:8], "big", signed=True)
        with datastore.get_connection() as conn:  # type: ignore[union-attr]
            conn.execute("SELECT pg_advisory_lock(%s)", (key,))
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (key,))

    def _check_new_names(self, p: Portfolio) -> None:
        """Resource names are the one store-wide constraint (ids are derived from names)."""
        for r in p.resources.values():
            if r.version == len(r.pending_events) and self.recorder.select_events(r.id, limit=1):
                raise DuplicateNameError(f"a resource named {r.name} already exists; resource names are unique")

    def _execute(
        self,
        aid: UUID | Callable[[], UUID],
        at: datetime,
        what: str,
        decide: Callable[[Portfolio, RuleBook], Any],
        command_id: str | None = None,
        new_account: Callable[[], Account] | None = None,
        account_name: str | None = None,
        not_before_clock: bool = False,
    ) -> Applied:
        """One command on one account: settle its due rules up to `at`, decide, save it all
        in one transaction (with the command id), or write nothing at all. With
        `not_before_clock`, a command earlier than the account's clock runs at the clock."""
        at = require_aware(at)
        owner = aid() if callable(aid) else aid
        for attempt in range(CONFLICT_ATTEMPTS):
            loaded: list[UUID] = [owner]
            # Optimistic first; after a conflict, queue behind the account's other writers.
            with self._account_lock(owner) if attempt else contextlib.nullcontext():
                try:
                    self._refreshed = set()
                    probe = self._refresh([RULE_LIBRARY_ID, *self._and_cached_resources([owner])], command_id, owner)
                    if probe.outcome is not None:
                        return Applied(command_id, probe.outcome, duplicate=True)
                    rules = self.current_rules(refreshed=True)
                    if new_account is not None:
                        if owner in probe.versions:
                            raise DuplicateNameError(f"account {account_name} is already open")
                        p = Portfolio(new_account(), [])
                    else:
                        try:
                            acct = self.repository.get(owner, deepcopy_from_cache=False)
                        except AggregateNotFoundError:
                            raise UnknownAccountError(
                                f"there is no account named {account_name or owner}; open it first with open_account"
                            ) from None
                        loaded += [r.resource_id for r in acct.resources]
                        p = self.portfolio(acct)
                        when = max(at, p.clock) if not_before_clock else at
                        p.check_not_before_clock(when, what)
                        settle(p, when, rules)
                    payloads_refused(what, decide, p, rules)
                    self._check_new_names(p)
                    outcome = "applied"
                    self.save(
                        *p.changed(),
                        accounts=[self._row(p, rules, stuck=probe.stuck)],
                        command=(command_id, owner, outcome) if command_id else None,
                        **index_rows([p]),
                    )
                    return Applied(command_id, outcome)
                except IntegrityError:  # a concurrent duplicate won, or a version conflict: retry
                    self._evict(loaded)
                    if (duplicate := self._applied_before(command_id)) is not None:
                        return duplicate
                except BaseException as e:
                    self._evict(loaded)
                    # The same command id, sent by another process, may have been applied
                    # since the check above; its effect (the account now open, the clock
                    # moved on) is what refused this copy: answer as a duplicate.
                    if isinstance(e, LedgerError) and (duplicate := self._applied_before(command_id)) is not None:
                        return duplicate
                    raise
            time.sleep(random.uniform(0, min(0.2, 0.005 * 2**attempt)))
        raise ConflictError(f"{what}: other writers kept changing this account; nothing was written, try again")

    def _on_account(
        self, name: str, at: datetime, what: str, decide: Callable[[Portfolio, RuleBook], Any], command_id: str | None
    ) -> Applied:
        return self._execute(account_id(name), at, what, decide, command_id, account_name=name)

    def _on_resource(
        self, name: str, at: datetime, what: str, decide: Callable[[Portfolio, RuleBook], Any], command_id: str | None
    ) -> Applied:
        return self._execute(lambda: self._owner(name), at, what, decide, command_id)

    # ------------------------------------------------------------------ time
    def advance_to(self, upto: datetime, progress: Callable[[AdvanceReport], None] | None = None) -> AdvanceReport:
        """Settle every account with a rule due at or before `upto` (read from the due index),
        in order of their next due time, many accounts per transaction. An account whose
        due rule cannot run is left as it was and reported (`stuck`); the others go on. The
        watermark moves to `upto` when no account is left stuck."""
        upto = require_aware(upto)
        report = AdvanceReport(to=upto)
        if self.rule_library() is None:
            return report
        rules = self.current_rules()
        after: tuple[datetime, UUID] | None = None
        while page := self.recorder.due_accounts(upto, after, SETTLE_BATCH_ACCOUNTS):
            after = page[-1]
            batch: list[Portfolio] = []
            rows: list[AccountRow] = []
            pending = 0
            self._refreshed = set()
            page_ids = [aid for _, aid in page]
            self._refresh(self._and_cached_resources(page_ids))
            for aid in page_ids:
                p = self.portfolio(self.repository.get(aid, deepcopy_from_cache=False))
                try:
                    ran = settle(p, upto, rules)
                    row = self._row(p, rules)
                except DueRuleError as e:
                    self._evict_portfolio(p)
                    report.stuck.append(stuck_row(p, e))
                    continue
                except BaseException:
                    self._evict_portfolio(p)
                    raise
                report.ran += ran
                report.accounts += 1
                batch.append(p)
                rows.append(row)
                pending += sum(len(a.pending_events) for a in p.aggregates())
                if pending >= SETTLE_BATCH_EVENTS:
                    self._save_settled(batch, rows, upto, report)
                    batch, rows, pending = [], [], 0
            self._save_settled(batch, rows, upto, report)
            if progress is not None:
                progress(report)
        if report.stuck:
            self.recorder.record_stuck(report.stuck)
        if not self.recorder.stuck():
            self.recorder.set_meta("watermark", utc_text(upto), only_if_greater=True)
        report.watermark = self.watermark()
        return report

    def _save_settled(
        self, batch: list[Portfolio], rows: list[AccountRow], upto: datetime, report: AdvanceReport
    ) -> None:
        if not batch:
            return
        try:
            self.save(*(a for p in batch for a in p.changed()), accounts=rows, **index_rows(batch))
        except IntegrityError:
            # Another process settled or commanded one of these accounts meanwhile: redo
            # them one at a time; each day is still charged once (the account's version guards it).
            for p in batch:
                self._evict_portfolio(p)
            for p in batch:
                try:
                    self._execute(p.account.id, upto, "settlement", lambda p, rules: None)
                except TimeRunsBackwardError:
                    pass  # a later command already settled this account past `upto`
                except DueRuleError as e:
                    report.stuck.append(stuck_row(p, e))
        except BaseException:
            for p in batch:
                self._evict_portfolio(p)
            raise

    # ------------------------------------------------------- price corrections
    def record_correction(self, correction: PriceCorrection, source: str, at: datetime) -> bool:
        """Record a price correction in the rule library at ledger time `at` (refused if it
        changes no price in force on its date); True if recorded, False if already held."""
        at = require_aware(at)
        return self._change_library(lambda library: library.record_correction(correction, source, at))

    def correction_accounts(self, correction: PriceCorrection) -> list[UUID]:
        """The accounts charged at a corrected entry on or after its date (the price-usage index)."""
        keys = [f"{correction.vendor}:{k}" for k in sorted(correction.keys)]
        return self.recorder.price_users(keys, correction.valid_from.isoformat())

    def preview_correction(
        self, correction: PriceCorrection, progress: Callable[[int, int], None] | None = None
    ) -> list[tuple[Account, list[AdjustmentLine]]]:
        """What `correction` would adjust, account by account, if it were recorded now (it is
        checked, not recorded): nothing is written."""
        library = self.rule_library()
        if library is None:
            raise RulesNotLoadedError("this store holds no price books yet: there is nothing to correct")
        held = next((c for c, _ in library.corrections if c.id == correction.id), None)
        if held is None:
            library.check_correction(correction)
            corrections = [c.as_book() for c, _ in library.corrections] + [correction.as_book()]
        else:
            corrections = [c.as_book() for c, _ in library.corrections]
        catalog = PriceCatalog(library.price_books, corrections)
        out = []
        accounts = self.correction_accounts(correction)
        for n, aid in enumerate(accounts, start=1):
            self._refreshed = set()
            self._refresh([aid])
            acct: Account = self.repository.get(aid, deepcopy_from_cache=False)
            lines, _ = rerate(correction, acct, self.events.get(aid), self._price_of(catalog, acct))
            if lines:
                out.append((acct, lines))
            if progress is not None:
                progress(n, len(accounts))
        return out

    @staticmethod
    def _price_of(catalog: PriceCatalog, acct: Account) -> Callable[[str, Any], tuple[Any, str]]:
        def price_of(entry: str, day: Any) -> tuple[Any, str]:
            found = catalog.entry_price(acct.vendor, entry, day, acct.currency)
            if found is None:  # pragma: no cover - the correction was checked against the catalog
                raise PriceCorrectionError(f"no price in force on {day} for {entry}")
            return found

        return price_of

    def apply_corrections(self, progress: Callable[[str, int, int], None] | None = None) -> CorrectionReport:
        """React to every recorded price correction not yet applied everywhere: re-rate each
        affected account in its own unit of work, whose command id (`correction:<id>:<account>`)
        is the checkpoint, written with the adjustment in one transaction; a correction is
        marked done once every affected account has it. An account whose due rules cannot
        run (stuck) is left as it was and reported; the others are re-rated. Running it
        again, or after a crash, adjusts nothing twice."""
        library = self.rule_library()
        report = CorrectionReport()
        for correction, at in library.corrections if library is not None else []:
            if self.recorder.meta(f"correction:{correction.id}") == "done":
                continue
            accounts = self.correction_accounts(correction)
            adjusted, stuck = 0, len(report.stuck)
            for n, aid in enumerate(accounts, start=1):

                def decide(
                    p: Portfolio, rules: RuleBook, correction: PriceCorrection = correction, at: datetime = at
                ) -> None:
                    # Stored events and this unit's own (settled just now: an invoice issued, days
                    # charged at the corrected price already).
                    history = [*self.events.get(p.account.id), *p.account.pending_events]
                    lines, rerated = rerate(correction, p.account, history, self._price_of(rules.prices, p.account))
                    if lines:
                        p.adjust(correction.id, correction.reason, lines, rerated, max(at, p.clock), rules)

                try:
                    applied = self._execute(
                        aid,
                        at,
                        "price correction",
                        decide,
                        command_id=f"correction:{correction.id}:{aid}",
                        not_before_clock=True,
                    )
                except DueRuleError as e:
                    report.stuck.append(StuckRow(aid, e.account, e.due.describe(), e.due.at, str(e.cause)))
                    continue
                finally:
                    if progress is not None:
                        progress(correction.id, n, len(accounts))
                adjusted += not applied.duplicate
            report.re_rated[correction.id] = adjusted
            if len(report.stuck) == stuck:
                self.recorder.set_meta(f"correction:{correction.id}", "done")
            else:
                report.pending.append(correction.id)
        if report.stuck:
            self.recorder.record_stuck(report.stuck)
        return report

    # --------------------------------------------------------------- snapshots
    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        """Snapshot each saved aggregate whose version crossed a multiple of `snapshot_every`,
        from the object in hand (no replay). A snapshot is derived data: losing a race to
        another process that took the same one is fine."""
        if self.snapshots is None:
            return
        saved: dict[UUID, int] = {}
        for e in processing_event.events:
            saved[e.originator_id] = saved.get(e.originator_id, 0) + 1
        due = [
            LedgerSnapshot.take(agg)
            for aid, n in saved.items()
            if (agg := processing_event.aggregates.get(aid)) is not None
            and agg.version // self.snapshot_every != (agg.version - n) // self.snapshot_every
        ]
        if due:
            try:
                self.snapshots.put(due)  # one transaction for all of them
            except IntegrityError:  # another process took one of them: put the rest one by one
                for snapshot in due:
                    with contextlib.suppress(IntegrityError):
                        self.snapshots.put([snapshot])

    # --------------------------------------------------------------- commands
    # The Python API: each command's `at` is converted to UTC (`at_in_utc`) and its arguments
    # are read by the same input rules as a scenario's (domain/money.py, bandwidth.py,
    # counts.py, names.py) before anything is decided; a refused argument writes nothing.
    @at_in_utc
    def open_account(
        self, name: str, vendor: str, currency: str, at: datetime, command_id: str | None = None
    ) -> Applied:
        return self._execute(
            account_id(name),
            at,
            "open_account",
            lambda p, rules: None,
            command_id,
            new_account=lambda: Account.open(name, vendor, currency, at),
            account_name=name,
        )

    @at_in_utc
    def add_user(
        self, account: str, name: str, email: str, role: str, at: datetime, command_id: str | None = None
    ) -> Applied:
        return self._on_account(account, at, "add_user", lambda p, r: p.add_user(name, email, role, at), command_id)

    @at_in_utc
    def top_up(
        self,
        account: str,
        amount: Any,
        currency: str | None,
        at: datetime,
        kind: str = "top_up",
        command_id: str | None = None,
    ) -> Applied:
        if kind not in ("top_up", "payment"):
            raise InvalidInputError(f"kind {kind!r} is not top_up or payment")
        value = to_decimal(amount, "amount", signed=True)  # the account says why a negative is refused
        return self._on_account(
            account, at, kind, lambda p, r: p.credit(kind, value, currency or p.account.currency, at), command_id
        )

    @at_in_utc
    def order_port(
        self, account: str, name: str, site: str, speed: str, at: datetime, command_id: str | None = None
    ) -> Applied:
        return self._on_account(
            account, at, "order_port", lambda p, r: p.order_port(name, site, speed, at, r), command_id
        )

    @at_in_utc
    def complete_cross_connect(self, port: str, at: datetime, command_id: str | None = None) -> Applied:
        return self._on_resource(
            port, at, "complete_cross_connect", lambda p, r: p.complete_cross_connect(port, at), command_id
        )

    @at_in_utc
    def delete_port(self, port: str, at: datetime, command_id: str | None = None) -> Applied:
        return self._on_resource(port, at, "delete_port", lambda p, r: p.delete_port(port, at), command_id)

    @at_in_utc
    def create_private_connect(
        self, account: str, name: str, a_end: str, z_end: str, mbps: int, at: datetime, command_id: str | None = None
    ) -> Applied:
        check_mbps(mbps)
        return self._on_account(
            account,
            at,
            "create_private_connect",
            lambda p, r: p.create_private_connect(name, a_end, z_end, mbps, at, r),
            command_id,
        )

    @at_in_utc
    def accept_hosted_connection(self, name: str, at: datetime, command_id: str | None = None) -> Applied:
        return self._on_resource(
            name, at, "accept_hosted_connection", lambda p, r: p.accept_hosted_connection(name, at), command_id
        )

    @at_in_utc
    def raise_bandwidth(self, name: str, mbps: int, at: datetime, command_id: str | None = None) -> Applied:
        check_mbps(mbps)
        return self._on_resource(
            name, at, "raise_bandwidth", lambda p, r: p.raise_bandwidth(name, mbps, at, r), command_id
        )

    @at_in_utc
    def cut_bandwidth(self, name: str, mbps: int, at: datetime, command_id: str | None = None) -> Applied:
        check_mbps(mbps)
        return self._on_resource(name, at, "cut_bandwidth", lambda p, r: p.cut_bandwidth(name, mbps, at, r), command_id)

    @at_in_utc
    def delete_private_connect(self, name: str, at: datetime, command_id: str | None = None) -> Applied:
        return self._on_resource(
            name, at, "delete_private_connect", lambda p, r: p.delete_private_connect(name, at, r), command_id
        )

    @at_in_utc
    def recover_private_connect(self, name: str, at: datetime, command_id: str | None = None) -> Applied:
        return self._on_resource(
            name, at, "recover_private_connect", lambda p, r: p.recover_private_connect(name, at), command_id
        )

    @at_in_utc
    def create_physical_connection(
        self,
        account: str,
        name: str,
        region: str,
        spec: str,
        operator: str,
        leased_line_rent: Any | None,
        at: datetime,
        command_id: str | None = None,
    ) -> Applied:
        check_text(operator, "operator")
        rent = to_decimal(leased_line_rent, "leased_line_rent") if leased_line_rent is not None else None

        def decide(p: Portfolio, rules: RuleBook) -> None:
            currency = p.account.currency
            if rent is not None:
                check_minor_unit(rent, currency, "leased_line_rent")
            line = LeasedLine(operator=operator, monthly_rent=rent, currency=currency if rent else None)
            p.apply_physical_connection(name, region, spec, line, at, rules)

        return self._on_account(account, at, "create_physical_connection", decide, command_id)

    @at_in_utc
    def terminate_physical_connection(self, name: str, at: datetime, command_id: str | None = None) -> Applied:
        return self._on_resource(
            name,
            at,
            "terminate_physical_connection",
            lambda p, r: p.terminate_physical_connection(name, at),
            command_id,
        )

    @at_in_utc
    def create_router_interface(
        self, account: str, at: datetime, command_id: str | None = None, **kwargs: Any
    ) -> Applied:
        if kwargs.get("months") is not None:
            kwargs["months"] = to_months(kwargs["months"])
        return self._on_account(
            account,
            at,
            "create_router_interface",
            lambda p, r: p.create_router_interface(at=at, rules=r, **kwargs),
            command_id,
        )

    @at_in_utc
    def renew_router_interface(self, name: str, months: int, at: datetime, command_id: str | None = None) -> Applied:
        months = to_months(months)
        return self._on_resource(
            name, at, "renew", lambda p, r: p.renew_router_interface(name, months, at, r), command_id
        )

    @at_in_utc
    def set_auto_renew(self, name: str, enabled: bool, at: datetime, command_id: str | None = None) -> Applied:
        if not isinstance(enabled, bool):
            raise InvalidInputError(f"enabled {enabled!r} is not True or False")
        return self._on_resource(
            name, at, "set_auto_renew", lambda p, r: p.set_auto_renew(name, enabled, at), command_id
        )

    @at_in_utc
    def add_route_entry(self, name: str, cidr: str, at: datetime, command_id: str | None = None) -> Applied:
        return self._on_resource(
            name, at, "add_route_entry", lambda p, r: p.add_route_entry(name, cidr, at), command_id
        )
