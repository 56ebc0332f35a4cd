"""`linkledger`: run scenarios, keep the views up to date, read invoices, timelines,
balances and notices from them (or as the ledger knew them at a time), audit issued
invoices, correct prices, and the demo."""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from linkledger.domain.billing_day import deduction_time, month_bounds
from linkledger.domain.errors import LedgerError, PriceCorrectionError
from linkledger.infrastructure.errors import FaultError, fault_of
from linkledger.infrastructure.event_store import StoreUrlError, event_store_env
from linkledger.infrastructure.settings import Settings
from linkledger.infrastructure.view_store import ViewStore, ViewStoreError
from linkledger.infrastructure.view_stores import default_views_for, open_view_store
from linkledger.projections.names import PROJECTION_NAMES
from linkledger.projections.rendering import to_json

if TYPE_CHECKING:
    from linkledger.infrastructure.ledger import AdvanceReport, LinkLedger
    from linkledger.infrastructure.recorders import StuckRow
    from linkledger.infrastructure.view_queries import Views

# The rest is imported by the command that needs it: a read from a view in a fresh process
# pays for the view and its rendering, not for the event store, Redis or the projection runner.

T = TypeVar("T")

EXIT_REFUSED = 2
EXIT_STOPPED = 1
EXIT_DIFFERS = 1  # `audit`: an issued invoice differs from its recomputation
EXIT_UNDONE = 3  # some accounts could not be settled (a due rule could not run); the others were


def open_writer(store: str, prices: list[Path], policies: list[Path], at: datetime | None) -> LinkLedger:
    """The ledger for a write command, with the shipped and given rule files recorded in the
    store (those it does not hold yet) at ledger time `at`, or at its watermark if later."""
    from linkledger.infrastructure.bootstrap import open_ledger, record_rule_files

    ledger = open_ledger(store)
    try:
        when = latest(at, ledger.watermark())
        if when is not None:
            record_rule_files(ledger, prices, policies, when)
    except BaseException:
        ledger.close()
        raise
    return ledger


def latest(*times: datetime | None) -> datetime | None:
    return max((t for t in times if t is not None), default=None)


def _period(text: str) -> str:
    if not re.fullmatch(r"\d{4}-\d{2}", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a period: write YYYY-MM, such as 2026-01")
    try:
        month_bounds(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a period: write YYYY-MM, such as 2026-01") from None
    return text


def _time(text: str) -> Any:
    from linkledger.infrastructure.scenario import parse_time

    try:
        return parse_time(text)
    except (ValueError, LedgerError) as e:  # not a time, or a time without a zone
        raise argparse.ArgumentTypeError(str(e)) from None


def report_stuck(stuck: list[StuckRow]) -> int:
    for row in stuck:
        print(f"linkledger: left undone: account {row.name}: {row.rule}: {row.message}", file=sys.stderr)
    if stuck:
        print(
            f"linkledger: {len(stuck)} account(s) could not be settled; the others were. Fix the cause "
            f"(e.g. load the missing price with --prices) and run `linkledger advance` again",
            file=sys.stderr,
        )
        return EXIT_UNDONE
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from linkledger.infrastructure.scenario import ScenarioError, ScenarioRun, parse_scenario

    scenario = parse_scenario(Path(args.scenario))
    first = scenario.lines[0].at if scenario.lines else None
    ledger = open_writer(
        args.store,
        settings.prices + scenario.prices + args.prices,
        settings.policies + scenario.policies + args.policies,
        first,
    )
    with ledger:
        run = ScenarioRun(ledger, scenario, until=args.until)
        try:
            for result in run.lines():
                line = result.line
                if args.verbose:
                    mark = "" if result.applied else "   (applied before: skipped)"
                    print(f"  {line.number:>4}: {line.text}{mark}", file=sys.stderr)
                elif (run.applied + run.skipped) % 500 == 0:
                    print(
                        f"  ... {run.applied + run.skipped}/{len(scenario.lines)} lines, at {line.at.isoformat()}",
                        file=sys.stderr,
                    )
        except ScenarioError:
            project_after_write(ledger, args)  # the views show every line applied before the refused one
            raise
        skipped = f", {run.skipped} applied before (skipped)" if run.skipped else ""
        settled = f"; every account settled up to {run.settled_to.isoformat()}" if run.settled_to else ""
        print(f"applied {run.applied} line(s) of {scenario.source}{skipped}{settled}")
        code = project_after_write(ledger, args)
        return report_stuck(list(run.stuck.values())) or code


def views_of(args: argparse.Namespace) -> str:
    return args.views or default_views_for(args.store)


@contextlib.contextmanager
def reading(args: argparse.Namespace, projections: list[str]) -> Any:
    """The views to read from; with --fresh, after they have caught up with the log."""
    from linkledger.infrastructure.view_queries import Views

    env = event_store_env(args.store)
    if "SQLITE_DBNAME" in env and not Path(env["SQLITE_DBNAME"]).exists():  # cheap: no store, no views
        raise StoreUrlError(f"there is no event store at {args.store}; write one with `linkledger run SCENARIO`")
    store = open_view_store(views_of(args))
    try:
        views = Views(store)
        if args.fresh:
            from linkledger.infrastructure.bootstrap import open_ledger
            from linkledger.infrastructure.event_log import EventLog

            with open_ledger(args.store, must_exist=True) as ledger:
                views.wait_fresh(projections, ledger.name, EventLog(ledger).head(), args.timeout)
        yield views
    finally:
        store.close()


def query(
    args: argparse.Namespace, projection: str, from_log: Callable[[LinkLedger], T], from_view: Callable[[Views], T]
) -> T:
    """One read, from the view (the default) or, with --from-log, folded from the event log."""
    if args.from_log:
        from linkledger.infrastructure.bootstrap import open_ledger

        with open_ledger(args.store, must_exist=True) as ledger:
            return from_log(ledger)
    with reading(args, [projection]) as views:
        return from_view(views)


def month_closes_at(ledger: LinkLedger, vendor: str, period: str) -> datetime:
    """When the deduction for the month's last day falls due (by the policy in force then)."""
    from linkledger.domain.due_rules import deduction_time_of

    _, last = month_bounds(period)
    try:
        return deduction_time_of(vendor, last, ledger.current_rules())
    except LedgerError:  # no policy held: the month is over when its last day is
        return deduction_time(last, 0)


def cmd_invoice(args: argparse.Namespace, settings: Settings) -> int:
    from linkledger.projections.invoices import empty_month_note, render_invoice_text

    explain = None
    if args.as_at or args.explain or args.from_log:
        from linkledger.infrastructure.bootstrap import open_ledger
        from linkledger.infrastructure.history import AccountHistory

        with open_ledger(args.store, must_exist=True) as ledger:
            history = AccountHistory(ledger, args.account, args.as_at)
            doc, clock = history.invoice(args.period), history.clock
            explain = history.explain(args.period) if args.explain else None
            mark = None if args.as_at else ledger.watermark()
            closes_at = month_closes_at(ledger, doc.get("vendor", ""), args.period)
    else:
        with reading(args, ["invoices"]) as views:
            doc, clock = views.invoice(args.account, args.period), views.account_clock(args.account)
        mark, closes_at = None, None
    if doc.get("status") == "provisional" and clock is not None:
        doc["as_of"] = clock
    note = None
    if not doc["lines"] and doc.get("status") != "issued":  # not yet billed, or no charges?
        if closes_at is None:
            from linkledger.infrastructure.bootstrap import open_ledger

            with open_ledger(args.store, must_exist=True) as ledger:
                mark = ledger.watermark()
                closes_at = month_closes_at(ledger, doc.get("vendor", ""), args.period)
        note = empty_month_note(args.period, latest(clock, mark), closes_at)
    if args.json:
        sys.stdout.write(to_json({**doc, "explain": explain} if explain is not None else doc))
    else:
        sys.stdout.write(render_invoice_text(doc, note, explain))
    return 0


def cmd_timeline(args: argparse.Namespace, settings: Settings) -> int:
    from linkledger.projections.timelines import render_timeline_text

    def from_log(ledger: LinkLedger) -> dict[str, Any]:
        from linkledger.infrastructure.history import resource_as_at

        return resource_as_at(ledger, args.resource, args.as_at)

    args.from_log = args.from_log or args.as_at is not None
    doc = query(args, "timelines", from_log, lambda views: views.timeline(args.resource))
    sys.stdout.write(to_json(doc) if args.json else render_timeline_text(doc))
    return 0


def cmd_notices(args: argparse.Namespace, settings: Settings) -> int:
    with reading(args, ["notices"]) as views:
        doc = views.notices(args.account)
    if args.json:
        sys.stdout.write(to_json(doc))
        return 0
    print(f"notices for {doc['account']}: {len(doc['notices'])}")
    for n in doc["notices"]:
        to = ", ".join(f"{r['name']} <{r['email']}> ({r['role']})" for r in n["recipients"]) or "nobody"
        print(f"  {n['at']}  {n['notice']:<20} {n['subject']}\n    to: {to}")
    return 0


def balance_line(doc: dict[str, Any]) -> str:
    stage = f", stage {doc['stage']}" if doc["stage"] else ""
    return f"balance {doc['balance']} {doc['currency']}{stage}"


def cmd_balance(args: argparse.Namespace, settings: Settings) -> int:
    def from_log(ledger: LinkLedger) -> tuple[dict[str, Any], dict[str, str]]:
        from linkledger.infrastructure.history import AccountHistory

        return AccountHistory(ledger, args.account, args.as_at).balance(), {}

    args.from_log = args.from_log or args.as_at is not None
    doc, days = query(
        args,
        "balances",
        from_log,
        lambda views: (views.balance(args.account), views.balance_days(args.account) if args.days else {}),
    )
    if args.json:
        sys.stdout.write(to_json({**doc, "days": days} if args.days else doc))
    else:
        print(f"{doc['account']} ({doc['vendor']}): {balance_line(doc)}")
        for r in doc["resources"]:
            print(f"  {r['kind']:<22} {r['name']:<14} {r['state']}")
        for day, amount in days.items():
            print(f"  {day}  {amount:>12} {doc['currency']}")
    return 0


def cmd_advance(args: argparse.Namespace, settings: Settings) -> int:
    ledger = open_writer(args.store, settings.prices + args.prices, settings.policies + args.policies, args.to)
    started = time.monotonic()

    def progress(r: AdvanceReport) -> None:
        if time.monotonic() - started > 2:
            print(f"  ... {r.accounts} account(s) settled, {r.ran} due rule(s) run", file=sys.stderr)

    with ledger:
        report = ledger.advance_to(args.to, progress=progress)
        mark = report.watermark.isoformat() if report.watermark else "-"
        print(
            f"ran {report.ran} due rule(s) for {report.accounts} account(s) up to {args.to.isoformat()}; "
            f"every account settled up to {mark}"
        )
        code = project_after_write(ledger, args)
        return report_stuck(report.stuck) or code


def cmd_rules(args: argparse.Namespace, settings: Settings) -> int:
    from linkledger.infrastructure.bootstrap import open_ledger

    with open_ledger(args.store, must_exist=True) as ledger:
        library = ledger.rule_library()
        rows = library.describe() if library else []
    if args.json:
        sys.stdout.write(to_json(rows))
        return 0
    if not rows:
        print("this store holds no price books or policies yet")
    for r in rows:
        print(
            f"{r['kind']:<10} {r['vendor']:<8} {r['version']:<36} effective {r['effective_on']}  "
            f"recorded {r['recorded_at']}  {r['digest'][:19]}  {r['source']}"
        )
    return 0


def cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    from linkledger.infrastructure.bootstrap import open_ledger
    from linkledger.infrastructure.history import Audit, audit_account, audit_invoice

    if bool(args.number) == bool(args.all):
        raise AuditUsageError("give one invoice number, or --all")
    with open_ledger(args.store, must_exist=True) as ledger:
        if args.number:
            results = [audit_invoice(ledger, args.number)]
        else:
            rows = ledger.recorder.invoices()
            audited = Progress("invoices audited", quiet=args.json)
            results = []
            for aid in dict.fromkeys(r.account_id for r in rows):
                results += audit_account(ledger, aid, progress=lambda _: audited(len(rows)))
            audited.close()
    failed = [r for r in results if not r.passed]
    if args.json:
        sys.stdout.write(
            to_json(
                [
                    {
                        "number": r.number,
                        "account": r.account,
                        "period": r.period,
                        "issued_at": r.issued_at,
                        "identical": r.passed,
                        "differences": r.differences,
                    }
                    for r in results
                ]
            )
        )
    else:

        def show(r: Audit) -> None:
            verdict = "byte-identical to the log at its cut-off" if r.passed else "DIFFERS from the log"
            print(
                f"{r.number}  {r.account} {r.period}  issued {r.issued_at.isoformat().replace('+00:00', 'Z')}: {verdict}"
            )
            for d in r.differences:
                print(f"    {d}")

        for r in results if args.number else failed:
            show(r)
        if args.all:
            print(
                f"audited {len(results)} issued invoice(s): {len(results) - len(failed)} byte-identical, "
                f"{len(failed)} differ"
            )
    return EXIT_DIFFERS if failed else 0


class AuditUsageError(LedgerError):
    rule = "audit"


class Progress:
    """A progress bar on stderr (tqdm), advanced one step per call with the total of the work;
    made on the first call and made again when the total changes (the next correction, say)."""

    def __init__(self, unit: str, quiet: bool = False) -> None:
        self.unit, self.quiet = unit, quiet
        self.bar: Any = None

    def __call__(self, total: int) -> None:
        if self.bar is None or self.bar.total != total:
            self.close()
            from tqdm import tqdm

            self.bar = tqdm(
                total=total, unit=f" {self.unit}", file=sys.stderr, disable=self.quiet or None, mininterval=0.5
            )
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def cmd_correct_prices(args: argparse.Namespace, settings: Settings) -> int:
    from linkledger.infrastructure.bootstrap import open_ledger
    from linkledger.infrastructure.rule_files import load_correction

    correction, source = load_correction(Path(args.file), args.reason)
    if args.dry_run:
        read = Progress("accounts read", quiet=args.json)
        with open_ledger(args.store, must_exist=True) as ledger:
            preview = ledger.preview_correction(correction, lambda _, total: read(total))
        read.close()
        return show_correction_preview(correction, preview, args.json)
    with open_ledger(args.store, must_exist=True) as ledger:
        at = args.at or ledger.watermark()
        if at is None:
            raise PriceCorrectionError(
                "this store has no watermark yet (run `linkledger advance`); give --at TIME: "
                "the ledger time the correction is recorded at"
            )
        recorded = ledger.record_correction(correction, source, at)
        re_rated = Progress("accounts re-rated", quiet=args.json)
        report = ledger.apply_corrections(lambda _, __, total: re_rated(total))
        re_rated.close()
        done = report.re_rated
        code = project_after_write(ledger, args)
    state = "recorded" if recorded else "already recorded"
    if report.pending:
        print(
            f"linkledger: correction(s) {', '.join(report.pending)} not applied to every account yet; run "
            "`linkledger correct-prices` again once the accounts left undone are fixed",
            file=sys.stderr,
        )
    if args.json:
        sys.stdout.write(
            to_json(
                {
                    "correction": correction.id,
                    "recorded": recorded,
                    "at": at,
                    "accounts_re_rated": done.get(correction.id, 0),
                }
            )
        )
    elif correction.id in done:
        print(f"correction {correction.id} {state} at {at.isoformat()}; {done[correction.id]} account(s) re-rated now")
    else:
        print(f"correction {correction.id} {state}; it had been applied to every affected account before")
    return report_stuck(report.stuck) or code


def show_correction_preview(correction: Any, preview: list[tuple[Any, list[Any]]], as_json: bool) -> int:
    from decimal import Decimal

    if as_json:
        sys.stdout.write(
            to_json(
                {
                    "correction": correction.id,
                    "valid_from": correction.valid_from,
                    "dry_run": True,
                    "accounts": [
                        {
                            "account": acct.name,
                            "currency": acct.currency,
                            "difference": sum((x.difference for x in lines), Decimal(0)),
                            "lines": [x.model_dump() for x in lines],
                        }
                        for acct, lines in preview
                    ],
                }
            )
        )
        return 0
    print(f"dry run of correction {correction.id} (valid from {correction.valid_from}): nothing is written")
    for acct, lines in preview:
        by_invoice: dict[str, list[Any]] = {}
        for x in lines:
            by_invoice.setdefault(x.invoice or f"{x.period} (not yet issued)", []).append(x)
        for invoice, xs in sorted(by_invoice.items()):
            old = sum((x.old_amount for x in xs), Decimal(0))
            new = sum((x.new_amount for x in xs), Decimal(0))
            print(f"  {acct.name} {invoice}: {old} -> {new} ({'+' if new >= old else ''}{new - old} {acct.currency})")
            for x in xs:
                print(
                    f"      {x.line_id or '-':<4} {x.resource} {x.item} {x.from_day}..{x.to_day}: "
                    f"{x.old_amount} -> {x.new_amount} ({len(x.charges)} charge(s))"
                )
    if not preview:
        print("  no charge made so far would change")
    return 0


class StopFlag:
    """SIGINT/SIGTERM ask the runner to finish its batch, write its checkpoint and exit."""

    def __init__(self) -> None:
        self.raised = False
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._set)

    def _set(self, signum: int, frame: Any) -> None:
        if self.raised:
            raise KeyboardInterrupt
        self.raised = True
        print("linkledger: stopping after this batch (again to abort)", file=sys.stderr)

    def __call__(self) -> bool:
        return self.raised


def project_after_write(ledger: LinkLedger, args: argparse.Namespace) -> int:
    """After a write command, catch the views up (unless --no-project): one process, fresh views."""
    if args.no_project:
        return 0
    from linkledger.infrastructure.event_log import EventLog
    from linkledger.infrastructure.projection_runner import ProjectionRunner
    from linkledger.projections.catalog import PROJECTIONS

    store = open_view_store(views_of(args))
    try:
        with ProjectionRunner(EventLog(ledger), store, PROJECTIONS.values(), progress=sys.stderr) as runner:
            report = runner.catch_up()
    finally:
        store.close()
    for failure in report.failures:
        print(f"linkledger: {failure}", file=sys.stderr)
    return EXIT_STOPPED if report.failures else 0


def _selected(names: list[str] | None) -> list[Any]:
    from linkledger.projections.catalog import PROJECTIONS

    unknown = [n for n in names or [] if n not in PROJECTIONS]
    if unknown:
        raise ViewStoreError(f"no projection named {', '.join(unknown)}; there are: {', '.join(PROJECTIONS)}")
    return [PROJECTIONS[n] for n in names] if names else list(PROJECTIONS.values())


@contextlib.contextmanager
def ledger_and_views(args: argparse.Namespace) -> Iterator[tuple[LinkLedger, ViewStore]]:
    """The event store (it must exist), then its view store: nothing is made for a wrong path."""
    from linkledger.infrastructure.bootstrap import open_ledger

    with open_ledger(args.store, must_exist=True) as ledger:
        store = open_view_store(views_of(args))
        try:
            yield ledger, store
        finally:
            store.close()


def cmd_project(args: argparse.Namespace, settings: Settings) -> int:
    from linkledger.infrastructure.event_log import EventLog
    from linkledger.infrastructure.projection_runner import ProjectionRunner

    stop = StopFlag()
    with ledger_and_views(args) as (ledger, store):
        log = EventLog(ledger)
        runner = ProjectionRunner(
            log,
            store,
            _selected(args.only),
            page_size=args.page_size,
            progress=None if args.quiet else sys.stderr,
            should_stop=stop,
        )
        try:
            report = runner.follow() if args.follow else runner.catch_up()
        finally:
            runner.close()
            log.close()
    for failure in report.failures:
        print(f"linkledger: {failure}", file=sys.stderr)
    cps = ", ".join(f"{name} at {cp}" for name, cp in report.checkpoints.items())
    print(f"views {'stopped' if stop.raised else 'caught up'}: {cps}")
    return EXIT_STOPPED if report.failures else 0


def cmd_rebuild(args: argparse.Namespace, settings: Settings) -> int:
    from linkledger.infrastructure.event_log import EventLog
    from linkledger.infrastructure.rebuild import rebuild

    [projection] = _selected([args.projection])
    with ledger_and_views(args) as (ledger, store):
        result = rebuild(EventLog(ledger), store, projection, page_size=args.page_size, progress=sys.stderr)
    rate = result.events / result.seconds if result.seconds else 0.0
    print(
        f"rebuilt {result.projection} as build {result.new} from {result.events} events in {result.seconds:.2f}s "
        f"({rate:,.0f} ev/s)"
    )
    if result.comparison is not None:
        print(result.comparison.summary())
        print(f"readers switched from {result.old} to {result.new}; {result.old} removed")
    else:
        print(f"readers now use {result.new} (there was no earlier build)")
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from linkledger.infrastructure.event_log import EventLog
    from linkledger.infrastructure.status import render_settlement, render_status, settlement, status

    with ledger_and_views(args) as (ledger, store):
        rows = status(EventLog(ledger), store)
        ledger_doc = settlement(ledger)
    if args.json:
        sys.stdout.write(to_json({"settlement": ledger_doc, "views": rows}))
    else:
        sys.stdout.write(render_settlement(ledger_doc) + render_status(rows, views_of(args)))
    if any(r["stopped"] for r in rows):
        return EXIT_STOPPED
    return EXIT_UNDONE if ledger_doc["stuck"] else 0


def cmd_feed_tail(args: argparse.Namespace, settings: Settings) -> int:
    from linkledger.infrastructure.feed import SeenStore, tail_feed

    [projection] = _selected([args.projection])
    store = open_view_store(views_of(args))
    seen = SeenStore(args.state)
    stop = StopFlag()

    def show(nid: int, message: dict[str, Any], db: Any) -> None:
        print(f"{nid} {message['event']} {' '.join(message['keys'])}", flush=True)

    try:
        tail_feed(
            store,
            projection.name,
            seen,
            show,
            group=args.group,
            consumer=args.consumer,
            count=args.count,
            claim_idle_ms=args.claim_idle_ms,
            follow=args.follow,
            should_stop=stop,
        )
    finally:
        seen.close()
        store.close()
    return 0


def find_examples(explicit: str | None) -> Path:
    """The --examples folder if given, else the examples installed with the package."""
    from importlib import resources

    candidates = [Path(explicit)] if explicit else [Path(str(resources.files("linkledger.examples")))]
    for c in candidates:
        if (c / "zenlayer" / "scenario.txt").exists():
            return c
    raise SystemExit(
        f"linkledger demo: {candidates[0]} holds no zenlayer/scenario.txt; pass --examples PATH to a folder "
        "laid out like the shipped examples/"
    )


DEMO_SHOWS = {
    "zenlayer": (["ACME"], ["2026-01", "2026-02"], ["HKG-1", "SIN-1", "PC-HKG-SIN", "PC-HKG-AWS", "AWS-HC-1"]),
    "alibaba": (["GLOBEX"], ["2017-11", "2017-12", "2018-01"], ["PC-HK-1", "RI-HK-1", "RI-VPC-1", "RI-VPC-RCV"]),
}


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from linkledger.infrastructure.event_log import EventLog
    from linkledger.infrastructure.projection_runner import ProjectionRunner
    from linkledger.infrastructure.scenario import parse_scenario, run_scenario
    from linkledger.infrastructure.view_queries import Views
    from linkledger.projections.catalog import PROJECTIONS
    from linkledger.projections.invoices import render_invoice_text
    from linkledger.projections.timelines import render_timeline_text

    examples = find_examples(args.examples)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="linkledger-demo-"))
    for vendor, (accounts, periods, resources) in DEMO_SHOWS.items():
        path = examples / vendor / "scenario.txt"
        store = str(workdir / f"{vendor}.db")
        if Path(store).exists():
            Path(store).unlink()
        scenario = parse_scenario(path)
        ledger = open_writer(store, scenario.prices, scenario.policies, scenario.lines[0].at)
        n = run_scenario(ledger, scenario).applied
        views_path = default_views_for(store)
        if Path(views_path).exists():
            Path(views_path).unlink()
        view_store = open_view_store(views_path)
        with ProjectionRunner(EventLog(ledger), view_store, PROJECTIONS.values()) as runner:
            report = runner.catch_up()
        print(
            f"=== {vendor}: {path} ({n} lines) -> {store}; views at event {min(report.checkpoints.values())} "
            f"in {views_path}"
        )
        views = Views(view_store)
        for account in accounts:
            for period in periods:
                sys.stdout.write(render_invoice_text(views.invoice(account, period)))
            print(f"  {balance_line(views.balance(account))}\n")
        for resource in resources:
            sys.stdout.write(render_timeline_text(views.timeline(resource)))
        print()
        view_store.close()
        ledger.close()
    demo_correction(examples, workdir)
    return 0


def demo_correction(examples: Path, workdir: Path) -> None:
    """The zenlayer store again: a price correction valid from a past date, its dry run, the
    adjustment on the next invoice, and the audit of the invoice it corrects."""
    from linkledger.infrastructure.bootstrap import open_ledger
    from linkledger.infrastructure.history import AccountHistory, audit_invoice
    from linkledger.infrastructure.rule_files import load_correction
    from linkledger.projections.invoices import render_invoice_text

    path = examples / "zenlayer" / "price_correction.toml"
    correction, source = load_correction(path, "the 200M HKG~SIN tier was listed too high from 10 January")
    with open_ledger(str(workdir / "zenlayer.db"), must_exist=True) as ledger:
        print(f"=== a price correction: {path}")
        show_correction_preview(correction, ledger.preview_correction(correction), as_json=False)
        at = ledger.watermark()
        assert at is not None
        ledger.record_correction(correction, source, at)
        ledger.apply_corrections()
        ledger.advance_to(datetime.fromisoformat("2026-03-01T01:00:00+00:00"))
        history = AccountHistory(ledger, "ACME")
        sys.stdout.write(render_invoice_text(history.invoice("2026-02")))
        january = history.invoice("2026-01")
        result = audit_invoice(ledger, january["number"])
        print(
            f"  audit {result.number}: {'byte-identical to the log at its cut-off' if result.passed else 'DIFFERS'}"
            f"; January stays as issued: TOTAL {january['total']} {january['currency']}\n"
        )


def build_parser() -> argparse.ArgumentParser:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(prog="linkledger", description=__doc__)
    parser.add_argument(
        "--store",
        default=settings.store,
        help="event store: an SQLite file (default %(default)s) or postgresql://user@host/db (env LINKLEDGER_STORE)",
    )
    parser.add_argument(
        "--views",
        default=settings.views,
        help="view store: an SQLite file (default: next to the event store, NAME.views.db) or "
        "redis://host:port/db[?prefix=ll] (env LINKLEDGER_VIEWS)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def read_options(p: argparse.ArgumentParser, from_log: bool = True) -> None:
        p.add_argument("--json", action="store_true")
        p.add_argument("--fresh", action="store_true", help="wait until the view has every event the log has")
        p.add_argument("--timeout", type=float, default=10.0, help="how long --fresh waits (seconds)")
        if from_log:
            p.add_argument("--from-log", action="store_true", help="fold the event log instead of reading the view")

    p = sub.add_parser("run", help="apply a scenario file")
    p.add_argument("scenario")
    p.add_argument("--until", type=_time, help="stop after lines at or before this time and advance the clock to it")
    p.add_argument(
        "--resume",
        action="store_true",
        help="kept for old scripts: every run applies only the lines not applied before",
    )
    p.add_argument("--prices", type=Path, action="append", default=[], help="extra price book file or folder")
    p.add_argument("--policies", type=Path, action="append", default=[], help="extra policy file or folder")
    p.add_argument("-v", "--verbose", action="store_true", help="print each line as it is applied")
    p.add_argument("--no-project", action="store_true", help="do not catch the views up afterwards")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("advance", help="run every rule due up to a time")
    p.add_argument("--to", type=_time, required=True)
    p.add_argument("--prices", type=Path, action="append", default=[])
    p.add_argument("--policies", type=Path, action="append", default=[])
    p.add_argument("--no-project", action="store_true", help="do not catch the views up afterwards")
    p.set_defaults(func=cmd_advance)

    p = sub.add_parser("rules", help="the price books and policies this store holds")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_rules)

    p = sub.add_parser("invoice", help="an account's invoice for a month")
    p.add_argument("account")
    p.add_argument("--period", type=_period, required=True, help="YYYY-MM")
    read_options(p)
    p.add_argument(
        "--as-at",
        type=_time,
        metavar="TIME",
        help="what the ledger knew at TIME (e.g. 2026-04-01T12:00Z): replayed from the log",
    )
    p.add_argument(
        "--explain",
        action="store_true",
        help="for each line: the charge events behind it, the price entry and book, the policy",
    )
    p.set_defaults(func=cmd_invoice)

    p = sub.add_parser("audit", help="recompute issued invoices from the log at their cut-off and compare")
    p.add_argument("number", nargs="?", help="an invoice number, e.g. INV-ACME-000003")
    p.add_argument("--all", action="store_true", help="every issued invoice, with a progress bar")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("correct-prices", help="record a price correction and re-rate the charges it affects")
    p.add_argument("file", help="a correction file (TOML: id, vendor, valid_from, [[entries]])")
    p.add_argument("--reason", required=True, help="why the prices were wrong (kept with the correction)")
    p.add_argument(
        "--at", type=_time, metavar="TIME", help="ledger time to record it at (default: the store's watermark)"
    )
    p.add_argument(
        "--dry-run", action="store_true", help="print what would change per account and invoice; write nothing"
    )
    p.add_argument("--json", action="store_true", help="the preview (with --dry-run) or the outcome as JSON")
    p.add_argument("--no-project", action="store_true", help="do not catch the views up afterwards")
    p.set_defaults(func=cmd_correct_prices)

    p = sub.add_parser("timeline", help="a resource's states over time")
    p.add_argument("resource")
    read_options(p)
    p.add_argument("--as-at", type=_time, metavar="TIME", help="what the ledger knew at TIME")
    p.set_defaults(func=cmd_timeline)

    p = sub.add_parser("balance", help="an account's balance and stage")
    p.add_argument("account")
    p.add_argument("--days", action="store_true", help="also the balance at the close of each day")
    read_options(p)
    p.add_argument("--as-at", type=_time, metavar="TIME", help="what the ledger knew at TIME")
    p.set_defaults(func=cmd_balance)

    p = sub.add_parser("notices", help="the reminders and notices an account's users were sent")
    p.add_argument("account")
    read_options(p, from_log=False)
    p.set_defaults(func=cmd_notices)

    p = sub.add_parser("project", help="catch the views up with the event log")
    p.add_argument("--follow", action="store_true", help="keep going as events arrive (Ctrl-C stops cleanly)")
    p.add_argument("--only", action="append", metavar="PROJECTION", help=f"one of {', '.join(PROJECTION_NAMES)}")
    p.add_argument("--page-size", type=int, default=1000, help="events per batch (default %(default)s)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_project)

    p = sub.add_parser("rebuild", help="rebuild a view side by side, compare, switch readers, drop the old one")
    p.add_argument("projection", help=f"one of {', '.join(PROJECTION_NAMES)}")
    p.add_argument("--page-size", type=int, default=1000)
    p.set_defaults(func=cmd_rebuild)

    p = sub.add_parser("status", help="each view's checkpoint, the log head, the lag, and errors")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("feed", help="downstream change feed")
    feed_sub = p.add_subparsers(dest="feed_command", required=True)
    p = feed_sub.add_parser("tail", help="consume a projection's feed (consumer group, ack after commit, dedupe)")
    p.add_argument("projection")
    p.add_argument("--group", default="tail")
    p.add_argument("--consumer", default="tail-1")
    p.add_argument("--state", default="feed-consumer.db", help="the consumer's own SQLite file (handled nids)")
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--claim-idle-ms", type=int, default=60_000, help="claim others' entries pending this long")
    p.add_argument("--follow", action="store_true", help="keep waiting for new changes")
    p.set_defaults(func=cmd_feed_tail)

    p = sub.add_parser("demo", help="run the shipped examples on fresh SQLite files and print the results")
    p.add_argument("--examples", help="folder holding zenlayer/ and alibaba/ examples")
    p.add_argument("--workdir", help="where to put the demo stores (default: a new temp folder)")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        return int(args.func(args, Settings.from_env()))
    except FaultError as e:  # a store, server or setting that cannot be used; its own exit code
        print(f"linkledger: {e}", file=sys.stderr)
        return e.exit_code
    except (LedgerError, StoreUrlError) as e:  # a scenario line's refusal too (ScenarioError)
        print(f"linkledger: {e}", file=sys.stderr)
        return EXIT_REFUSED
    except ViewStoreError as e:  # a stopped projection too (ProjectionStopped)
        print(f"linkledger: {e}", file=sys.stderr)
        return EXIT_STOPPED
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as e:  # a driver's error: a store or server fault, one line; anything else goes up
        fault = fault_of(e)
        if fault is None:
            raise
        print(f"linkledger: {fault}", file=sys.stderr)
        return fault.exit_code


if __name__ == "__main__":
    sys.exit(main())
