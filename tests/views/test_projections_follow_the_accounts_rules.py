"""The invoice and balance projections apply the account's own rules, on the UTC days of the
events' times; and, against references that share none of their code, they add up.

The small stories are built with the domain's own commands (times given at other offsets than
UTC are kept as given) and folded in memory, as `--from-log` does; the examples are held to
the account aggregate itself and to a deliberately naive recount of their charges."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import uuid4

from linkledger.domain.account import Account
from linkledger.domain.charges import ChargeLine
from linkledger.domain.invoice import provisional_document
from linkledger.domain.physical_connection import LeasedLine, PhysicalConnection
from linkledger.infrastructure import queries
from linkledger.infrastructure.event_log import EventLog
from linkledger.infrastructure.history import AccountHistory
from linkledger.projections.balance_view import BalanceProjection, fold_balance
from linkledger.projections.invoice_view import fold_invoice
from linkledger.projections.projection import fold
from linkledger.projections.records import records_of
from linkledger.projections.rendering import to_json

PLUS_8 = timezone(timedelta(hours=8))
OPENED = datetime(2025, 12, 1, tzinfo=UTC)
NEW_YEAR_IN_SINGAPORE = datetime(2026, 1, 1, 7, 0, tzinfo=PLUS_8)  # 2025-12-31T23:00Z


def line(day: date, unit_price: str = "2.00", *, item: str = "port_1g", amount: str | None = None) -> ChargeLine:
    return ChargeLine(
        resource="HKG-1",
        resource_id=uuid4(),
        kind="port",
        item=item,
        period_start=day,
        period_end=day,
        quantity=Decimal(1),
        unit="day",
        unit_price=Decimal(unit_price),
        amount=Decimal(amount or unit_price),
        currency="USD",
        price_ref="zenlayer-2026-01",
        basis="port 1G per day",
    )


def opened() -> Account:
    return Account.open("ACME", "zenlayer", "USD", OPENED)


# ------------------------------------------------------------ UTC days, parsed
def test_a_balance_at_a_time_with_an_offset_counts_for_its_utc_day():
    acct = opened()
    acct.credit("top_up", Decimal("10.00"), "USD", NEW_YEAR_IN_SINGAPORE)
    acct.credit("top_up", Decimal("5.00"), "USD", datetime(2026, 1, 1, 9, 0, tzinfo=PLUS_8))  # 01:00Z
    view = fold(BalanceProjection(), records_of(acct.collect_events()))
    assert view[f"days:{acct.id}"] == {"2025-12-31": "10.00", "2026-01-01": "15.00"}


def test_a_charge_at_a_time_with_an_offset_goes_on_the_month_of_its_utc_day():
    acct = opened()
    setup = line(date(2025, 12, 31), "100.00", item="setup").model_copy(update={"unit": "once"})
    acct.charge("setup_fee", [setup], NEW_YEAR_IN_SINGAPORE)
    records = records_of(acct.collect_events())
    december = fold_invoice(records, str(acct.id), "2025-12")
    assert [(x["item"], x["charged_on"]) for x in december["lines"]] == [("setup", date(2025, 12, 31))]
    assert fold_invoice(records, str(acct.id), "2026-01")["lines"] == []
    assert list(acct.drafts) == ["2025-12"]  # where the account's own draft put it


def test_a_leased_line_memo_shows_from_the_utc_month_it_was_applied_in():
    acct = opened()
    pc = PhysicalConnection.apply_for(
        "PC-1",
        acct.id,
        "cn-hongkong",
        "1G",
        LeasedLine(operator="PCCW", monthly_rent=Decimal("300")),
        NEW_YEAR_IN_SINGAPORE,
    )
    records = records_of(acct.collect_events(), pc.collect_events())
    assert [m["resource"] for m in fold_invoice(records, str(acct.id), "2025-12")["memos"]] == ["PC-1"]
    assert fold_invoice(records, str(acct.id), "2025-11")["memos"] == []


# ------------------------------------------------------------ the account's rules
def test_a_credit_that_pays_off_a_recycled_accounts_debt_makes_it_active_again():
    acct = opened()
    acct.charge("daily", [line(date(2025, 12, 1), "20.00")], datetime(2025, 12, 2, tzinfo=UTC), date(2025, 12, 1))
    acct.record_recycle([], datetime(2025, 12, 5, tzinfo=UTC))
    recycled = acct.collect_events()
    acct.credit("top_up", Decimal("5.00"), "USD", datetime(2025, 12, 6, tzinfo=UTC))
    still_owing = recycled + acct.collect_events()
    acct.credit("top_up", Decimal("15.00"), "USD", datetime(2025, 12, 7, tzinfo=UTC))
    paid = still_owing + acct.collect_events()
    assert [fold_balance(records_of(e), str(acct.id))["stage"] for e in (recycled, still_owing, paid)] == [
        "recycled",
        "recycled",
        "active",
    ]
    assert acct.stage == "active"  # as the account has it
    assert fold_balance(records_of(paid), str(acct.id))["deducted_through"] == acct.deducted_through.isoformat()


def test_the_next_day_at_an_equal_price_extends_the_line_however_the_price_is_written():
    acct = opened()
    acct.charge("daily", [line(date(2025, 12, 1), "2.0")], datetime(2025, 12, 2, tzinfo=UTC), date(2025, 12, 1))
    acct.charge("daily", [line(date(2025, 12, 2), "2.00")], datetime(2025, 12, 3, tzinfo=UTC), date(2025, 12, 2))
    invoice = fold_invoice(records_of(acct.collect_events()), str(acct.id), "2025-12")
    assert [(x["from"], x["to"], x["quantity"]) for x in invoice["lines"]] == [
        (date(2025, 12, 1), date(2025, 12, 2), Decimal(2))
    ]
    assert len(acct.drafts["2025-12"]) == 1  # as the account drafts it


# ------------------------------------------------------------ independent references
def naive_month_totals(events: list[Any]) -> dict[str, Decimal]:
    """Each charge line's amount on its month, recounted naively from the Charged events: a
    daily line on the month of the day it pays for, any other on the month (UTC) it was
    charged in; a line for a month already issued on the month after the last issued."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    issued: list[str] = []
    for e in events:
        if isinstance(e, Account.InvoiceIssued):
            issued.append(e.period)
        elif isinstance(e, Account.Charged):
            for x in e.lines:
                day = x.period_start if e.reason == "daily" else e.at.astimezone(UTC).date()
                month = day.strftime("%Y-%m")
                if month in issued:
                    year, mon = (int(p) for p in issued[-1].split("-"))
                    month = f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"
                totals[month] += x.amount
    return totals


def months_of(events: list[Any]) -> set[str]:
    found = set()
    for e in events:
        if isinstance(e, Account.Charged):
            found |= {x.period_start.strftime("%Y-%m") for x in e.lines} | {e.at.astimezone(UTC).strftime("%Y-%m")}
        if isinstance(e, Account.InvoiceIssued):
            found.add(e.period)
    return found


def test_every_months_invoice_total_is_its_charges_recounted_naively(example_log: EventLog):
    ledger = example_log.ledger
    for name in ledger.account_names():
        events = list(ledger.events_of(ledger.account(name).id))
        expected = naive_month_totals(events)
        assert expected, "the example charges something"
        for month in sorted(months_of(events) | set(expected)):
            assert Decimal(str(queries.invoice(ledger, name, month)["total"])) == expected.get(month, Decimal(0)), month


def test_every_open_month_from_the_log_is_the_accounts_own_draft(example_log: EventLog):
    """The invoice projection run over the log against the account aggregate's draft (the
    draft the account issues from): the same document, byte for byte."""
    ledger = example_log.ledger
    for name in ledger.account_names():
        history = AccountHistory(ledger, name)
        acct = history.account
        header = {"account": acct.name, "currency": acct.currency, "vendor": acct.vendor}
        for month in sorted(months_of(history.events)):
            if history.issued(month) is not None:
                continue
            memos = history.portfolio.leased_line_memos(month)
            adjustments = [a.model_dump() for a in acct.window_adjustments] if month == acct.open_period else []
            draft = provisional_document(header, month, acct.drafts.get(month, []), memos, adjustments)
            assert to_json(queries.invoice(ledger, name, month)) == to_json(draft), month


def test_the_balance_from_the_log_is_the_accounts_own_summary(example_log: EventLog):
    """The balance projection run over the log against the aggregates' own `describe()`."""
    ledger = example_log.ledger
    for name in ledger.account_names():
        history = AccountHistory(ledger, name)
        own = history.account.describe()
        own["clock"] = history.clock
        own["resources"] = [history.resources[r.name].describe() for r in history.account.resources]
        assert to_json(queries.balance(ledger, name)) == to_json(own)
