"""The write commands: `run`, `advance` and `correct-prices`. Each imports what it needs
when it runs, so `linkledger --help` and the read commands start fast."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from linkledger.infrastructure.cli.progress import Progress, wanted
from linkledger.infrastructure.cli.rendering import correction_outcome, report_stuck, say, show_correction_preview
from linkledger.infrastructure.cli.stores import (
    absent_file,
    forget_new_store,
    open_reader,
    open_writer,
    project_after_write,
)
from linkledger.infrastructure.settings import Settings

log = logging.getLogger(__name__)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from linkledger.infrastructure.scenario import ScenarioError, ScenarioRun, parse_scenario

    scenario = parse_scenario(Path(args.scenario))
    first = scenario.lines[0].at if scenario.lines else None
    prices = settings.prices + scenario.prices + args.prices
    policies = settings.policies + scenario.policies + args.policies
    new = absent_file(args.store)
    with open_writer(args.store, prices, policies, first) as ledger:
        run = ScenarioRun(ledger, scenario, until=args.until)
        try:
            apply_lines(run, len(scenario.lines), args)
        except ScenarioError:
            if run.applied or run.skipped or new is None:
                project_after_write(ledger, args)  # the views show every line applied before the refused one
                raise
            ledger.close()
            forget_new_store(new)  # refused at its first line: the store this run made goes again
            raise
        skipped = f", {run.skipped} applied before (skipped)" if run.skipped else ""
        settled = f"; every account settled up to {run.settled_to.isoformat()}" if run.settled_to else ""
        say(f"applied {run.applied} line(s) of {scenario.source}{skipped}{settled}")
        code = project_after_write(ledger, args)
        return report_stuck(list(run.stuck.values())) or code


def apply_lines(run: Any, total: int, args: argparse.Namespace) -> None:
    """Apply the scenario's lines: each echoed with -v, or a progress bar over them."""
    with Progress("lines", quiet=args.verbose, disable=wanted(args)) as bar:
        for result in run.lines():
            if args.verbose:
                mark = "" if result.applied else "   (applied before: skipped)"
                print(f"  {result.line.number:>4}: {result.line.text}{mark}", file=sys.stderr)
            else:
                bar(total)


def cmd_advance(args: argparse.Namespace, settings: Settings) -> int:
    ledger = open_writer(args.store, settings.prices + args.prices, settings.policies + args.policies, args.to)
    with ledger, Progress("accounts settled", disable=wanted(args)) as bar:
        report = ledger.advance_to(args.to, progress=lambda r: bar.to(r.accounts))
        bar.close()
        mark = report.watermark.isoformat() if report.watermark else "-"
        say(
            f"ran {report.ran} due rule(s) for {report.accounts} account(s) up to {args.to.isoformat()}; "
            f"every account settled up to {mark}"
        )
        code = project_after_write(ledger, args)
        return report_stuck(report.stuck) or code


def cmd_correct_prices(args: argparse.Namespace, settings: Settings) -> int:
    from linkledger.infrastructure.rule_files import load_correction

    correction, source = load_correction(Path(args.file), args.reason)
    if args.dry_run:
        with open_reader(args.store) as ledger, Progress("accounts read", quiet=args.json) as read:
            preview = ledger.preview_correction(correction, lambda _, total: read(total))
        return show_correction_preview(correction, preview, args.json)
    with open_reader(args.store) as ledger:
        at = correction_time(args, ledger)
        recorded = ledger.record_correction(correction, source, at)
        with Progress("accounts re-rated", quiet=args.json) as re_rated:
            report = ledger.apply_corrections(lambda _, __, total: re_rated(total))
        code = project_after_write(ledger, args)
    if report.pending:
        log.warning(
            "correction(s) %s not applied to every account yet; run `linkledger correct-prices` again once the "
            "accounts left undone are fixed",
            ", ".join(report.pending),
        )
    correction_outcome(correction, recorded, at, report.re_rated, args.json)
    return report_stuck(report.stuck) or code


def correction_time(args: argparse.Namespace, ledger: Any) -> Any:
    from linkledger.domain.errors import PriceCorrectionError

    at = args.at or ledger.watermark()
    if at is None:
        raise PriceCorrectionError(
            "this store has no watermark yet (run `linkledger advance`); give --at TIME: "
            "the ledger time the correction is recorded at"
        )
    return at
