"""One account's fault never touches another: a due rule that cannot run stops its
account only, and what no price book prices is refused at the command that would bill it."""

from __future__ import annotations

from datetime import date

import pytest
from linkledger.domain.errors import PriceNotFoundError
from linkledger.domain.policies import PolicyBook
from linkledger.domain.price_book import PriceBook, PriceCatalog
from linkledger.domain.rule_book import RuleBook
from linkledger.infrastructure.cli import main
from linkledger.infrastructure.recorders import AccountRow

from tests.builders import T, daily_lines, two_active_ports, zenlayer_account
from tests.conftest import EXAMPLES
from tests.ledger.test_the_account_is_the_unit import billed_account

FRA = PriceBook.from_mapping(
    {
        "vendor": "zenlayer",
        "version": "test-fra-2026-01-01",
        "effective_on": date(2026, 1, 1),
        "currencies": ["USD"],
        "entries": [{"item": "port", "match": {"site": "FRA", "speed": "10G"}, "per": "day", "price": {"USD": "7.00"}}],
    },
    "fra.toml",
)


def port_priced_by_rules_the_store_never_held(ledger, account: str, port: str) -> None:
    """A port at FRA written under a price book this store does not hold, as a store written
    before prices were checked at the command (step 2) could contain."""
    held = ledger.current_rules()
    elsewhere = RuleBook(prices=PriceCatalog([*held.prices.books, FRA]), policies=PolicyBook(held.policies.policies))
    p = ledger.portfolio(ledger.account(account))
    p.order_port(port, "FRA", "10G", T("2026-01-01T00:00"), elsewhere)
    p.get(port, type(p.resources[port])).complete_cross_connect(T("2026-01-01T00:00"))
    ledger.save(*p.aggregates(), accounts=[AccountRow(p.account.id, account, T("2026-01-02T01:00"))])


def test_a_due_rule_that_cannot_run_stops_only_its_account(ledger):
    billed_account(ledger, "A")
    billed_account(ledger, "B")
    port_priced_by_rules_the_store_never_held(ledger, "B", "B-FRA")
    report = ledger.advance_to(T("2026-01-04T02:00"))
    assert len(daily_lines(ledger, "A", "A-P")) == 3  # the others are billed
    assert daily_lines(ledger, "B", "B-P") == {}  # B is left as it was, wholly
    [stuck] = report.stuck
    assert stuck.name == "B" and stuck.due_at == T("2026-01-02T01:00")
    assert "deduct for 2026-01-01" in stuck.rule and "FRA" in stuck.message
    assert [s.name for s in ledger.stuck()] == ["B"]
    assert ledger.watermark() is None  # not every account is settled up to T


def test_status_names_the_stuck_account_and_the_exit_code_says_something_was_left_undone(capsys, tmp_path):
    store = str(tmp_path / "s.db")
    scenario = tmp_path / "s.txt"
    scenario.write_text(
        f"@prices {EXAMPLES / 'zenlayer' / 'prices.toml'}\n"
        "2026-01-01T00:00Z open_account A vendor=zenlayer\n"
        "2026-01-01T00:00Z open_account B vendor=zenlayer\n"
    )
    assert main(["--store", store, "run", str(scenario)]) == 0
    from linkledger.infrastructure.bootstrap import open_ledger

    with open_ledger(store) as ledger:
        port_priced_by_rules_the_store_never_held(ledger, "B", "B-FRA")
    capsys.readouterr()
    assert main(["--store", store, "advance", "--to", "2026-01-05T00:00Z"]) == 3
    err = capsys.readouterr().err
    assert "account B" in err and "deduct for 2026-01-01" in err and "FRA" in err
    assert main(["--store", store, "status"]) == 3
    out = capsys.readouterr().out
    assert "UNDONE: account B" in out and "2026-01-02T01:00" in out
    # The missing price arrives: the account is settled and nothing is left undone.
    fra = tmp_path / "fra.toml"
    fra.write_text(
        'vendor = "zenlayer"\nversion = "test-fra-2026-01-01"\neffective_on = 2026-01-01\n'
        'currencies = ["USD"]\nentries = [{ item = "port", match = { site = "FRA", speed = "10G" }, '
        'per = "day", price = { USD = "7.00" } }]\n'
    )
    assert main(["--store", store, "advance", "--to", "2026-01-05T00:00Z", "--prices", str(fra)]) == 0
    assert main(["--store", store, "status"]) == 0
    with open_ledger(store) as ledger:
        assert ledger.stuck() == [] and ledger.watermark() == T("2026-01-05T00:00")
        assert len(daily_lines(ledger, "B", "B-FRA")) == 3  # Jan 1..3; Jan 4 falls due at 01:00 on the 5th


def test_a_port_at_an_unpriced_site_or_speed_is_refused_at_the_order(ledger):
    zenlayer_account(ledger)
    head = ledger.recorder.max_notification_id()
    with pytest.raises(PriceNotFoundError, match="port/site=FRA/speed=10G"):
        ledger.order_port("ACME", "FRA-1", "FRA", "10G", T("2026-01-01T09:00"))
    with pytest.raises(PriceNotFoundError, match="port/site=SIN/speed=1G"):
        ledger.order_port("ACME", "SIN-2", "SIN", "1G", T("2026-01-01T09:00"))
    assert ledger.recorder.max_notification_id() == head


def test_a_bandwidth_with_no_tier_is_refused_at_the_command(ledger):
    zenlayer_account(ledger)
    two_active_ports(ledger)
    with pytest.raises(PriceNotFoundError, match="private_connect/sites=HKG~SIN at 2000 Mbps"):
        ledger.create_private_connect("ACME", "PC-1", "port:HKG-1", "port:SIN-1", 2000, T("2026-01-02T00:00"))
    ledger.create_private_connect("ACME", "PC-1", "port:HKG-1", "port:SIN-1", 1000, T("2026-01-02T00:00"))
    with pytest.raises(PriceNotFoundError, match="at 5000 Mbps"):  # a raise past the table
        ledger.raise_bandwidth("PC-1", 5000, T("2026-01-03T00:00"))


def test_a_hosted_connection_of_an_unpriced_capacity_is_refused_at_the_order(ledger):
    zenlayer_account(ledger)
    two_active_ports(ledger)
    with pytest.raises(PriceNotFoundError, match="aws_hosted_connection/capacity=300M"):
        ledger.create_private_connect(
            "ACME", "PC-1", "port:HKG-1", "aws:HC-1@AWS-ap-east-1", 250, T("2026-01-02T00:00")
        )
