"""`linkledger`: run scenarios, read invoices, timelines and balances, and the demo."""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from domain.billing_day import month_bounds
from domain.errors import LedgerError
from infrastructure import queries
from infrastructure.event_store import StoreUrlError, event_store_env
from infrastructure.ledger import LinkLedger
from infrastructure.rule_files import load_rule_book
from infrastructure.scenario import ScenarioError, parse_scenario, parse_time, run_scenario
from infrastructure.settings import Settings
from projections.invoices import render_invoice_text
from projections.rendering import to_json
from projections.timelines import render_timeline_text

EXIT_REFUSED = 2


def open_ledger(store: str, prices: list[Path] | None = None, policies: list[Path] | None = None,
                with_rules: bool = True) -> LinkLedger:
    rules = load_rule_book(prices, policies) if with_rules else None
    return LinkLedger(env=event_store_env(store), rules=rules)


def _period(text: str) -> str:
    try:
        month_bounds(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a period such as 2026-01") from None
    return text


def _time(text: str) -> Any:
    try:
        return parse_time(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    scenario = parse_scenario(Path(args.scenario))
    ledger = open_ledger(args.store, settings.prices + scenario.prices + args.prices,
                         settings.policies + scenario.policies + args.policies)
    applied = 0
    with ledger:
        for line in run_scenario(ledger, scenario, until=args.until, resume=args.resume):
            applied += 1
            if args.verbose:
                print(f"  {line.number:>4}: {line.text}", file=sys.stderr)
            elif applied % 500 == 0:
                print(f"  ... {applied}/{len(scenario.lines)} lines, at {line.at.isoformat()}", file=sys.stderr)
        now = ledger.now()
    print(f"applied {applied} line(s) of {scenario.source}; ledger clock at {now.isoformat() if now else '-'}")
    return 0


def cmd_invoice(args: argparse.Namespace, settings: Settings) -> int:
    with open_ledger(args.store, with_rules=False) as ledger:
        doc = queries.invoice(ledger, args.account, args.period)
    sys.stdout.write(to_json(doc) if args.json else render_invoice_text(doc))
    return 0


def cmd_timeline(args: argparse.Namespace, settings: Settings) -> int:
    with open_ledger(args.store, with_rules=False) as ledger:
        doc = queries.timeline(ledger, args.resource)
    sys.stdout.write(to_json(doc) if args.json else render_timeline_text(doc))
    return 0


def balance_line(doc: dict[str, Any]) -> str:
    stage = f", stage {doc['stage']}" if doc["stage"] else ""
    return f"balance {doc['balance']} {doc['currency']}{stage}"


def cmd_balance(args: argparse.Namespace, settings: Settings) -> int:
    with open_ledger(args.store, with_rules=False) as ledger:
        doc = queries.balance(ledger, args.account)
    if args.json:
        sys.stdout.write(to_json(doc))
    else:
        print(f"{doc['account']} ({doc['vendor']}): {balance_line(doc)}")
        for r in doc["resources"]:
            print(f"  {r['kind']:<22} {r['name']:<14} {r['state']}")
    return 0


def cmd_advance(args: argparse.Namespace, settings: Settings) -> int:
    ledger = open_ledger(args.store, settings.prices + args.prices, settings.policies + args.policies)
    with ledger:
        ran = ledger.advance_to(args.to)
    print(f"ran {ran} due rule(s); ledger clock at {args.to.isoformat()}")
    return 0


def find_examples(explicit: str | None) -> Path:
    candidates = [Path(explicit)] if explicit else [Path.cwd() / "examples", Path(__file__).resolve().parents[1] / "examples"]
    for c in candidates:
        if (c / "zenlayer" / "scenario.txt").exists():
            return c
    raise SystemExit(
        "linkledger demo: cannot find the shipped examples/ folder; run it from the linkledger checkout "
        "or pass --examples PATH"
    )


DEMO_SHOWS = {
    "zenlayer": (["ACME"], ["2026-01", "2026-02"], ["HKG-1", "SIN-1", "PC-HKG-SIN", "PC-HKG-AWS", "AWS-HC-1"]),
    "alibaba": (["GLOBEX"], ["2017-11", "2017-12", "2018-01"], ["PC-HK-1", "RI-HK-1", "RI-VPC-1", "RI-VPC-RCV"]),
}


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    examples = find_examples(args.examples)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="linkledger-demo-"))
    for vendor, (accounts, periods, resources) in DEMO_SHOWS.items():
        path = examples / vendor / "scenario.txt"
        store = str(workdir / f"{vendor}.db")
        if Path(store).exists():
            Path(store).unlink()
        scenario = parse_scenario(path)
        ledger = open_ledger(store, scenario.prices, scenario.policies)
        n = sum(1 for _ in run_scenario(ledger, scenario))
        print(f"=== {vendor}: {path} ({n} lines) -> {store}")
        for account in accounts:
            for period in periods:
                sys.stdout.write(render_invoice_text(queries.invoice(ledger, account, period)))
            b = queries.balance(ledger, account)
            print(f"  {balance_line(b)}\n")
        for resource in resources:
            sys.stdout.write(render_timeline_text(queries.timeline(ledger, resource)))
        print()
        ledger.close()
    return 0


def build_parser() -> argparse.ArgumentParser:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(prog="linkledger", description=__doc__)
    parser.add_argument("--store", default=settings.store,
                        help="event store: an SQLite file (default %(default)s) or postgresql://user@host/db "
                             "(env LINKLEDGER_STORE)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="apply a scenario file")
    p.add_argument("scenario")
    p.add_argument("--until", type=_time, help="stop after lines at or before this time and advance the clock to it")
    p.add_argument("--resume", action="store_true", help="skip lines at or before the ledger clock")
    p.add_argument("--prices", type=Path, action="append", default=[], help="extra price book file or folder")
    p.add_argument("--policies", type=Path, action="append", default=[], help="extra policy file or folder")
    p.add_argument("-v", "--verbose", action="store_true", help="print each line as it is applied")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("advance", help="run every rule due up to a time")
    p.add_argument("--to", type=_time, required=True)
    p.add_argument("--prices", type=Path, action="append", default=[])
    p.add_argument("--policies", type=Path, action="append", default=[])
    p.set_defaults(func=cmd_advance)

    p = sub.add_parser("invoice", help="an account's invoice for a month")
    p.add_argument("account")
    p.add_argument("--period", type=_period, required=True, help="YYYY-MM")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_invoice)

    p = sub.add_parser("timeline", help="a resource's states over time")
    p.add_argument("resource")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_timeline)

    p = sub.add_parser("balance", help="an account's balance and stage")
    p.add_argument("account")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_balance)

    p = sub.add_parser("demo", help="run the shipped examples on fresh SQLite files and print the results")
    p.add_argument("--examples", help="folder holding zenlayer/ and alibaba/ examples")
    p.add_argument("--workdir", help="where to put the demo stores (default: a new temp folder)")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args, Settings.from_env()))
    except ScenarioError as e:
        print(f"linkledger: {e}", file=sys.stderr)
        return EXIT_REFUSED
    except (LedgerError, StoreUrlError) as e:
        print(f"linkledger: {e}", file=sys.stderr)
        return EXIT_REFUSED


if __name__ == "__main__":
    sys.exit(main())
