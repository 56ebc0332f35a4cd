from decimal import Decimal

import pytest
from linkledger.domain.errors import InvalidAmountError
from linkledger.domain.money import round_line_amount, to_decimal, to_price


def test_money_refuses_float():
    with pytest.raises(InvalidAmountError, match="float"):
        to_decimal(20.0)
    with pytest.raises(InvalidAmountError, match="float"):
        to_price(0.1)


def test_an_amount_is_read_exactly_as_written():
    assert str(to_decimal("1000.50")) == "1000.50"
    assert str(to_decimal(Decimal("1E+3"))) == "1000"  # a Decimal given to the Python API, in plain form
    assert str(to_price("0.123456")) == "0.123456"


def test_line_amount_rounds_half_up_to_minor_unit_once():
    # 3 days at 0.125 = 0.375 -> 0.38 (half-up), not 0.37 (banker's) nor 0.39 (per-day rounding).
    assert round_line_amount(Decimal("0.125") * 3, "USD") == Decimal("0.38")
    assert round_line_amount(Decimal("0.005"), "USD") == Decimal("0.01")
    assert round_line_amount(Decimal("1.5"), "JPY") == Decimal(2)
