"""The view commands: `project`, `rebuild`, `status` and `feed tail`."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from linkledger.infrastructure.cli.exits import EXIT_STOPPED, EXIT_UNDONE
from linkledger.infrastructure.cli.rendering import feed_change_text, json_out, out, say
from linkledger.infrastructure.cli.stores import ledger_and_views, open_views, selected, views_of
from linkledger.infrastructure.settings import Settings

log = logging.getLogger(__name__)


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
        log.warning("stopping after this batch (again to abort)")

    def __call__(self) -> bool:
        return self.raised


def cmd_project(args: argparse.Namespace, settings: Settings) -> int:
    from linkledger.infrastructure.event_log import EventLog
    from linkledger.infrastructure.projection_runner import ProjectionRunner

    projections = selected(args.only)  # an unknown name is refused before any store is opened
    stop = StopFlag()
    with ledger_and_views(args, create_views=True) as (ledger, store):
        log_ = EventLog(ledger)
        runner = ProjectionRunner(
            log_,
            store,
            projections,
            page_size=args.page_size,
            progress=None if args.quiet else sys.stderr,
            should_stop=stop,
        )
        try:
            report = runner.follow() if args.follow else runner.catch_up()
        finally:
            runner.close()
            log_.close()
    for failure in report.failures:
        log.error("%s", failure)
    cps = ", ".join(f"{name} at {cp}" for name, cp in report.checkpoints.items())
    say(f"views {'stopped' if stop.raised else 'caught up'}: {cps}")
    return EXIT_STOPPED if report.failures else 0


def cmd_rebuild(args: argparse.Namespace, settings: Settings) -> int:
    from linkledger.infrastructure.event_log import EventLog
    from linkledger.infrastructure.rebuild import rebuild

    [projection] = selected([args.projection])
    with ledger_and_views(args, create_views=True) as (ledger, store):
        result = rebuild(EventLog(ledger), store, projection, page_size=args.page_size, progress=sys.stderr)
    rate = result.events / result.seconds if result.seconds else 0.0
    say(
        f"rebuilt {result.projection} as build {result.new} from {result.events} events in {result.seconds:.2f}s "
        f"({rate:,.0f} ev/s)"
    )
    if result.comparison is not None:
        say(result.comparison.summary(), f"readers switched from {result.old} to {result.new}; {result.old} removed")
    else:
        say(f"readers now use {result.new} (there was no earlier build)")
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from linkledger.infrastructure.event_log import EventLog
    from linkledger.infrastructure.status import render_settlement, render_status, settlement, status

    with ledger_and_views(args, absent_ok=True) as (ledger, store):
        rows = status(EventLog(ledger), store)
        ledger_doc = settlement(ledger)
    if args.json:
        json_out({"settlement": ledger_doc, "views": rows})
    else:
        out(render_settlement(ledger_doc) + render_status(rows, views_of(args)))
    if any(r["stopped"] for r in rows):
        return EXIT_STOPPED
    return EXIT_UNDONE if ledger_doc["stuck"] else 0


Show = Callable[[int, dict[str, Any], Any], None]


def change_printer(store: Any, projection: str, as_json: bool) -> Show:
    """Prints each change with what it changed: one line of text, or one JSON object a line."""
    from linkledger.infrastructure.cli.feed_changes import ChangeReader

    reader = ChangeReader(store, projection)

    def show(nid: int, message: dict[str, Any], db: Any) -> None:
        changes = reader.describe(list(message["keys"]), nid)
        if as_json:
            line = json.dumps({**message, "nid": nid, "changes": changes}, sort_keys=True, default=str)
            print(line, flush=True)
        else:
            print(feed_change_text(nid, message, changes), flush=True)

    return show


def refuse_shared_state(args: argparse.Namespace) -> None:
    """The consumer's state is a file of its own, never the event store or the views."""
    from linkledger.infrastructure.errors import SettingsError

    state = Path(args.state).expanduser().resolve()
    ours = {Path(p).expanduser().resolve() for p in (args.store, views_of(args)) if "://" not in p}
    if state in ours:
        raise SettingsError(f"--state {args.state} is the ledger's own store; give the consumer a file of its own")


def cmd_feed_tail(args: argparse.Namespace, settings: Settings) -> int:
    from linkledger.infrastructure.feed import SeenStore, tail_feed

    [projection] = selected([args.projection])
    refuse_shared_state(args)
    store = open_views(args)  # before the consumer's own file: a wrong views path makes nothing
    try:
        seen = SeenStore(args.state)
        try:
            tail_feed(  # rides out an outage of the view store (infrastructure/feed.py)
                store,
                projection.name,
                seen,
                change_printer(store, projection.name, args.json),
                group=args.group,
                consumer=args.consumer,
                count=args.count,
                claim_idle_ms=args.claim_idle_ms,
                follow=args.follow,
                should_stop=StopFlag(),
            )
        finally:
            seen.close()
    finally:
        store.close()
    return 0
