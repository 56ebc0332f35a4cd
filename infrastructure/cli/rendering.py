"""What the commands write to stdout: text for people, `--json` for programs. Refusals and
warnings go to stderr through logging, not here."""

from __future__ import annotations

import logging
import sys
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from linkledger.infrastructure.cli.exits import EXIT_UNDONE

if TYPE_CHECKING:
    from linkledger.infrastructure.history import Audit
    from linkledger.infrastructure.recorders import StuckRow

log = logging.getLogger(__name__)


def out(text: str) -> None:
    sys.stdout.write(text)


def say(*lines: str) -> None:
    for line in lines:
        print(line)


def json_out(value: Any) -> None:
    from linkledger.projections.rendering import to_json

    sys.stdout.write(to_json(value))


def report_stuck(stuck: list[StuckRow]) -> int:
    for row in stuck:
        log.warning("left undone: account %s: %s: %s", row.name, row.rule, row.message)
    if stuck:
        log.warning(
            "%d account(s) could not be settled; the others were. Fix the cause (e.g. load the missing price "
            "with --prices) and run `linkledger advance` again",
            len(stuck),
        )
        return EXIT_UNDONE
    return 0


def balance_line(doc: dict[str, Any]) -> str:
    stage = f", stage {doc['stage']}" if doc["stage"] else ""
    return f"balance {doc['balance']} {doc['currency']}{stage}"


def balance_text(doc: dict[str, Any], days: dict[str, str]) -> None:
    say(f"{doc['account']} ({doc['vendor']}): {balance_line(doc)}")
    for r in doc["resources"]:
        say(f"  {r['kind']:<22} {r['name']:<14} {r['state']}")
    for day, amount in days.items():
        say(f"  {day}  {amount:>12} {doc['currency']}")


def notices_text(doc: dict[str, Any]) -> None:
    say(f"notices for {doc['account']}: {len(doc['notices'])}")
    for n in doc["notices"]:
        to = ", ".join(f"{r['name']} <{r['email']}> ({r['role']})" for r in n["recipients"]) or "nobody"
        say(f"  {n['at']}  {n['notice']:<20} {n['subject']}", f"    to: {to}")


def rules_text(rows: list[dict[str, Any]]) -> None:
    if not rows:
        say("this store holds no price books or policies yet")
    for r in rows:
        say(
            f"{r['kind']:<10} {r['vendor']:<8} {r['version']:<36} effective {r['effective_on']}  "
            f"recorded {r['recorded_at']}  {r['digest'][:19]}  {r['source']}"
        )


def audit_json(results: list[Audit]) -> None:
    json_out(
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


def audit_line(r: Audit) -> None:
    verdict = "byte-identical to the log at its cut-off" if r.passed else "DIFFERS from the log"
    issued = r.issued_at.isoformat().replace("+00:00", "Z")
    say(f"{r.number}  {r.account} {r.period}  issued {issued}: {verdict}")
    for d in r.differences:
        say(f"    {d}")


def audit_summary(results: list[Audit], failed: list[Audit]) -> None:
    say(f"audited {len(results)} issued invoice(s): {len(results) - len(failed)} byte-identical, {len(failed)} differ")


def correction_preview_json(correction: Any, preview: list[tuple[Any, list[Any]]]) -> None:
    json_out(
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


def correction_preview_text(correction: Any, preview: list[tuple[Any, list[Any]]]) -> None:
    say(f"dry run of correction {correction.id} (valid from {correction.valid_from}): nothing is written")
    for acct, lines in preview:
        by_invoice: dict[str, list[Any]] = {}
        for x in lines:
            by_invoice.setdefault(x.invoice or f"{x.period} (not yet issued)", []).append(x)
        for invoice, xs in sorted(by_invoice.items()):
            correction_invoice_text(acct, invoice, xs)
    if not preview:
        say("  no charge made so far would change")


def correction_invoice_text(acct: Any, invoice: str, xs: list[Any]) -> None:
    old = sum((x.old_amount for x in xs), Decimal(0))
    new = sum((x.new_amount for x in xs), Decimal(0))
    say(f"  {acct.name} {invoice}: {old} -> {new} ({'+' if new >= old else ''}{new - old} {acct.currency})")
    for x in xs:
        say(
            f"      {x.line_id or '-':<4} {x.resource} {x.item} {x.from_day}..{x.to_day}: "
            f"{x.old_amount} -> {x.new_amount} ({len(x.charges)} charge(s))"
        )


def show_correction_preview(correction: Any, preview: list[tuple[Any, list[Any]]], as_json: bool) -> int:
    if as_json:
        correction_preview_json(correction, preview)
    else:
        correction_preview_text(correction, preview)
    return 0


def correction_outcome(correction: Any, recorded: bool, at: Any, done: dict[str, int], as_json: bool) -> None:
    if as_json:
        json_out(
            {
                "correction": correction.id,
                "recorded": recorded,
                "at": at,
                "accounts_re_rated": done.get(correction.id, 0),
            }
        )
        return
    state = "recorded" if recorded else "already recorded"
    if correction.id in done:
        say(f"correction {correction.id} {state} at {at.isoformat()}; {done[correction.id]} account(s) re-rated now")
    else:
        say(f"correction {correction.id} {state}; it had been applied to every affected account before")


def feed_change_text(nid: int, message: dict[str, Any], changes: list[dict[str, Any]]) -> str:
    """One line per feed message: its nid and event, then what changed, in words."""
    described = "; ".join(describe_change(c) for c in changes) or " ".join(message["keys"])
    return f"{nid} {message['event']} {described}"


def describe_change(c: dict[str, Any]) -> str:
    if "period" in c:
        number = f" {c['number']}" if c.get("number") else ""
        return f"{c['account']} {c['period']}: {c['status']}{number}, total {c['total']} {c['currency']}"
    if "balance" in c:
        stage = f", stage {c['stage']}" if c.get("stage") else ""
        return f"{c['account']}: balance {c['balance']} {c['currency']}{stage}"
    if "day" in c:
        return f"{c['account']}: balance at the close of {c['day']} {c['balance_at_close']}"
    if "owns" in c:
        return f"{c['account']}: owns resource {c['owns']}"
    if "resource" in c:
        return f"{c['resource']} ({c['kind']}): {c['state'] or 'no state yet'} since {c['since'] or '-'}"
    if "notice" in c:
        return f"{c['account']}: {c['notice']} at {c['at']}, {c['subject']!r}"
    if "account" in c:
        return f"{c['account']}"
    return str(c["key"])
