"""Opening the event store and the views for a command, from its arguments and settings.

A write command opens (and makes) what it writes to. A read command opens only what is
there: a missing event store or views file is refused before anything is opened, so a
mistyped path makes no file and no folder.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linkledger.domain.errors import LedgerError

if TYPE_CHECKING:
    import argparse

    from linkledger.infrastructure.ledger import LinkLedger
    from linkledger.infrastructure.view_queries import Views
    from linkledger.infrastructure.view_store import ViewStore

log = logging.getLogger(__name__)


class NothingToReadError(LedgerError):
    rule = "read"


def latest(*times: datetime | None) -> datetime | None:
    return max((t for t in times if t is not None), default=None)


def sqlite_file(store: str) -> str | None:
    """The file an SQLite store names, or None (PostgreSQL, in-memory, URIs)."""
    if store.startswith(("postgresql://", "postgres://")):
        return None
    path = store.removeprefix("sqlite:///")
    if "://" in path or path == ":memory:" or path.startswith("file:"):
        return None
    return path


def require_store(store: str) -> None:
    """Refuse a read of an SQLite store that is not there (without making its folder)."""
    path = sqlite_file(store)
    if path is not None and Path(path).expanduser().is_dir():
        from linkledger.infrastructure.errors import EventStoreUnusable

        raise EventStoreUnusable(f"{store} is a folder, not an SQLite file; give the path of the store's file")
    if path is not None and not Path(path).expanduser().is_file():
        raise NothingToReadError(
            f"there is no event store at {path}; write one with `linkledger run SCENARIO`, "
            "or point --store (LINKLEDGER_STORE) at an existing store"
        )


def views_of(args: argparse.Namespace) -> str:
    from linkledger.infrastructure.view_stores import default_views_for

    return str(args.views or default_views_for(args.store))


def missing_views(views: str) -> str | None:
    """The path of an SQLite views file that is not there, else None (Redis is asked when opened).
    The location itself was checked with the settings (`Settings.views`)."""
    from linkledger.infrastructure.view_stores import is_redis

    if is_redis(views):
        return None
    path = views.removeprefix("sqlite:///")
    return None if Path(path).expanduser().is_file() else path


def no_views(path: str) -> NothingToReadError:
    return NothingToReadError(
        f"there are no views at {path}; to build them, run `linkledger project` (write commands build them "
        "too), or point --views (LINKLEDGER_VIEWS) at existing views"
    )


def open_views(args: argparse.Namespace, create: bool = False, absent_ok: bool = False) -> ViewStore:
    """The command's view store. Made if missing only when `create` (project, rebuild, writes);
    with `absent_ok` (status), views not made yet next to an existing folder read as empty."""
    from linkledger.infrastructure.view_stores import open_view_store

    if not create and args.views is None:
        require_store(args.store)  # the default views live next to the store
    views = views_of(args)
    missing = None if create else missing_views(views)
    if missing is None:
        return open_view_store(views)
    if absent_ok and Path(missing).expanduser().parent.is_dir():
        return open_view_store(":memory:")  # nothing built yet: every view reads as not built
    raise no_views(missing)


def open_reader(store: str) -> LinkLedger:
    """The ledger for a read: it must exist; nothing is made."""
    from linkledger.infrastructure.bootstrap import open_ledger

    require_store(store)
    return open_ledger(store, must_exist=True)


def open_writer(store: str, prices: list[Path], policies: list[Path], at: datetime | None) -> LinkLedger:
    """The ledger for a write command, with the shipped and given rule files recorded in the
    store (those it does not hold yet) at ledger time `at`, or at its watermark if later."""
    from linkledger.infrastructure.bootstrap import open_ledger
    from linkledger.infrastructure.rule_files import load_policy_files, load_price_book_files

    books, rules = load_price_book_files(prices), load_policy_files(policies)  # a bad file: before any store
    ledger = open_ledger(store)
    try:
        when = latest(at, ledger.watermark())
        if when is not None:
            ledger.record_rules(books, rules, when)
    except BaseException:
        ledger.close()
        raise
    return ledger


@contextlib.contextmanager
def reading(args: argparse.Namespace, projections: list[str]) -> Iterator[Views]:
    """The views to read from; with --fresh, after they have caught up with the log."""
    require_store(args.store)  # cheap: no store, no views
    store = open_views(args)
    from linkledger.infrastructure.view_queries import Views  # after the checks: a refusal is quick

    try:
        views = Views(store)
        if args.fresh:
            from linkledger.infrastructure.event_log import EventLog

            with open_reader(args.store) as ledger:
                views.wait_fresh(projections, ledger.name, EventLog(ledger).head(), args.timeout)
        yield views
    finally:
        store.close()


@contextlib.contextmanager
def ledger_and_views(
    args: argparse.Namespace, create_views: bool = False, absent_ok: bool = False
) -> Iterator[tuple[LinkLedger, ViewStore]]:
    """The event store (it must exist), then its view store: nothing is made for a wrong path,
    and the views only by the commands that build them (`create_views`)."""
    with open_reader(args.store) as ledger:
        store = open_views(args, create=create_views, absent_ok=absent_ok)
        try:
            yield ledger, store
        finally:
            store.close()


def selected(names: list[str] | None) -> list[Any]:
    """The projections named (all when none), refusing an unknown name."""
    from linkledger.infrastructure.errors import SettingsError
    from linkledger.projections.catalog import PROJECTIONS

    unknown = [repr(n) for n in names or [] if n not in PROJECTIONS]
    if unknown:
        raise SettingsError(f"no projection named {', '.join(unknown)}; name one of: {', '.join(PROJECTIONS)}", "views")
    return [PROJECTIONS[n] for n in names] if names else list(PROJECTIONS.values())


def absent_file(store: str) -> Path | None:
    """The SQLite file a write command is about to make, or None (it exists, or is PostgreSQL)."""
    path = sqlite_file(store)
    return None if path is None or Path(path).expanduser().exists() else Path(path).expanduser()


def forget_new_store(path: Path | None) -> None:
    """A run refused at its first line leaves no store it made: remove the file (and SQLite's
    side files) this command created, so a refusal writes nothing; kept if it holds any event
    but the rule files (another process wrote to it meanwhile)."""
    import sqlite3

    from linkledger.domain.rule_library import RuleLibrary

    if path is None:
        return
    with contextlib.closing(sqlite3.connect(path)) as db:  # another process may have written since
        (others,) = db.execute(
            "SELECT count(*) FROM stored_events WHERE topic NOT LIKE ?", (f"{RuleLibrary.TOPIC}.%",)
        ).fetchone()
    if not others:
        remove_sqlite_file(path)


def remove_sqlite_file(path: Path) -> None:
    """An SQLite file and its side files (`-wal`, `-shm`, `-journal`), if there."""
    for p in (path, *(path.with_name(path.name + end) for end in ("-wal", "-shm", "-journal"))):
        p.unlink(missing_ok=True)


def project_after_write(ledger: LinkLedger, args: argparse.Namespace) -> int:
    """After a write command, catch the views up (unless --no-project): one process, fresh views."""
    import sys

    from linkledger.infrastructure.cli.exits import EXIT_STOPPED

    if args.no_project:
        return 0
    from linkledger.infrastructure.event_log import EventLog
    from linkledger.infrastructure.projection_runner import ProjectionRunner
    from linkledger.projections.catalog import PROJECTIONS

    store = open_views(args, create=True)
    try:
        with ProjectionRunner(EventLog(ledger), store, PROJECTIONS.values(), progress=sys.stderr) as runner:
            report = runner.catch_up()
    finally:
        store.close()
    for failure in report.failures:
        log.error("%s", failure)
    return EXIT_STOPPED if report.failures else 0
