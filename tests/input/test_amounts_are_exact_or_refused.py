"""Money is read exactly as written or refused, naming the field and the rule: never
misread (separators, non-ASCII digits, exponents), never rounded (too many digits)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from linkledger.domain.errors import InvalidAmountError
from linkledger.infrastructure.bootstrap import open_ledger
from linkledger.infrastructure.ledger import LinkLedger

from tests.conftest import record_rule_book
from tests.input.scenarios import refusal_of

AT = datetime(2026, 1, 1, tzinfo=UTC)
ARABIC_INDIC_100 = "\u0661\u0660\u0660"  # Decimal() reads it as 100


@pytest.mark.parametrize(
    ("amount", "rule"),
    [
        ("1_000.00", "is not a number written in plain decimal digits"),  # Decimal() reads 1000.00
        (ARABIC_INDIC_100, "is not a number written in plain decimal digits"),
        ("1e3", "is not a number written in plain decimal digits"),  # Decimal() reads 1E+3
        ("1,000.00", "is not a number written in plain decimal digits"),
        ("+5", "is not a number written in plain decimal digits"),
        ("5.", "is not a number written in plain decimal digits"),
        ("NaN", "is not a number written in plain decimal digits"),
        ("12345678901234567890123456789012345678", "has 38 digits before the decimal point; at most 15"),
        ("9999999999999999999999999999", "has 28 digits before the decimal point; at most 15"),
    ],
)
def test_an_amount_that_is_not_plain_bounded_decimal_is_refused_and_nothing_is_written(
    capsys, tmp_path: Path, amount: str, rule: str
):
    reason = refusal_of(capsys, tmp_path, f"2026-01-02T00:00Z top_up ACME amount={amount}")
    assert reason.startswith(f"[money] amount {amount!r} ")
    assert rule in reason


def test_two_28_digit_top_ups_are_refused_not_rounded(capsys, tmp_path: Path):
    # Decimal's 28-digit context used to round their sum, losing 1.98.
    big = "9999999999999999999999999999.99"
    reason = refusal_of(
        capsys, tmp_path, f"2026-01-02T00:00Z top_up ACME amount={big}\n2026-01-02T00:00Z top_up ACME amount={big}"
    )
    assert "has 28 digits before the decimal point; at most 15" in reason


@pytest.fixture
def ledger(tmp_path: Path, rules) -> LinkLedger:
    with open_ledger(str(tmp_path / "api.db")) as ledger:
        record_rule_book(ledger, rules)
        ledger.open_account("ACME", "zenlayer", "USD", AT)
        yield ledger


def test_the_largest_balance_is_held_exactly_and_one_cent_more_is_refused(ledger: LinkLedger):
    ledger.top_up("ACME", "999999999999999.98", None, AT)
    ledger.top_up("ACME", "0.01", None, AT)
    assert str(ledger.account("ACME").balance) == "999999999999999.99"
    head = ledger.recorder.max_notification_id()
    with pytest.raises(InvalidAmountError, match="at most 15 digits before the decimal point"):
        ledger.top_up("ACME", "0.01", None, AT)
    assert ledger.recorder.max_notification_id() == head


def test_the_python_api_reads_amounts_by_the_same_rule(ledger: LinkLedger):
    head = ledger.recorder.max_notification_id()
    for bad in ("1e3", "1_000", ARABIC_INDIC_100, 20.5, True, Decimal("NaN"), "1.0000000000001"):
        with pytest.raises(InvalidAmountError, match="amount"):
            ledger.top_up("ACME", bad, None, AT)
    assert ledger.recorder.max_notification_id() == head
    ledger.top_up("ACME", Decimal("1E+3"), None, AT)  # a Decimal is exact: stored in plain form
    credited = [e for e in ledger.events_of(ledger.account("ACME").id) if type(e).__name__ == "Credited"]
    assert [str(e.amount) for e in credited] == ["1000"]


def test_a_leased_line_rent_is_read_by_the_amount_rule(capsys, tmp_path: Path):
    prices = Path(__file__).parents[2] / "examples" / "alibaba" / "prices.toml"
    opened = "2017-11-20T00:00Z open_account GLOBEX vendor=alibaba\n2017-11-20T00:00Z pay GLOBEX amount=5000\n"
    line = (
        "2017-12-01T10:00Z create_physical_connection GLOBEX PC-HK-1 region=cn-hongkong spec=1G "
        'operator="China Telecom" leased_line_rent=1e400'
    )
    reason = refusal_of(capsys, tmp_path, line, prices=prices, good=opened)
    assert reason.startswith("[money] leased_line_rent '1e400' is not a number written in plain decimal digits")
