"""Each account keeps its own clock: a command settles and decides one account, in one
atomic write; `advance` settles only the accounts the due index says are due."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from linkledger.domain.errors import BandwidthCutLimitError, InvalidAmountError, TimeRunsBackwardError
from linkledger.domain.events import account_id
from linkledger.infrastructure.ledger import LinkLedger

from tests.builders import D, T, daily_lines


def billed_account(ledger: LinkLedger, name: str, at: str = "2026-01-01T00:00") -> None:
    """An account with 1000.00 and one active 10G port at HKG (10.00 a day)."""
    ledger.open_account(name, "zenlayer", "USD", T(at))
    ledger.top_up(name, "1000.00", None, T(at))
    ledger.order_port(name, f"{name}-P", "HKG", "10G", T(at))
    ledger.complete_cross_connect(f"{name}-P", T(at))


def idle_account(ledger: LinkLedger, name: str, at: str = "2026-01-01T00:00") -> None:
    ledger.open_account(name, "zenlayer", "USD", T(at))


def test_a_command_settles_only_its_own_account(ledger):
    billed_account(ledger, "A")
    billed_account(ledger, "B")
    ledger.top_up("A", "1.00", None, T("2026-01-10T12:00"))
    assert sorted(daily_lines(ledger, "A", "A-P")) == [D("2026-01-01") + timedelta(days=i) for i in range(9)]
    assert daily_lines(ledger, "B", "B-P") == {}  # B's due rules wait for B's own command or `advance`
    ledger.advance_to(T("2026-01-10T12:00"))
    assert len(daily_lines(ledger, "B", "B-P")) == 9
    assert daily_lines(ledger, "A", "A-P") == daily_lines(ledger, "B", "B-P")


def test_a_refused_command_writes_nothing_not_even_the_due_rules_before_it(ledger):
    billed_account(ledger, "A")
    head = ledger.recorder.max_notification_id()
    with pytest.raises(InvalidAmountError):
        ledger.top_up("A", "-5", None, T("2026-01-20T12:00"))
    assert ledger.recorder.max_notification_id() == head  # no deduction for Jan 1..19, no clock move
    assert ledger.account("A").deducted_through is None
    assert ledger.account("A").pending_events == []


def test_a_corrected_command_may_come_earlier_than_the_refused_one(ledger):
    billed_account(ledger, "A")
    ledger.order_port("A", "A-Q", "SIN", "10G", T("2026-01-01T00:00"))
    ledger.complete_cross_connect("A-Q", T("2026-01-01T00:00"))
    ledger.create_private_connect("A", "PC", "port:A-P", "port:A-Q", 500, T("2026-01-02T00:00"))
    for i, mbps in enumerate((400, 300, 200)):
        ledger.cut_bandwidth("PC", mbps, T(f"2026-01-0{3 + i}T00:00"))
    with pytest.raises(BandwidthCutLimitError):
        ledger.cut_bandwidth("PC", 100, T("2026-01-25T00:00"))
    # The refused line moved no clock: a corrected command at an earlier time is accepted.
    ledger.raise_bandwidth("PC", 500, T("2026-01-10T00:00"))
    assert ledger.account("A").deducted_through == D("2026-01-08")


def test_a_command_before_its_account_clock_is_refused_naming_the_clock(ledger):
    billed_account(ledger, "A")
    billed_account(ledger, "B")
    ledger.top_up("A", "1.00", None, T("2026-01-10T12:00"))
    with pytest.raises(TimeRunsBackwardError, match="account A's clock"):
        ledger.top_up("A", "1.00", None, T("2026-01-10T11:00"))
    ledger.top_up("B", "1.00", None, T("2026-01-10T11:00"))  # B has its own clock


def test_the_due_index_row_is_written_with_the_events(ledger):
    billed_account(ledger, "A")
    idle_account(ledger, "IDLE")
    due = {aid: at for at, aid in ledger.recorder.due_accounts(T("2030-01-01T00:00"), None, 100)}
    # Jan 1 is deducted at 01:00 on Jan 2; an account with nothing to bill is next due when
    # its month closes and its invoice is issued (1 Feb, just after the deduction for 31 Jan).
    assert due == {account_id("A"): T("2026-01-02T01:00"), account_id("IDLE"): T("2026-02-01T01:00")}
    ledger.top_up("A", "1.00", None, T("2026-01-05T12:00"))
    due = {aid: at for at, aid in ledger.recorder.due_accounts(T("2030-01-01T00:00"), None, 100)}
    assert due == {account_id("A"): T("2026-01-06T01:00"), account_id("IDLE"): T("2026-02-01T01:00")}
    with pytest.raises(InvalidAmountError):
        ledger.top_up("A", "0", None, T("2026-01-09T12:00"))
    due = {aid: at for at, aid in ledger.recorder.due_accounts(T("2030-01-01T00:00"), None, 100)}
    # A refusal leaves the index as it was.
    assert due == {account_id("A"): T("2026-01-06T01:00"), account_id("IDLE"): T("2026-02-01T01:00")}


def test_advance_loads_only_the_accounts_with_something_due(ledger):
    billed_account(ledger, "A")
    for i in range(20):
        idle_account(ledger, f"IDLE-{i}")
    loaded = []
    get = ledger.repository.get

    def counting_get(aggregate_id, *args, **kwargs):
        loaded.append(aggregate_id)
        return get(aggregate_id, *args, **kwargs)

    ledger.repository.get = counting_get  # the library's repository, not our code
    report = ledger.advance_to(T("2026-01-05T02:00"))
    assert report.accounts == 1 and report.ran == 4
    assert not {account_id(f"IDLE-{i}") for i in range(20)} & set(loaded)


def test_advance_saves_the_rules_of_many_accounts_in_one_transaction(ledger):
    for name in ("A", "B", "C"):
        billed_account(ledger, name)
    writes = []
    insert = ledger.recorder.insert_events

    def counting_insert(stored_events, **kwargs):
        writes.append(len(stored_events))
        return insert(stored_events, **kwargs)

    ledger.recorder.insert_events = counting_insert  # the library's recorder method
    ledger.advance_to(T("2026-01-02T02:00"))
    assert writes == [3]  # one deduction for each of three accounts, one transaction


def test_the_watermark_says_every_account_is_settled_up_to_it(ledger):
    billed_account(ledger, "A")
    assert ledger.watermark() is None
    ledger.advance_to(T("2026-01-03T00:00"))
    assert ledger.watermark() == T("2026-01-03T00:00")
    ledger.advance_to(T("2026-01-02T00:00"))  # an earlier advance never moves it back
    assert ledger.watermark() == T("2026-01-03T00:00")
    assert ledger.account("A").balance == Decimal("990.00")


def test_a_writer_decides_on_what_another_writer_saved_meanwhile(ledger, store):
    """The cache is trusted only after one query says the store holds no newer version."""
    from linkledger.infrastructure.bootstrap import open_ledger

    billed_account(ledger, "A")
    ledger.top_up("A", "1.00", None, T("2026-01-01T06:00"))  # cached in this writer
    with open_ledger(store) as other:
        other.top_up("A", "100.00", None, T("2026-01-01T07:00"))
        other.order_port("A", "A-Q", "SIN", "10G", T("2026-01-01T07:00"))
    assert ledger.account("A").balance == Decimal("1101.00")  # a read is fresh too
    ledger.top_up("A", "1.00", None, T("2026-01-01T08:00"))
    assert ledger.account("A").balance == Decimal("1102.00")
    assert [r.name for r in ledger.account("A").resources] == ["A-P", "A-Q"]


def test_advance_settles_a_full_page_of_accounts_with_many_resources(ledger):
    """A page of the due index (200 accounts) and their cached ports, 600 aggregates, are
    checked against the store in one query."""
    at = T("2026-01-01T00:00")
    for i in range(210):
        name = f"F{i:03d}"
        ledger.open_account(name, "zenlayer", "USD", at)
        ledger.top_up(name, "100.00", None, at)
        for site in ("HKG", "SIN"):
            ledger.order_port(name, f"{name}-{site}", site, "10G", at)
            ledger.complete_cross_connect(f"{name}-{site}", at)
    report = ledger.advance_to(T("2026-01-03T02:00"))
    assert report.accounts == 210 and report.ran == 420 and not report.stuck
    assert ledger.account("F209").balance == Decimal("60.00")
