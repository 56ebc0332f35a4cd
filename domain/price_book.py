"""Versioned price books (rules as data, Kill Bill style).

A price book is one file per vendor and effective date; a price change is a new
file, never an edit, and it may carry only what changed. To price an item on a
day we merge, for that item and `match`, the entries of every book in force that
day, oldest to newest, keyed by their `up_to_mbps` tier ceiling (none = the flat
price): a newer book's entry replaces only the entry with the same ceiling.
Entries match exactly on their `match` keys; from the merged table the smallest
ceiling at or above the cap is used, else the flat price. The quote names the
book that supplied the chosen entry.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from linkledger.domain.errors import PriceNotFoundError, RuleFileError
from linkledger.domain.events import Frozen
from linkledger.domain.money import MINOR_UNITS
from linkledger.domain.rule_data import parse_rule_file, refuse_floats
from pydantic import Field, model_validator

Vendor = Literal["alibaba", "zenlayer"]
Per = Literal["day", "month", "once"]


class PriceEntry(Frozen):
    item: str
    match: dict[str, str] = Field(default_factory=dict)
    up_to_mbps: int | None = Field(default=None, gt=0)
    per: Per
    price: dict[str, Decimal]
    note: str = ""

    @property
    def key(self) -> tuple[str, tuple[tuple[str, str], ...], int | None]:
        return (self.item, tuple(sorted(self.match.items())), self.up_to_mbps)

    def describe(self) -> str:
        parts = [self.item] + [f"{k}={v}" for k, v in sorted(self.match.items())]
        if self.up_to_mbps is not None:
            parts.append(f"up_to_mbps={self.up_to_mbps}")
        return "/".join(parts)


class DistanceBand(Frozen):
    """VPC interconnection: the distance band between two regions (order does not matter)."""

    regions: list[str] = Field(min_length=2, max_length=2)
    band: str

    @property
    def pair(self) -> tuple[str, ...]:
        return tuple(sorted(self.regions))


class PriceBook(Frozen):
    vendor: Vendor
    version: str = Field(min_length=1)
    effective_on: date
    currencies: list[str] = Field(min_length=1)
    entries: list[PriceEntry]
    distance_bands: list[DistanceBand] = Field(default_factory=list)
    note: str = ""

    @model_validator(mode="after")
    def _check_entries(self) -> PriceBook:
        problems = [f"currencies: {c} is not a supported currency" for c in self.currencies if c not in MINOR_UNITS]
        for i, e in enumerate(self.entries):
            where = f"entries[{i}] ({e.describe()})"
            for c in e.price.keys() - set(self.currencies):
                problems.append(f"{where}: currency {c} is not in this book's currencies")
            for c in set(self.currencies) - e.price.keys():
                problems.append(f"{where}: has no {c} price")
            for c, amount in e.price.items():
                if amount < 0:
                    problems.append(f"{where}: {c} price {amount} is negative")
        for key, n in Counter(e.key for e in self.entries).items():
            if n > 1:
                problems.append(f"{key[0]} {dict(key[1])} up_to_mbps={key[2]}: priced {n} times")
        for pair, n in Counter(b.pair for b in self.distance_bands).items():
            if n > 1:
                problems.append(f"distance band for {' ~ '.join(pair)} is given {n} times")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @classmethod
    def from_mapping(cls, data: dict[str, Any], source: str) -> PriceBook:
        problems: list[str] = []
        refuse_floats(data.get("entries", []), "entries", problems)
        if problems:
            raise RuleFileError(source, problems)
        return parse_rule_file(cls, data, source)


class Quote(Frozen):
    """A unit price and where it came from: enough to explain an invoice line."""

    item: str
    unit_price: Decimal
    currency: str
    per: Per
    price_ref: str
    entry: str


class PriceCatalog:
    """Every price book, plus the price corrections (as books, `PriceCorrection.as_book`) in
    the order they were recorded: a correction ranks after every book of its date."""

    def __init__(self, books: list[PriceBook], corrections: list[PriceBook] | None = None) -> None:
        problems: list[str] = []
        for version, n in Counter(b.version for b in books).items():
            if n > 1:
                problems.append(f"price book version {version!r} is loaded {n} times")
        seen: dict[tuple[Any, ...], str] = {}
        for b in books:
            for e in b.entries:
                k = (b.vendor, b.effective_on, e.key)
                if k in seen:
                    problems.append(
                        f"{e.describe()} effective {b.effective_on} is priced by both {seen[k]} and {b.version}"
                    )
                seen[k] = b.version
        if problems:
            raise RuleFileError("price books", problems)
        ranked = [(b.vendor, b.effective_on, 0, 0, b.version, b) for b in books]
        ranked += [(c.vendor, c.effective_on, 1, n, c.version, c) for n, c in enumerate(corrections or [])]
        self.books = [r[-1] for r in sorted(ranked, key=lambda r: r[:5])]
        # The catalog never changes: a quote is worked out once per question (settling a year
        # for thousands of resources asks the same few questions for every day).
        self._quotes: dict[tuple[Any, ...], Quote | PriceNotFoundError] = {}

    def quote(
        self,
        vendor: str,
        item: str,
        match: dict[str, str],
        on: date,
        currency: str,
        mbps: int | None = None,
    ) -> Quote:
        key = (vendor, item, tuple(sorted(match.items())), on, currency, mbps)
        answer = self._quotes.get(key)
        if answer is None:
            try:
                answer = self._quote(vendor, item, key[2], on, currency, mbps)
            except PriceNotFoundError as e:
                answer = e
            self._quotes[key] = answer
        if isinstance(answer, PriceNotFoundError):
            raise PriceNotFoundError(answer.message)
        return answer

    def _quote(
        self, vendor: str, item: str, wanted: tuple[tuple[str, str], ...], on: date, currency: str, mbps: int | None
    ) -> Quote:
        in_force = [b for b in self.books if b.vendor == vendor and b.effective_on <= on]
        # Oldest to newest: a newer book's entry replaces only the one with the same ceiling.
        table: dict[int | None, tuple[PriceBook, PriceEntry]] = {}
        for book in in_force:
            for e in book.entries:
                if e.item == item and tuple(sorted(e.match.items())) == wanted:
                    table[e.up_to_mbps] = (book, e)
        picked = self._pick(table, mbps)
        if picked is not None:
            book, entry = picked
            if currency not in entry.price:
                raise PriceNotFoundError(
                    f"{book.version} prices {entry.describe()} but not in {currency}; add a {currency} price"
                )
            return Quote(
                item=item,
                unit_price=entry.price[currency],
                currency=currency,
                per=entry.per,
                price_ref=book.version,
                entry=entry.describe(),
            )
        what = "/".join([item] + [f"{k}={v}" for k, v in wanted]) + (f" at {mbps} Mbps" if mbps else "")
        raise PriceNotFoundError(
            f"no {vendor} price book in force on {on.isoformat()} prices {what}; "
            f"supply one with --prices FILE or a '@prices FILE' scenario line"
        )

    def entry_price(self, vendor: str, entry: str, on: date, currency: str) -> tuple[Decimal, str] | None:
        """The unit price in force on `on` of the entry named `entry` (`PriceEntry.describe()`)
        and the book (or correction) that gives it; None if no book in force has it."""
        key = ("entry", vendor, entry, on, currency)
        if key not in self._quotes:
            found = None
            for book in reversed([b for b in self.books if b.vendor == vendor and b.effective_on <= on]):
                found = next(
                    (
                        (e.price[currency], book.version)
                        for e in book.entries
                        if e.describe() == entry and currency in e.price
                    ),
                    None,
                )
                if found is not None:
                    break
            self._quotes[key] = found  # type: ignore[assignment]
        return self._quotes[key]  # type: ignore[return-value]

    def distance_band(self, vendor: str, region_a: str, region_b: str, on: date) -> tuple[str, str]:
        """The band and the book that gave it, for a VPC interconnection between two regions."""
        pair = tuple(sorted((region_a, region_b)))
        in_force = [b for b in self.books if b.vendor == vendor and b.effective_on <= on]
        for book in reversed(in_force):
            for band in book.distance_bands:
                if band.pair == pair:
                    return band.band, book.version
        raise PriceNotFoundError(
            f"no {vendor} price book in force on {on.isoformat()} gives the distance band between "
            f"{region_a} and {region_b}; add it under distance_bands"
        )

    @staticmethod
    def _pick(
        table: dict[int | None, tuple[PriceBook, PriceEntry]], mbps: int | None
    ) -> tuple[PriceBook, PriceEntry] | None:
        """From a merged table {ceiling: (book, entry)}: the smallest ceiling >= `mbps`, else
        the flat price (ceiling None); without `mbps`, only the flat price."""
        flat = table.get(None)
        if mbps is None:
            return flat
        for ceiling in sorted(c for c in table if c is not None):
            if mbps <= ceiling:
                return table[ceiling]
        return flat
