"""The command line: one small function per command (or group) adds its arguments. Each
command is named by its module and function and imported only when it runs, so
`linkledger --help` imports neither the event store nor the models."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from linkledger.projections.names import PROJECTION_NAMES

DESCRIPTION = """`linkledger`: run scenarios, keep the views up to date, read invoices, timelines,
balances and notices from them (or as the ledger knew them at a time), audit issued
invoices, correct prices, and the demo. Exit codes: docs/cli.md."""

TIME_FORMAT = "a time such as 2026-01-01T09:00Z, or a date (2026-01-01) meaning 00:00 UTC"
PERIOD_FORMAT = "a month as YYYY-MM, such as 2026-01"
PROJECTIONS = ", ".join(PROJECTION_NAMES)

Sub = Any  # argparse's subparsers action


def positive_int(text: str) -> int:
    """A count, size or duration: a whole number from 1 up (argparse names the option)."""
    if not re.fullmatch(r"[0-9]{1,9}", text) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1 to 999999999")
    return int(text)


def seconds_arg(text: str) -> float:
    """A wait in seconds: a plain decimal above 0 and at most an hour (no nan, inf or exponent)."""
    if not re.fullmatch(r"[0-9]{1,4}(\.[0-9]{1,3})?", text) or not 0 < float(text) <= 3600:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds from 0.001 to 3600")
    return float(text)


def period_arg(text: str) -> str:
    from linkledger.domain.billing_day import month_bounds

    if re.fullmatch(r"\d{4}-\d{2}", text):
        try:
            month_bounds(text)
            return text
        except ValueError:
            pass
    raise argparse.ArgumentTypeError(f"{text!r} is not a period: write YYYY-MM, such as 2026-01")


def time_arg(text: str) -> Any:
    from linkledger.domain.errors import LedgerError
    from linkledger.infrastructure.scenario import parse_time

    try:
        return parse_time(text)
    except (ValueError, LedgerError) as e:  # not a time, or a time without a zone
        raise argparse.ArgumentTypeError(str(e)) from None


class VersionAction(argparse.Action):
    """--version: the installed distribution's version, looked up only when asked."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("linkledger")
        except PackageNotFoundError:
            found = "(not installed: run from a source folder)"
        sys.stdout.write(f"linkledger {found}\n")
        parser.exit()


def command(p: argparse.ArgumentParser, module: str, function: str) -> None:
    """Name the function that runs the command (module under linkledger.infrastructure.cli)."""
    p.set_defaults(func=(module, function))


# ------------------------------------------------------------------ shared options
def json_option(p: argparse.ArgumentParser, what: str = "the result") -> None:
    p.add_argument("--json", action="store_true", help=f"{what} as deterministic JSON")


def read_options(p: argparse.ArgumentParser, from_log: bool = True) -> None:
    json_option(p)
    p.add_argument("--fresh", action="store_true", help="wait until the view has every event the log has")
    p.add_argument(
        "--timeout",
        type=seconds_arg,
        default=10.0,
        help="how long --fresh waits, in seconds (default 10; at most 3600)",
    )
    if from_log:
        p.add_argument("--from-log", action="store_true", help="fold the event log instead of reading the view")


def as_at_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--as-at",
        type=time_arg,
        metavar="TIME",
        help=f"what the ledger knew at TIME, replayed from the log: {TIME_FORMAT}",
    )


def rule_file_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--prices", type=Path, action="append", default=[], help="an extra price book file or folder (repeatable)"
    )
    p.add_argument(
        "--policies", type=Path, action="append", default=[], help="an extra policy file or folder (repeatable)"
    )


def write_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-project", action="store_true", help="do not catch the views up afterwards")


def progress_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--progress",
        action="store_true",
        help="show a progress bar on stderr even when it is not a terminal (on a terminal it is shown anyway)",
    )


# ------------------------------------------------------------------ write commands
def add_run(sub: Sub) -> None:
    p = sub.add_parser("run", help="apply a scenario file")
    p.add_argument("scenario", help="the scenario file (docs/scenarios.md)")
    p.add_argument(
        "--until",
        type=time_arg,
        help=f"stop after lines at or before this time and advance the clock to it: {TIME_FORMAT}",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="kept for old scripts: every run applies only the lines not applied before",
    )
    rule_file_options(p)
    p.add_argument("-v", "--verbose", action="store_true", help="print each line to stderr as it is applied")
    write_options(p)
    progress_option(p)
    command(p, "commands_write", "cmd_run")


def add_advance(sub: Sub) -> None:
    p = sub.add_parser("advance", help="run every rule due up to a time")
    p.add_argument(
        "--to", type=time_arg, required=True, metavar="TIME", help=f"settle every account up to {TIME_FORMAT}"
    )
    rule_file_options(p)
    write_options(p)
    progress_option(p)
    command(p, "commands_write", "cmd_advance")


def add_correct_prices(sub: Sub) -> None:
    p = sub.add_parser("correct-prices", help="record a price correction and re-rate the charges it affects")
    p.add_argument("file", help="a correction file (TOML: id, vendor, valid_from, [[entries]])")
    p.add_argument("--reason", required=True, help="why the prices were wrong (kept with the correction)")
    p.add_argument(
        "--at",
        type=time_arg,
        metavar="TIME",
        help=f"ledger time to record it at (default: the store's watermark): {TIME_FORMAT}",
    )
    p.add_argument(
        "--dry-run", action="store_true", help="print what would change per account and invoice; write nothing"
    )
    json_option(p, "the preview (with --dry-run) or the outcome")
    write_options(p)
    command(p, "commands_write", "cmd_correct_prices")


# ------------------------------------------------------------------ read commands
def add_invoice(sub: Sub) -> None:
    p = sub.add_parser("invoice", help="an account's invoice for a month")
    p.add_argument("account", help="the account's name, e.g. ACME")
    p.add_argument("--period", type=period_arg, required=True, help=f"the invoice's month: {PERIOD_FORMAT}")
    read_options(p)
    as_at_option(p)
    p.add_argument(
        "--explain",
        action="store_true",
        help="for each line: the charge events behind it, the price entry and book, the policy",
    )
    command(p, "commands_read", "cmd_invoice")


def add_timeline(sub: Sub) -> None:
    p = sub.add_parser("timeline", help="a resource's states over time")
    p.add_argument("resource", help="the resource's name, e.g. PC-HKG-SIN")
    read_options(p)
    as_at_option(p)
    command(p, "commands_read", "cmd_timeline")


def add_balance(sub: Sub) -> None:
    p = sub.add_parser("balance", help="an account's balance and stage")
    p.add_argument("account", help="the account's name, e.g. ACME")
    p.add_argument("--days", action="store_true", help="also the balance at the close of each day")
    read_options(p)
    as_at_option(p)
    command(p, "commands_read", "cmd_balance")


def add_notices(sub: Sub) -> None:
    p = sub.add_parser("notices", help="the reminders and notices an account's users were sent")
    p.add_argument("account", help="the account's name, e.g. ACME")
    read_options(p, from_log=False)
    command(p, "commands_read", "cmd_notices")


def add_rules(sub: Sub) -> None:
    p = sub.add_parser("rules", help="the price books and policies this store holds")
    json_option(p)
    command(p, "commands_read", "cmd_rules")


def add_audit(sub: Sub) -> None:
    p = sub.add_parser("audit", help="recompute issued invoices from the log at their cut-off and compare")
    p.add_argument("number", nargs="?", help="an invoice number, e.g. INV-ACME-000003")
    p.add_argument("--all", action="store_true", help="every issued invoice, with a progress bar")
    json_option(p, "each invoice's verdict")
    command(p, "commands_read", "cmd_audit")


# ------------------------------------------------------------------ view commands
def add_project(sub: Sub) -> None:
    p = sub.add_parser("project", help="catch the views up with the event log")
    p.add_argument("--follow", action="store_true", help="keep going as events arrive (Ctrl-C stops cleanly)")
    p.add_argument("--only", action="append", metavar="PROJECTION", help=f"only this view (repeatable): {PROJECTIONS}")
    p.add_argument("--page-size", type=positive_int, default=1000, help="events per batch (default %(default)s)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    command(p, "commands_views", "cmd_project")


def add_rebuild(sub: Sub) -> None:
    p = sub.add_parser("rebuild", help="rebuild a view side by side, compare, switch readers, drop the old one")
    p.add_argument("projection", help=f"the view to rebuild: {PROJECTIONS}")
    p.add_argument("--page-size", type=positive_int, default=1000, help="events per batch (default %(default)s)")
    command(p, "commands_views", "cmd_rebuild")


def add_status(sub: Sub) -> None:
    p = sub.add_parser("status", help="each view's checkpoint, the log head, the lag, and errors")
    json_option(p)
    command(p, "commands_views", "cmd_status")


def add_feed(sub: Sub) -> None:
    feed = sub.add_parser("feed", help="downstream change feed")
    feed_sub = feed.add_subparsers(dest="feed_command", required=True, metavar="COMMAND", help="tail")
    p = feed_sub.add_parser("tail", help="consume a projection's feed (consumer group, ack after commit, dedupe)")
    p.add_argument("projection", help=f"whose feed: {PROJECTIONS}")
    p.add_argument("--group", default="tail", help="the consumer group on Redis views (default %(default)s)")
    p.add_argument("--consumer", default="tail-1", help="this consumer's name in the group (default %(default)s)")
    p.add_argument(
        "--state",
        default="feed-consumer.db",
        help="the consumer's own SQLite file of handled nids (default %(default)s)",
    )
    p.add_argument("--count", type=positive_int, default=100, help="entries read per round (default %(default)s)")
    p.add_argument(
        "--claim-idle-ms",
        type=positive_int,
        default=60_000,
        help="claim others' entries pending this long (milliseconds)",
    )
    p.add_argument("--follow", action="store_true", help="keep waiting for new changes (Ctrl-C stops)")
    p.add_argument("--json", action="store_true", help="one JSON object a line: the message and what it changed")
    command(p, "commands_views", "cmd_feed_tail")


def add_demo(sub: Sub) -> None:
    p = sub.add_parser("demo", help="run the shipped examples on fresh SQLite files and print the results")
    p.add_argument("--examples", help="folder holding zenlayer/ and alibaba/ examples (default: the installed ones)")
    p.add_argument(
        "--workdir",
        help="keep the demo's stores in this folder; its zenlayer.db and alibaba.db (and their views) are "
        "replaced (default: a temporary folder, removed at the end)",
    )
    command(p, "commands_demo", "cmd_demo")


COMMANDS: list[Callable[[Sub], None]] = [
    add_run,
    add_advance,
    add_rules,
    add_invoice,
    add_audit,
    add_correct_prices,
    add_timeline,
    add_balance,
    add_notices,
    add_project,
    add_rebuild,
    add_status,
    add_feed,
    add_demo,
]


def global_options(parser: argparse.ArgumentParser) -> None:
    """--store and --views default to None here: the settings (LINKLEDGER_STORE, LINKLEDGER_VIEWS,
    else linkledger.db) fill them in once the command runs, so --help reads no environment."""
    parser.add_argument("--version", action=VersionAction, help="print the installed version and exit")
    parser.add_argument(
        "--store",
        default=None,
        help="event store: an SQLite file or postgresql://user@host:5432/db?schema=NAME "
        "(default: env LINKLEDGER_STORE, else linkledger.db)",
    )
    parser.add_argument(
        "--views",
        default=None,
        help="view store: an SQLite file (default: next to the event store, NAME.views.db) or "
        "redis://host:port/db[?prefix=ll] (env LINKLEDGER_VIEWS)",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        dest="log_verbosity",
        action="count",
        default=0,
        help="more log messages on stderr: -v for notes, -vv for debugging (before the command; `run -v` echoes lines)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="linkledger", description=DESCRIPTION)
    global_options(parser)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", help="one of:")
    for add in COMMANDS:
        add(sub)
    return parser


# Options that would be silently ignored together: refused instead (argparse's usage error, exit 2).
IGNORED_TOGETHER = [
    ("at", "dry_run", "a dry run records nothing, so it has no time to record at"),
    ("fresh", "from_log", "--from-log reads the event log, not the views --fresh waits for"),
    ("fresh", "as_at", "--as-at replays the event log, not the views --fresh waits for"),
    ("fresh", "explain", "--explain replays the event log, not the views --fresh waits for"),
]


def parse(argv: Any = None) -> argparse.Namespace:
    """The arguments, with a combination that would ignore an option refused by name."""
    parser = build_parser()
    args = parser.parse_args(argv)
    for option, other, why in IGNORED_TOGETHER:
        if getattr(args, option, None) and getattr(args, other, None):
            parser.error(f"argument --{option.replace('_', '-')}: not allowed with --{other.replace('_', '-')}: {why}")
    return args
