"""A command id is applied once: the same id again returns the original outcome and
writes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from linkledger.domain.errors import LedgerError

from tests.builders import T, events_named


def test_a_command_whose_id_was_applied_writes_nothing_and_returns_the_original_outcome(ledger):
    first = ledger.open_account("ACME", "zenlayer", "USD", T("2026-01-01T00:00"), command_id="open-1")
    assert not first.duplicate and first.outcome == "applied"
    ledger.top_up("ACME", "10.00", None, T("2026-01-01T00:00"), command_id="pay-1")
    head = ledger.recorder.max_notification_id()
    again = ledger.top_up("ACME", "10.00", None, T("2026-01-01T00:00"), command_id="pay-1")
    assert again.duplicate and again.outcome == "applied"
    # Even at a later time, with other arguments: the id decides, and nothing is written.
    later = ledger.top_up("ACME", "99.00", None, T("2026-03-01T00:00"), command_id="pay-1")
    assert later.duplicate
    assert ledger.recorder.max_notification_id() == head
    assert ledger.account("ACME").balance == Decimal("10.00")
    assert len(events_named(ledger, ledger.account("ACME").id, "Credited")) == 1


def test_a_refused_command_records_no_id_so_it_can_be_sent_again_once_fixed(ledger):
    ledger.open_account("ACME", "zenlayer", "USD", T("2026-01-01T00:00"))
    with pytest.raises(LedgerError):  # no price book prices a port at FRA
        ledger.order_port("ACME", "FRA-1", "FRA", "10G", T("2026-01-01T00:00"), command_id="port-1")
    assert ledger.recorder.outcome("port-1") is None
    ledger.order_port("ACME", "HKG-1", "HKG", "10G", T("2026-01-01T00:00"), command_id="port-1")
    assert ledger.recorder.outcome("port-1") == "applied"
