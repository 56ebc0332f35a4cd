from decimal import Decimal

import pytest
from linkledger.domain.errors import CurrencyMismatchError, InvalidAmountError
from linkledger.domain.money import Money, round_line_amount, to_decimal


def test_money_refuses_float():
    with pytest.raises(InvalidAmountError, match="float"):
        Money(amount=0.1, currency="USD")
    with pytest.raises(InvalidAmountError):
        to_decimal(20.0)


def test_money_refuses_mixing_currencies():
    with pytest.raises(CurrencyMismatchError):
        Money(amount=Decimal(1), currency="USD") + Money(amount=Decimal(1), currency="CNY")


def test_line_amount_rounds_half_up_to_minor_unit_once():
    # 3 days at 0.125 = 0.375 -> 0.38 (half-up), not 0.37 (banker's) nor 0.39 (per-day rounding).
    assert round_line_amount(Decimal("0.125") * 3, "USD") == Decimal("0.38")
    assert round_line_amount(Decimal("0.005"), "USD") == Decimal("0.01")
    assert round_line_amount(Decimal("1.5"), "JPY") == Decimal(2)
