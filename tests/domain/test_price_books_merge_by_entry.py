"""A later price book that carries only what changed (say one tier) must not reprice
anything else: for an item and its match, the tier tables of every book in force are
merged oldest to newest, a newer entry replacing only the entry with the same ceiling."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from linkledger.domain.errors import PriceNotFoundError
from linkledger.domain.price_book import PriceBook, PriceCatalog

HKG_SIN = {"sites": "HKG~SIN"}


def pc(up_to: int | None, usd: str, sites: str = "HKG~SIN") -> dict[str, Any]:
    entry: dict[str, Any] = {"item": "private_connect", "match": {"sites": sites}, "per": "day", "price": {"USD": usd}}
    if up_to is not None:
        entry["up_to_mbps"] = up_to
    return entry


def port(site: str, usd: str) -> dict[str, Any]:
    return {"item": "port", "match": {"site": site, "speed": "10G"}, "per": "day", "price": {"USD": usd}}


def book(version: str, effective_on: str, *entries: dict[str, Any]) -> PriceBook:
    return PriceBook.from_mapping(
        {
            "vendor": "zenlayer",
            "version": version,
            "effective_on": date.fromisoformat(effective_on),
            "currencies": ["USD"],
            "entries": list(entries),
        },
        f"{version}.toml",
    )


BASE = book(
    "base-2026-01-01",
    "2026-01-01",
    pc(50, "3.00"),
    pc(100, "5.00"),
    pc(200, "9.00"),
    pc(500, "20.00"),
    port("HKG", "10.00"),
    port("SIN", "10.00"),
)
ONLY_200M = book("only-200m-2026-02-01", "2026-02-01", pc(200, "8.00"))


def price(
    catalog: PriceCatalog,
    mbps: int | None,
    on: str = "2026-02-10",
    match: dict[str, str] = HKG_SIN,
    item: str = "private_connect",
) -> tuple[Decimal, str, str]:
    q = catalog.quote("zenlayer", item, match, date.fromisoformat(on), "USD", mbps=mbps)
    return q.unit_price, q.price_ref, q.entry


def test_a_later_book_with_one_tier_reprices_only_that_tier():
    catalog = PriceCatalog([BASE, ONLY_200M])
    # The 200M tier is repriced from 1 Feb, and names the book that changed it.
    tier_200 = "private_connect/sites=HKG~SIN/up_to_mbps=200"
    assert price(catalog, 200) == (Decimal("8.00"), "only-200m-2026-02-01", tier_200)
    assert price(catalog, 150) == (Decimal("8.00"), "only-200m-2026-02-01", tier_200)
    # Every other tier keeps the older book's price and names the older book.
    assert price(catalog, 50) == (Decimal("3.00"), "base-2026-01-01", "private_connect/sites=HKG~SIN/up_to_mbps=50")
    assert price(catalog, 100) == (Decimal("5.00"), "base-2026-01-01", "private_connect/sites=HKG~SIN/up_to_mbps=100")
    assert price(catalog, 300) == (Decimal("20.00"), "base-2026-01-01", "private_connect/sites=HKG~SIN/up_to_mbps=500")
    # Before the later book is in force, nothing changes.
    assert price(catalog, 200, on="2026-01-31") == (
        Decimal("9.00"),
        "base-2026-01-01",
        "private_connect/sites=HKG~SIN/up_to_mbps=200",
    )


def test_a_later_book_with_a_new_tier_adds_it_between_the_older_ones():
    catalog = PriceCatalog([BASE, book("new-150m", "2026-02-01", pc(150, "7.00"))])
    assert price(catalog, 120)[:2] == (Decimal("7.00"), "new-150m")
    assert price(catalog, 160)[:2] == (Decimal("9.00"), "base-2026-01-01")
    assert price(catalog, 100)[:2] == (Decimal("5.00"), "base-2026-01-01")


def test_tiers_merge_across_several_books_newest_wins_per_tier():
    catalog = PriceCatalog(
        [
            BASE,
            book("feb", "2026-02-01", pc(200, "8.00"), pc(50, "2.50")),
            book("mar", "2026-03-01", pc(200, "7.50")),
        ]
    )
    assert price(catalog, 200, on="2026-03-05")[:2] == (Decimal("7.50"), "mar")
    assert price(catalog, 50, on="2026-03-05")[:2] == (Decimal("2.50"), "feb")
    assert price(catalog, 100, on="2026-03-05")[:2] == (Decimal("5.00"), "base-2026-01-01")


def test_a_flat_price_is_one_more_entry_of_the_table():
    # An older flat price covers caps above every tier; a newer flat price replaces only it.
    catalog = PriceCatalog(
        [
            book("old", "2026-01-01", pc(100, "5.00"), pc(None, "50.00")),
            book("new", "2026-02-01", pc(None, "45.00")),
        ]
    )
    assert price(catalog, 100)[:2] == (Decimal("5.00"), "old")
    assert price(catalog, 2000) == (Decimal("45.00"), "new", "private_connect/sites=HKG~SIN")
    # Above every tier and with no flat price, there is still no price.
    with pytest.raises(PriceNotFoundError, match="at 2000 Mbps"):
        price(PriceCatalog([BASE, ONLY_200M]), 2000)


def test_a_later_book_reprices_only_the_items_and_matches_it_carries():
    catalog = PriceCatalog([BASE, book("hkg-port", "2026-02-01", port("HKG", "12.00"))])
    assert price(catalog, None, match={"site": "HKG", "speed": "10G"}, item="port")[:2] == (
        Decimal("12.00"),
        "hkg-port",
    )
    assert price(catalog, None, match={"site": "SIN", "speed": "10G"}, item="port")[:2] == (
        Decimal("10.00"),
        "base-2026-01-01",
    )
    assert price(catalog, 200)[:2] == (Decimal("9.00"), "base-2026-01-01")
