"""Time is UTC inside: a time given to the Python API with another offset is converted to
UTC before anything is decided or stored, so its billing day and the balance view's day are
UTC days; a time without a zone is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from linkledger.domain.billing_day import day_of
from linkledger.domain.errors import InvalidInputError
from linkledger.infrastructure.bootstrap import open_ledger

from tests.builders import events_named
from tests.builders import run_cli as run
from tests.conftest import record_rule_book

HONG_KONG = timezone(timedelta(hours=8))


def test_a_top_up_at_7am_in_hong_kong_on_new_years_day_lands_on_new_years_eve_utc(capsys, tmp_path: Path, rules):
    store = str(tmp_path / "ledger.db")
    with open_ledger(store) as ledger:
        record_rule_book(ledger, rules)
        ledger.open_account("ACME", "zenlayer", "USD", datetime(2025, 12, 31, tzinfo=UTC))
        ledger.top_up("ACME", "50.00", None, datetime(2026, 1, 1, 7, 0, tzinfo=HONG_KONG))
        [credited] = events_named(ledger, ledger.account("ACME").id, "Credited")
    assert credited.at == datetime(2025, 12, 31, 23, 0, tzinfo=UTC)
    assert credited.at.utcoffset() == timedelta(0)
    assert day_of(credited.at).isoformat() == "2025-12-31"
    assert run(capsys, "--store", store, "project", "-q")[0] == 0
    code, out, err = run(capsys, "--store", store, "balance", "ACME", "--days", "--json")
    assert code == 0, err
    assert json.loads(out)["days"] == {"2025-12-31": "50.00"}


def test_a_time_without_a_zone_or_not_a_time_is_refused_and_nothing_is_written(tmp_path: Path, rules):
    with open_ledger(str(tmp_path / "ledger.db")) as ledger:
        record_rule_book(ledger, rules)
        ledger.open_account("ACME", "zenlayer", "USD", datetime(2026, 1, 1, tzinfo=UTC))
        head = ledger.recorder.max_notification_id()
        with pytest.raises(InvalidInputError, match="at 2026-01-02T00:00:00 has no time zone"):
            ledger.top_up("ACME", "50.00", None, datetime(2026, 1, 2))  # noqa: DTZ001 (naive on purpose)
        with pytest.raises(InvalidInputError, match="at '2026-01-02T00:00Z' is not a datetime"):
            ledger.add_user("ACME", "bob", "bob@acme.test", "Finance", "2026-01-02T00:00Z")  # type: ignore[arg-type]
        assert ledger.recorder.max_notification_id() == head
