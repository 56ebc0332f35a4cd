from datetime import date
from decimal import Decimal

import pytest
from linkledger.domain.price_book import PriceBook, PriceCatalog
from linkledger.domain.rule_book import RuleBook
from linkledger.infrastructure.rule_files import load_rule_book

from tests.builders import D, T, daily_lines, two_active_ports, zenlayer_account
from tests.conftest import EXAMPLES

# From the 10th, a file that carries only what changed: the HKG~SIN 200M tier (9.00 -> 8.00).
ONLY_200M = PriceBook.from_mapping(
    {
        "vendor": "zenlayer",
        "version": "only-200m-2026-01-10",
        "effective_on": date(2026, 1, 10),
        "currencies": ["USD"],
        "entries": [
            {
                "item": "private_connect",
                "match": {"sites": "HKG~SIN"},
                "up_to_mbps": 200,
                "per": "day",
                "price": {"USD": "8.00"},
            },
        ],
    },
    "only-200m.toml",
)


@pytest.fixture
def rules() -> RuleBook:
    """The shipped rules and example prices, plus the one-tier book."""
    base = load_rule_book([EXAMPLES / "zenlayer" / "prices.toml", EXAMPLES / "alibaba" / "prices.toml"])
    return RuleBook(prices=PriceCatalog([*base.prices.books, ONLY_200M]), policies=base.policies)


def test_a_later_price_book_reprices_only_what_it_carries(ledger):
    zenlayer_account(ledger)
    two_active_ports(ledger)
    ledger.create_private_connect("ACME", "PC-1", "port:HKG-1", "port:SIN-1", 100, T("2026-01-02T00:00"))
    ledger.create_private_connect("ACME", "PC-2", "port:HKG-1", "port:SIN-1", 200, T("2026-01-02T00:00"))
    ledger.advance_to(T("2026-01-12T02:00"))
    # 100M keeps the example book's 5.00 after the 10th; 200M goes from 9.00 to 8.00.
    pc1 = daily_lines(ledger, "ACME", "PC-1")
    pc2 = daily_lines(ledger, "ACME", "PC-2")
    assert pc1[D("2026-01-09")] == pc1[D("2026-01-10")] == pc1[D("2026-01-11")] == Decimal("5.00")
    assert pc2[D("2026-01-09")] == Decimal("9.00")
    assert pc2[D("2026-01-10")] == pc2[D("2026-01-11")] == Decimal("8.00")
    # Each line names the book that priced it.
    refs = {
        (line.resource, line.period_start): line.price_ref
        for e in ledger.events_of(ledger.account("ACME").id)
        if type(e).__name__ == "Charged" and e.reason == "daily"
        for line in e.lines
    }
    assert refs[("PC-1", D("2026-01-11"))] == "example-zenconsole-2026-01-01"
    assert refs[("PC-2", D("2026-01-11"))] == "only-200m-2026-01-10"
    # Ports, which the later book does not carry, keep their price.
    assert daily_lines(ledger, "ACME", "HKG-1", "port")[D("2026-01-11")] == Decimal("10.00")
