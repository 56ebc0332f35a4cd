"""Price corrections: a price that was wrong from a past date, fixed by a new event.

A correction names existing price entries (item, match, tier ceiling) and their right
prices from `valid_from`. It is recorded in the rule library, never as an edit of a
price book: from then on it is the price in force for every day not yet charged (in the
merge of price books it ranks after every book effective on or before its date, and
before any book effective later). Charges already made at a corrected entry on or after
`valid_from` are re-rated (`rerate`): each yields an adjustment line with the old amount
(after earlier adjustments), the new amount and the difference. Issued invoices are
never changed; their lines are named by the adjustments, which go on the next invoice.

A correction only changes the price of entries that exist on `valid_from`: which entry
prices a line never changes, so re-rating a line is re-pricing its own entry.
Corrections of lifecycle policies are out of scope and refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from linkledger.domain.account import Account, AdjustmentLine
from linkledger.domain.billing_day import day_of
from linkledger.domain.charges import ChargeLine
from linkledger.domain.errors import PriceCorrectionError
from linkledger.domain.events import Frozen
from linkledger.domain.invoice import invoice_period, line_sources
from linkledger.domain.money import round_line_amount
from linkledger.domain.price_book import PriceBook, PriceEntry, Vendor, parse_entries
from linkledger.domain.rule_data import parse_rule_file
from pydantic import Field

POLICY_SECTIONS = frozenset(
    {
        "billing",
        "bandwidth",
        "deletion",
        "negative_balance",
        "aws_hosted_connection",
        "financial_lock",
        "router_interface",
        "invoicing",
    }
)


class PriceCorrection(Frozen):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    vendor: Vendor
    valid_from: date
    reason: str = Field(min_length=1, max_length=500)
    entries: list[PriceEntry] = Field(min_length=1)

    @property
    def version(self) -> str:
        return f"correction:{self.id}"

    @property
    def effective_on(self) -> date:
        return self.valid_from

    @property
    def keys(self) -> set[str]:
        """The corrected entries, as charge lines name them (`PriceEntry.describe()`)."""
        return {e.describe() for e in self.entries}

    def as_book(self) -> PriceBook:
        """The correction as a price book that ranks after every book of its date."""
        currencies = sorted({c for e in self.entries for c in e.price})
        return PriceBook(
            vendor=self.vendor,
            version=self.version,
            effective_on=self.valid_from,
            currencies=currencies,
            entries=self.entries,
            note=self.reason,
        )

    @classmethod
    def from_mapping(cls, data: dict[str, Any], source: str) -> PriceCorrection:
        sections = sorted(POLICY_SECTIONS & data.keys())
        if sections or data.get("kind") == "policy":
            raise PriceCorrectionError(
                f"{source}: corrections of lifecycle policies ({', '.join(sections) or 'kind = policy'}) are out of "
                "scope: a policy change takes effect from its effective date in a new policy file; decisions already "
                "made (a suspension, a release) are not re-decided"
            )
        if "effective_on" in data or "version" in data:
            raise PriceCorrectionError(
                f"{source} is a price book (it has version/effective_on), not a correction: a correction file has "
                "id, vendor, valid_from and entries; a new price book is given with --prices"
            )
        if not str(data.get("reason", "")).strip():
            raise PriceCorrectionError(f'{source}: say why the prices were wrong with --reason "..."')
        entries, problems = parse_entries(data.get("entries"), data.get("vendor"))
        if not entries and not problems:
            problems.append("entries: must have at least 1 entry")
        return parse_rule_file(cls, {**data, "entries": entries}, source, problems)


# entry, day -> (unit price, price ref)
PriceOf = Callable[[str, date], tuple[Decimal, str]]
# The invoice line an adjustment is grouped under: (invoice number, line id, period,
# resource, item); number and line id are None while the month is not issued.
_LineKey = tuple[str | None, str | None, str, str, str]


def rerate(
    correction: PriceCorrection, account: Account, history: Iterable[Any], price_of: PriceOf
) -> tuple[list[AdjustmentLine], dict[str, Decimal]]:
    """The adjustments `correction` makes to the charges in `history` (the account's stored
    events): for each charge line at a corrected entry on or after `valid_from`, its price
    now (`price_of(entry, day) -> (unit price, price ref)`, the catalog with the correction)
    times its quantity, against its amount after earlier adjustments. Grouped per invoice
    line; nothing for a correction this account has already applied."""
    if correction.id in account.corrections:
        return [], {}
    events = list(history)
    rerating = _Rerating(correction, account, price_of, _invoiced(events))
    for event in events:
        if isinstance(event, Account.Charged):
            rerating.rerate_charge(event)
    return rerating.adjustment_lines(), rerating.rerated


def _invoiced(events: list[Any]) -> dict[str, tuple[str, str, str]]:
    """Charge line "v:i" -> (invoice number, line id, period) of the issued invoice it is on
    (a charge's invoice is issued after it: find them all first)."""
    where: dict[str, tuple[str, str, str]] = {}
    for event in events:
        if isinstance(event, Account.InvoiceIssued):
            for line_id, sources in event.sources.items():
                for src in sources:
                    where[src] = (event.number, line_id, event.period)
    return where


@dataclass
class _Group:
    """The re-rated charge lines of one invoice line."""

    from_day: date
    to_day: date
    ref: str
    charges: list[str] = field(default_factory=list)
    old: Decimal = Decimal(0)
    new: Decimal = Decimal(0)


@dataclass
class _Rerating:
    correction: PriceCorrection
    account: Account
    price_of: PriceOf
    where: dict[str, tuple[str, str, str]]
    groups: dict[_LineKey, _Group] = field(default_factory=dict)
    rerated: dict[str, Decimal] = field(default_factory=dict)  # "v:i" -> new amount
    keys: set[str] = field(init=False)  # the corrected entries

    def __post_init__(self) -> None:
        self.keys = self.correction.keys

    def rerate_charge(self, event: Account.Charged) -> None:
        for i, line in enumerate(event.lines):
            if line.entry not in self.keys or line.period_start < self.correction.valid_from:
                continue
            src = f"{event.originator_version}:{i}"
            unit, ref = self.price_of(line.entry, line.period_start)
            new = round_line_amount(unit * line.quantity, self.account.currency)
            old = self.account.rerated.get(src, line.amount)
            if new == old:
                continue
            self.rerated[src] = new
            g = self.groups.setdefault(
                self._line_key(event, line, src), _Group(line.period_start, line.period_end, ref)
            )
            g.from_day, g.to_day = min(g.from_day, line.period_start), max(g.to_day, line.period_end)
            g.charges.append(src)
            g.old += old
            g.new += new

    def _line_key(self, event: Account.Charged, line: ChargeLine, src: str) -> _LineKey:
        issued = self.where.get(src)
        if issued is not None:
            return (*issued, line.resource, line.item)
        period = invoice_period(event.reason, line.period_start, day_of(event.at), self.account.issued_through)
        return (None, None, period, line.resource, line.item)

    def adjustment_lines(self) -> list[AdjustmentLine]:
        drafts = {period: line_sources(lines) for period, lines in self.account.drafts.items()}
        out = []
        for (invoice, line_id, period, resource, item), g in sorted(self.groups.items(), key=lambda kv: str(kv[0])):
            if invoice is None:  # a month not yet issued: name the draft's line
                line_id = next((lid for lid, srcs in drafts.get(period, {}).items() if g.charges[0] in srcs), None)
            out.append(
                AdjustmentLine(
                    correction=self.correction.id,
                    invoice=invoice,
                    period=period,
                    line_id=line_id,
                    resource=resource,
                    item=item,
                    from_day=g.from_day,
                    to_day=g.to_day,
                    charges=g.charges,
                    old_amount=g.old,
                    new_amount=g.new,
                    difference=g.new - g.old,
                    price_ref=g.ref,
                )
            )
        return out
