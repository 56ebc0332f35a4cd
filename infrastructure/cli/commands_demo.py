"""`linkledger demo`: both shipped examples on fresh SQLite files, their invoices, balances
and timelines, then a price correction. Without --workdir the files go in a temporary
folder that is removed at the end; with --workdir they are kept there."""

from __future__ import annotations

import argparse
import contextlib
import logging
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from linkledger.domain.errors import LedgerError
from linkledger.infrastructure.cli.rendering import balance_line, out, say, show_correction_preview
from linkledger.infrastructure.cli.stores import open_writer, remove_sqlite_file
from linkledger.infrastructure.settings import Settings

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from linkledger.infrastructure.view_queries import Views

DEMO_SHOWS = {
    "zenlayer": (["ACME"], ["2026-01", "2026-02"], ["HKG-1", "SIN-1", "PC-HKG-SIN", "PC-HKG-AWS", "AWS-HC-1"]),
    "alibaba": (["GLOBEX"], ["2017-11", "2017-12", "2018-01"], ["PC-HK-1", "RI-HK-1", "RI-VPC-1", "RI-VPC-RCV"]),
}


class DemoError(LedgerError):
    rule = "demo"


def find_examples(explicit: str | None) -> Path:
    """The --examples folder if given, else the examples installed with the package."""
    from importlib import resources

    folder = Path(explicit) if explicit else Path(str(resources.files("linkledger.examples")))
    if not (folder / "zenlayer" / "scenario.txt").exists():
        raise DemoError(
            f"{folder} holds no zenlayer/scenario.txt; pass --examples PATH to a folder laid out like the "
            "shipped examples/"
        )
    return folder


@contextlib.contextmanager
def demo_folder(workdir: str | None) -> Iterator[Path]:
    """--workdir (kept, made if missing), or a temporary folder removed afterwards."""
    if workdir:
        Path(workdir).mkdir(parents=True, exist_ok=True)
        yield Path(workdir)
        say(f"the demo's stores and views are kept in {workdir}")
        return
    with tempfile.TemporaryDirectory(prefix="linkledger-demo-") as folder:
        yield Path(folder)
    say(
        f"the demo's stores and views were in a temporary folder ({folder}), now removed; "
        "pass --workdir DIR to keep them"
    )


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    examples = find_examples(args.examples)
    with demo_folder(args.workdir) as workdir:
        for vendor, shows in DEMO_SHOWS.items():
            demo_vendor(examples, vendor, workdir, shows)
        demo_correction(examples, workdir)
    return 0


def fresh(path: Path) -> str:
    """The demo's own store file, replaced if an earlier demo left it (--workdir says so)."""
    if path.exists():
        log.info("replacing %s from an earlier demo", path)
    remove_sqlite_file(path)
    return str(path)


def demo_vendor(examples: Path, vendor: str, workdir: Path, shows: tuple[list[str], list[str], list[str]]) -> None:
    """Run one vendor's scenario into a fresh store, build its views and print from them."""
    from linkledger.infrastructure.event_log import EventLog
    from linkledger.infrastructure.projection_runner import ProjectionRunner
    from linkledger.infrastructure.scenario import parse_scenario, run_scenario
    from linkledger.infrastructure.view_queries import Views
    from linkledger.infrastructure.view_stores import open_view_store
    from linkledger.projections.catalog import PROJECTIONS

    path = examples / vendor / "scenario.txt"
    store, views_path = fresh(workdir / f"{vendor}.db"), fresh(workdir / f"{vendor}.views.db")
    scenario = parse_scenario(path)
    with open_writer(store, scenario.prices, scenario.policies, scenario.lines[0].at) as ledger:
        n = run_scenario(ledger, scenario).applied
        view_store = open_view_store(views_path)
        try:
            with ProjectionRunner(EventLog(ledger), view_store, PROJECTIONS.values()) as runner:
                report = runner.catch_up()
            say(
                f"=== {vendor}: {path} ({n} lines) -> {store}; views at event {min(report.checkpoints.values())} "
                f"in {views_path}"
            )
            show_views(Views(view_store), *shows)
        finally:
            view_store.close()


def show_views(views: Views, accounts: list[str], periods: list[str], resources: list[str]) -> None:
    from linkledger.projections.invoices import render_invoice_text
    from linkledger.projections.timelines import render_timeline_text

    for account in accounts:
        for period in periods:
            out(render_invoice_text(views.invoice(account, period)))
        say(f"  {balance_line(views.balance(account))}\n")
    for resource in resources:
        out(render_timeline_text(views.timeline(resource)))
    say("")


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
        say(f"=== a price correction: {path}")
        show_correction_preview(correction, ledger.preview_correction(correction), as_json=False)
        at = ledger.watermark()
        if at is None:  # the scenario above settled the store: a watermark is there
            raise LedgerError("the demo's zenlayer store was not settled; run `linkledger demo` again")
        ledger.record_correction(correction, source, at)
        ledger.apply_corrections()
        ledger.advance_to(datetime.fromisoformat("2026-03-01T01:00:00+00:00"))
        history = AccountHistory(ledger, "ACME")
        out(render_invoice_text(history.invoice("2026-02")))
        january = history.invoice("2026-01")
        result = audit_invoice(ledger, january["number"])
    verdict = "byte-identical to the log at its cut-off" if result.passed else "DIFFERS"
    say(
        f"  audit {result.number}: {verdict}; January stays as issued: TOTAL {january['total']} {january['currency']}\n"
    )
