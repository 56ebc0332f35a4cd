"""Scenario files: timestamped commands a user writes to simulate a contract.

    # comment
    @prices prices.toml            rule files, relative to the scenario file
    @policies my-policy.toml
    2026-01-01T00:00Z open_account ACME vendor=zenlayer currency=USD
    2026-01-03T09:30Z raise_bandwidth PC-1 to=200M

The file is UTF-8 text (a leading byte order mark is accepted). `#` starts a comment at
the start of a line or after whitespace, outside quotes: `email=bob#billing@acme.test`
keeps its `#`. Words are split as a shell would (quote a value with spaces).

Each line is applied atomically: a refused line writes nothing and stops the run.
Each line is a command with an id (`id=` on the line, or by default the file's name and a
digest of the line's text and of which occurrence of that text it is), applied at most
once: running a scenario again applies only the lines not applied yet. docs/scenarios.md
lists every command.
"""

from __future__ import annotations

import hashlib
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from linkledger.domain.bandwidth import parse_mbps
from linkledger.domain.billing_day import require_aware
from linkledger.domain.counts import to_months
from linkledger.domain.errors import LedgerError
from linkledger.infrastructure.ledger import AdvanceReport, Applied, LinkLedger
from linkledger.infrastructure.recorders import StuckRow
from linkledger.infrastructure.text_files import read_text_file


class ScenarioError(LedgerError):
    """A scenario line that cannot be applied; names the file, line and rule."""

    rule = "scenario"

    def __init__(self, source: str, number: int, text: str, reason: str) -> None:
        if not reason.startswith("["):  # the line's own grammar: say so, as every refusal names its rule
            reason = f"[{self.rule}] {reason}"
        self.source, self.number, self.text, self.reason = source, number, text, reason
        super().__init__(f"{source}:{number}: {text}\n  refused: {reason}\n  nothing was written for this line")

    def __str__(self) -> str:  # the reason names its rule already
        return self.message


@dataclass(frozen=True)
class Line:
    number: int
    text: str
    at: datetime
    command: str
    positional: list[str]
    options: dict[str, str]
    command_id: str


@dataclass
class Scenario:
    source: str
    lines: list[Line]
    prices: list[Path] = field(default_factory=list)
    policies: list[Path] = field(default_factory=list)


def parse_time(text: str) -> datetime:
    """ISO 8601 with a zone (2026-01-01T09:00Z), or a bare date meaning 00:00 UTC."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
        return require_aware(datetime.fromisoformat(text), "time")
    except ValueError:
        raise ValueError(f"{text!r} is not a time such as 2026-01-01T09:00Z") from None


def default_command_id(path: Path, text: str, occurrence: int) -> str:
    """The id of a line without `id=`: the file's name, a digest of the line's text and which
    occurrence of that text it is. Not the line number: inserting a line (a comment, a new
    command) leaves every other line's id as it was. An edited line is a new command."""
    digest = hashlib.sha256(f"{text}\n{occurrence}".encode()).hexdigest()[:16]
    return f"{path.name}:{digest}"


def strip_comment(text: str) -> str:
    """The line without its comment: `#` starts a comment at the start of the line or after
    whitespace, outside quotes; elsewhere (`email=bob#billing@acme.test`) it is text."""
    quote: str | None = None
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and quote != "'":
            i += 2  # an escaped character is text
            continue
        if quote is not None:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == "#" and (i == 0 or text[i - 1].isspace()):
            return text[:i]
        i += 1
    return text


def _words(source: str, number: int, text: str) -> list[str]:
    try:
        return shlex.split(strip_comment(text), comments=False)
    except ValueError as e:
        raise ScenarioError(source, number, text, f"malformed line: {e}") from None


def _options(source: str, number: int, text: str, words: list[str]) -> dict[str, str]:
    options: dict[str, str] = {}
    for w in words:
        k, _, v = w.partition("=")
        if k in options:
            raise ScenarioError(source, number, text, f"option {k} is given twice")
        options[k] = v
    return options


def _directive(scenario: Scenario, path: Path, number: int, text: str, words: list[str]) -> None:
    if len(words) != 2:
        raise ScenarioError(scenario.source, number, text, f"{words[0]} takes one file or folder")
    target = (path.parent / words[1]).resolve()
    (scenario.prices if words[0] == "@prices" else scenario.policies).append(target)


def _line(source: str, number: int, text: str, words: list[str]) -> tuple[datetime, list[str], dict[str, str]]:
    if len(words) < 2:
        raise ScenarioError(source, number, text, "malformed line: expected TIME COMMAND [ARGS...]")
    try:
        at = parse_time(words[0])
    except (ValueError, LedgerError) as e:
        raise ScenarioError(source, number, text, f"malformed time: {e}") from None
    positional = [w for w in words[2:] if "=" not in w]
    return at, positional, _options(source, number, text, [w for w in words[2:] if "=" in w])


def parse_scenario(path: Path) -> Scenario:
    """The scenario in `path` (UTF-8 text; see the module docstring), or the first malformed
    line refused (nothing is applied from a file that does not parse)."""
    raw = read_text_file(path, "scenario")
    scenario = Scenario(source=str(path), lines=[])
    seen: dict[str, int] = {}  # how often each line's text has occurred so far
    for number, text in enumerate(raw.splitlines(), start=1):
        stripped = text.strip()
        words = _words(scenario.source, number, stripped) if stripped else []
        if not words:
            continue
        if words[0] in ("@prices", "@policies"):
            _directive(scenario, path, number, stripped, words)
            continue
        at, positional, options = _line(scenario.source, number, stripped, words)
        seen[stripped] = seen.get(stripped, 0) + 1
        command_id = options.pop("id", None) or default_command_id(path, stripped, seen[stripped])
        if scenario.lines and at < scenario.lines[-1].at:
            raise ScenarioError(
                scenario.source,
                number,
                stripped,
                f"[time is data] this line is earlier than line {scenario.lines[-1].number}; "
                "lines must be in time order",
            )
        scenario.lines.append(Line(number, stripped, at, words[1], positional, options, command_id))
    return scenario


def _bool(value: str) -> bool:
    v = value.lower()
    if v in ("on", "yes", "true", "1"):
        return True
    if v in ("off", "no", "false", "0"):
        return False
    raise ValueError(f"{value!r} is not on/off")


@dataclass(frozen=True)
class Command:
    positional: tuple[str, ...]
    required: tuple[str, ...]
    optional: tuple[str, ...]
    run: Callable[[LinkLedger, datetime, dict[str, str], str | None], Any]
    help: str


def _ri(ledger: LinkLedger, at: datetime, a: dict[str, str], cid: str | None) -> Any:
    return ledger.create_router_interface(
        a["account"],
        at,
        cid,
        name=a["name"],
        role=a["role"],
        connection_type=a["connection_type"],
        initiator_region=a["initiator_region"],
        receiver_region=a["receiver_region"],
        spec=a["spec"],
        months=to_months(a["months"]) if "months" in a else None,
        auto_renew=_bool(a.get("auto_renew", "off")),
        physical_connection=a.get("physical_connection"),
        peer=a.get("peer"),
    )


COMMANDS: dict[str, Command] = {
    "open_account": Command(
        ("account",),
        ("vendor",),
        ("currency",),
        lambda led, t, a, c: led.open_account(a["account"], a["vendor"], a.get("currency", "USD"), t, command_id=c),
        "open an account with a vendor (alibaba or zenlayer)",
    ),
    "add_user": Command(
        ("account",),
        ("name", "email", "role"),
        (),
        lambda led, t, a, c: led.add_user(a["account"], a["name"], a["email"], a["role"], t, command_id=c),
        "add a user; AdministratorAccess and Finance users get balance notices",
    ),
    "top_up": Command(
        ("account",),
        ("amount",),
        ("currency",),
        lambda led, t, a, c: led.top_up(a["account"], a["amount"], a.get("currency"), t, command_id=c),
        "add money to the balance",
    ),
    "pay": Command(
        ("account",),
        ("amount",),
        ("currency",),
        lambda led, t, a, c: led.top_up(a["account"], a["amount"], a.get("currency"), t, kind="payment", command_id=c),
        "pay into an Alibaba account; paid in full recovers Financial-Locked connections",
    ),
    "order_port": Command(
        ("account", "name"),
        ("site", "speed"),
        (),
        lambda led, t, a, c: led.order_port(a["account"], a["name"], a["site"], a["speed"], t, command_id=c),
        "order a Zenlayer port",
    ),
    "complete_cross_connect": Command(
        ("name",),
        (),
        (),
        lambda led, t, a, c: led.complete_cross_connect(a["name"], t, command_id=c),
        "the port's cross connect is done: it is active",
    ),
    "delete_port": Command(
        ("name",), (), (), lambda led, t, a, c: led.delete_port(a["name"], t, command_id=c), "delete a port"
    ),
    "create_private_connect": Command(
        ("account", "name"),
        ("a", "z", "bandwidth"),
        (),
        lambda led, t, a, c: led.create_private_connect(
            a["account"], a["name"], a["a"], a["z"], parse_mbps(a["bandwidth"]), t, command_id=c
        ),
        "order a private connect between two ends (port:NAME or aws:NAME@SITE)",
    ),
    "accept_hosted_connection": Command(
        ("name",),
        (),
        (),
        lambda led, t, a, c: led.accept_hosted_connection(a["name"], t, command_id=c),
        "accept the AWS hosted connection on the AWS console",
    ),
    "raise_bandwidth": Command(
        ("name",),
        ("to",),
        (),
        lambda led, t, a, c: led.raise_bandwidth(a["name"], parse_mbps(a["to"]), t, command_id=c),
        "raise the bandwidth cap",
    ),
    "cut_bandwidth": Command(
        ("name",),
        ("to",),
        (),
        lambda led, t, a, c: led.cut_bandwidth(a["name"], parse_mbps(a["to"]), t, command_id=c),
        "cut the bandwidth cap",
    ),
    "delete_private_connect": Command(
        ("name",),
        (),
        (),
        lambda led, t, a, c: led.delete_private_connect(a["name"], t, command_id=c),
        "delete a private connect (recoverable for 2 days)",
    ),
    "recover_private_connect": Command(
        ("name",),
        (),
        (),
        lambda led, t, a, c: led.recover_private_connect(a["name"], t, command_id=c),
        "recover a deleted private connect",
    ),
    "create_physical_connection": Command(
        ("account", "name"),
        ("region", "spec", "operator"),
        ("leased_line_rent",),
        lambda led, t, a, c: led.create_physical_connection(
            a["account"], a["name"], a["region"], a["spec"], a["operator"], a.get("leased_line_rent"), t, command_id=c
        ),
        "apply for an Alibaba physical connection (charges the setup fee)",
    ),
    "terminate_physical_connection": Command(
        ("name",),
        (),
        (),
        lambda led, t, a, c: led.terminate_physical_connection(a["name"], t, command_id=c),
        "terminate a physical connection",
    ),
    "create_router_interface": Command(
        ("account", "name"),
        ("role", "connection_type", "initiator_region", "receiver_region", "spec"),
        ("months", "auto_renew", "physical_connection", "peer"),
        _ri,
        "create a router interface (initiator: subscription; receiver: free)",
    ),
    "renew": Command(
        ("name",),
        ("months",),
        (),
        lambda led, t, a, c: led.renew_router_interface(a["name"], to_months(a["months"]), t, command_id=c),
        "renew an initiator router interface",
    ),
    "set_auto_renew": Command(
        ("name", "switch"),
        (),
        (),
        lambda led, t, a, c: led.set_auto_renew(a["name"], _bool(a["switch"]), t, command_id=c),
        "turn auto renew on or off",
    ),
    "add_route_entry": Command(
        ("name",),
        ("cidr",),
        (),
        lambda led, t, a, c: led.add_route_entry(a["name"], a["cidr"], t, command_id=c),
        "add a route entry pointing to a router interface",
    ),
    "advance": Command((), (), (), lambda led, t, a, c: led.advance_to(t), "run every rule due up to this time"),
}


def apply_line(ledger: LinkLedger, line: Line, source: str) -> LineResult:
    cmd = COMMANDS.get(line.command)
    if cmd is None:
        raise ScenarioError(
            source, line.number, line.text, f"malformed line: unknown command {line.command!r}; see docs/scenarios.md"
        )
    if len(line.positional) != len(cmd.positional):
        want = " ".join(p.upper() for p in cmd.positional)
        raise ScenarioError(
            source, line.number, line.text, f"malformed line: {line.command} takes {want or 'no positional arguments'}"
        )
    unknown = set(line.options) - set(cmd.required) - set(cmd.optional)
    missing = [k for k in cmd.required if k not in line.options]
    if unknown or missing:
        parts = []
        if missing:
            parts.append("missing " + ", ".join(f"{k}=" for k in missing))
        if unknown:
            parts.append("unknown " + ", ".join(f"{k}=" for k in sorted(unknown)))
        raise ScenarioError(source, line.number, line.text, f"malformed line: {line.command}: {'; '.join(parts)}")
    args = dict(zip(cmd.positional, line.positional, strict=True)) | line.options
    try:
        result = cmd.run(ledger, line.at, args, None if line.command == "advance" else line.command_id)
    except LedgerError as e:
        raise ScenarioError(source, line.number, line.text, str(e)) from e
    except ValueError as e:
        raise ScenarioError(source, line.number, line.text, f"malformed line: {e}") from e
    if isinstance(result, AdvanceReport):
        return LineResult(line, bool(result.ran or result.stuck), result.stuck)
    return LineResult(line, not (isinstance(result, Applied) and result.duplicate))


@dataclass(frozen=True)
class LineResult:
    line: Line
    applied: bool  # False: its id was applied before (an `advance`: nothing was due), nothing was written
    stuck: list[StuckRow] = field(default_factory=list)  # accounts an `advance` line could not settle


@dataclass
class ScenarioRun:
    """Apply a scenario's lines in order (those at or before `until`), skipping lines whose
    command id was applied before, then settle every account up to `until` or to the last
    line's time: when a scenario says it is time T, every account is billed up to T."""

    ledger: LinkLedger
    scenario: Scenario
    until: datetime | None = None
    applied: int = 0
    skipped: int = 0
    stuck: dict[str, StuckRow] = field(default_factory=dict)
    settled_to: datetime | None = None

    def lines(self) -> Iterator[LineResult]:
        last: datetime | None = None
        for line in self.scenario.lines:
            if self.until is not None and line.at > self.until:
                break
            result = apply_line(self.ledger, line, self.scenario.source)
            self.applied += result.applied
            self.skipped += not result.applied
            self.stuck.update((s.name, s) for s in result.stuck)
            last = line.at
            yield result
        end = self.until or last
        if end is not None:
            try:
                report = self.ledger.advance_to(end)
            except LedgerError as e:
                raise ScenarioError(
                    self.scenario.source, 0, f"settling every account up to {end.isoformat()}", str(e)
                ) from e
            self.stuck.update((s.name, s) for s in report.stuck)
            self.settled_to = end

    def run(self) -> ScenarioRun:
        for _ in self.lines():
            pass
        return self


def run_scenario(ledger: LinkLedger, scenario: Scenario, until: datetime | None = None) -> ScenarioRun:
    return ScenarioRun(ledger, scenario, until).run()
