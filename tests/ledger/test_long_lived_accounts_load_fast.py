"""Snapshots bring long-lived aggregates back with every value's type; the cache is not
copied on read, so a refused decision must never stay in it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from eventsourcing.application import project_aggregate
from linkledger.domain.errors import InvalidAmountError
from linkledger.infrastructure.bootstrap import open_ledger

from tests.builders import T, two_active_ports, zenlayer_account


def test_an_account_with_a_long_history_loads_from_a_snapshot_equal_to_its_replay(ledger, store):
    zenlayer_account(ledger, balance="100000.00")
    two_active_ports(ledger)
    ledger.create_private_connect("ACME", "PC-1", "port:HKG-1", "port:SIN-1", 200, T("2026-01-02T00:00"))
    ledger.advance_to(T("2026-06-01T02:00"))  # about 150 daily charges: past one snapshot interval
    account = ledger.account("ACME")
    assert account.version > ledger.snapshot_every
    [snapshot] = list(ledger.snapshots.get(account.id, desc=True, limit=1))
    assert snapshot.originator_version // ledger.snapshot_every >= 1
    with open_ledger(store, env={"AGGREGATE_CACHE_MAXSIZE": ""}) as fresh:
        from_snapshot = fresh.account("ACME")
        replayed = project_aggregate(None, fresh.events.get(account.id))
        assert vars(from_snapshot) == vars(replayed) == vars(account)
        assert isinstance(from_snapshot.balance, Decimal)
        assert type(from_snapshot.users[0]).__name__ == "User"
        # and it keeps working: a command on the snapshot-loaded account
        fresh.top_up("ACME", "1.00", None, T("2026-06-01T03:00"))
        assert fresh.account("ACME").balance == account.balance + 1


def test_a_refused_decision_is_never_left_in_the_cache(ledger, store):
    zenlayer_account(ledger)
    two_active_ports(ledger)
    with pytest.raises(InvalidAmountError):
        # Settling runs Jan 1..9's deductions on the cached account, then the decision is refused.
        ledger.top_up("ACME", "0.001", None, T("2026-01-10T12:00"))
    cached = ledger.account("ACME")
    assert cached.pending_events == [] and cached.deducted_through is None
    ledger.top_up("ACME", "5.00", None, T("2026-01-10T12:00"))
    with open_ledger(store, env={"AGGREGATE_CACHE_MAXSIZE": ""}) as fresh:
        assert vars(fresh.account("ACME")) == vars(ledger.account("ACME"))
