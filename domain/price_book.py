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

from linkledger.domain.bandwidth import MAX_MBPS
from linkledger.domain.errors import InvalidAmountError, PriceNotFoundError, RuleFileError
from linkledger.domain.events import Frozen
from linkledger.domain.money import MINOR_UNITS, to_price
from linkledger.domain.plain_errors import plain_problems
from pydantic import Field, ValidationError, ValidationInfo, model_validator

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
    def _check_entries(self, info: ValidationInfo) -> PriceBook:
        if (info.context or {}).get(_HEADER_ONLY):
            return self
        problems = book_problems(self.currencies, self.entries, self.distance_bands)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @classmethod
    def from_mapping(cls, data: dict[str, Any], source: str) -> PriceBook:
        """A price book file's content, checked as a whole: every problem of the header, of
        each entry and across entries is listed in one refusal."""
        entries, problems = parse_entries(data.get("entries"), data.get("vendor"))
        header = None
        try:  # the book without its entries (checked above, one by one)
            header = cls.model_validate({**data, "entries": []}, context={_HEADER_ONLY: True})
        except ValidationError as e:
            problems += plain_problems(e)
        currencies = header.currencies if header else _strings(data.get("currencies"))
        problems += book_problems(currencies, entries, header.distance_bands if header else [])
        if problems:
            raise RuleFileError(source, problems)
        return cls.model_validate({**data, "entries": entries})


_HEADER_ONLY = "header only"

# The items the ledger prices, per vendor, with the match keys it asks them with.
ITEMS: dict[str, dict[str, tuple[frozenset[str], ...]]] = {
    "zenlayer": {
        "port": (frozenset({"site", "speed"}),),
        "private_connect": (frozenset({"sites"}),),
        "aws_hosted_connection": (frozenset({"site", "capacity"}),),
    },
    "alibaba": {
        "port_reservation": (frozenset({"spec"}),),
        "setup_fee": (frozenset({"spec"}),),
        "router_interface": (
            frozenset({"connection_type", "spec", "initiator_region", "receiver_region"}),
            frozenset({"connection_type", "spec", "distance"}),
        ),
    },
}


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _entry_problems(e: PriceEntry, where: str, vendor: Any) -> list[str]:
    """An item the ledger never asks for, or match keys it never asks with, would never price
    anything; a tier above the fastest bandwidth is never reached."""
    if e.up_to_mbps is not None and e.up_to_mbps > MAX_MBPS:
        return [f"{where}: up_to_mbps {e.up_to_mbps} is above the fastest bandwidth, {MAX_MBPS}"]
    items = ITEMS.get(vendor) or {k: v for table in ITEMS.values() for k, v in table.items()}
    if e.item not in items:
        return [f"{where}: item {e.item!r} is not one the ledger prices; known: {', '.join(sorted(items))}"]
    keys = frozenset(e.match)
    if keys in items[e.item]:
        return []
    wanted = " or ".join("{" + ", ".join(sorted(k)) + "}" for k in items[e.item])
    return [f"{where}: match keys {{{', '.join(sorted(keys))}}} are not those of {e.item}: {wanted}"]


def _parse_prices(raw: Any, where: str) -> tuple[Any, list[str]]:
    """Each price read by the money rule (`to_price`); a refused one is listed and stands in as 0."""
    if not isinstance(raw, dict):
        return raw, []  # the entry's own validation names it
    prices: dict[str, Any] = {}
    problems: list[str] = []
    for currency, value in raw.items():
        try:
            prices[currency] = to_price(value, f"{where}.{currency}:")
        except InvalidAmountError as e:
            problems.append(e.message)
            prices[currency] = Decimal(0)
    return prices, problems


def _parse_entry(raw: Any, i: int, vendor: Any) -> tuple[PriceEntry | None, list[str]]:
    if not isinstance(raw, dict):
        return None, [f"entries[{i}]: must be a table {{item = ..., per = ..., price = {{...}}}}"]
    prices, problems = _parse_prices(raw.get("price"), f"entries[{i}].price")
    try:
        entry = PriceEntry.model_validate({**raw, "price": prices} if "price" in raw else raw)
    except ValidationError as e:
        return None, problems + plain_problems(e, at=("entries", i))
    return entry, problems + _entry_problems(entry, f"entries[{i}] ({entry.describe()})", vendor)


def parse_entries(raw: Any, vendor: Any) -> tuple[list[PriceEntry], list[str]]:
    """The entries of a price book or correction file, each checked on its own: the ones that
    are well formed (for the checks across entries), and every problem found."""
    if not isinstance(raw, list):
        return [], ["entries: is missing; it is required" if raw is None else "entries: must be a list [...]"]
    entries: list[PriceEntry] = []
    problems: list[str] = []
    for i, item in enumerate(raw):
        entry, found = _parse_entry(item, i, vendor)
        problems += found
        if entry is not None:
            entries.append(entry)
    return entries, problems


def _currency_problems(currencies: list[str], entries: list[PriceEntry]) -> list[str]:
    problems = [f"currencies: {c} is not a supported currency" for c in currencies if c not in MINOR_UNITS]
    for i, e in enumerate(entries):
        where = f"entries[{i}] ({e.describe()})"
        extra = sorted(e.price.keys() - set(currencies))
        problems += [f"{where}: currency {c} is not in this book's currencies" for c in extra]
        problems += [f"{where}: has no {c} price" for c in sorted(set(currencies) - e.price.keys())]
        problems += [f"{where}: {c} price {amount} is negative" for c, amount in e.price.items() if amount < 0]
    return problems


def book_problems(currencies: list[str], entries: list[PriceEntry], bands: list[DistanceBand]) -> list[str]:
    """What is wrong across a book's entries: currencies, an entry priced twice, a band given twice."""
    problems = _currency_problems(currencies, entries)
    for key, n in Counter(e.key for e in entries).items():
        if n > 1:
            problems.append(f"{key[0]} {dict(key[1])} up_to_mbps={key[2]}: priced {n} times")
    for pair, n in Counter(b.pair for b in bands).items():
        if n > 1:
            problems.append(f"distance band for {' ~ '.join(pair)} is given {n} times")
    return problems


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
