"""Exact money: how amounts are read, which currencies there are, and the one rounding step.

Input rule (docs/money.md): an amount is written as plain ASCII decimal digits with at most
one decimal point (`1000.00`): no exponent, digit separator, space or non-ASCII digit, and
no sign (a top-up's `-` is read and refused by the rule that a payment is positive). Its
digits are bounded so that it, and every sum the ledger makes of such amounts, is held
exactly: what is paid in (a top-up, a payment, a leased line's rent) has at most
`AMOUNT_INTEGER_DIGITS` digits before the point and no more decimals than the currency's
minor unit; a price has at most `PRICE_INTEGER_DIGITS` digits before the point and at most
`PRICE_FRACTION_DIGITS` after it. Anything else is refused, never rounded.

Rounding rule: a charge line's amount is unit price x quantity, rounded half-up to the
currency's minor unit by `round_line_amount`. Nothing else rounds: balances and totals are
sums of already-rounded line amounts.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from linkledger.domain.errors import InvalidAmountError

MINOR_UNITS: dict[str, int] = {"USD": 2, "CNY": 2, "EUR": 2, "HKD": 2, "SGD": 2, "JPY": 0}

AMOUNT_INTEGER_DIGITS = 15  # up to 999 999 999 999 999.99 paid in at once, or held as a balance
AMOUNT_FRACTION_DIGITS = 12  # read; then held to the currency's minor unit (`check_minor_unit`)
PRICE_INTEGER_DIGITS = 12  # a unit price below 10^12
PRICE_FRACTION_DIGITS = 6  # unit prices may be finer than the minor unit (rounded per line)
BALANCE_LIMIT = Decimal(10) ** AMOUNT_INTEGER_DIGITS  # a balance's magnitude stays below it

_PLAIN = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?", re.ASCII)
_HOW = "write ASCII digits with at most one decimal point, such as 1000.00 (no exponent, sign, separator or space)"


def _text_of(value: Any, what: str) -> str:
    """The decimal text of a str, int or Decimal; a float or anything else is refused."""
    if isinstance(value, float):
        raise InvalidAmountError(f'{what} {value!r} is a float; write money as a string such as "20.00"')
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise InvalidAmountError(f"{what} {value!r} is not a number; {_HOW}")
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else str(value)  # 1E+3 -> 1000
    return str(value)


def to_decimal(
    value: Any,
    what: str = "amount",
    *,
    integer_digits: int = AMOUNT_INTEGER_DIGITS,
    fraction_digits: int = AMOUNT_FRACTION_DIGITS,
    signed: bool = False,
) -> Decimal:
    """The exact Decimal of a plain decimal string (or an int, or a Decimal); anything that
    is not plain, has more digits than allowed, or is negative (unless `signed`: the caller
    checks the sign, e.g. "a top-up must be a positive amount") is refused, naming `what`."""
    text = _text_of(value, what)
    m = _PLAIN.fullmatch(text)
    if m is None:
        raise InvalidAmountError(f"{what} {text!r} is not a number written in plain decimal digits; {_HOW}")
    sign, whole, fraction = m.group(1), m.group(2).lstrip("0"), m.group(3) or ""
    if sign and not signed:
        raise InvalidAmountError(f"{what} {text!r} is negative; it must be zero or more")
    if len(whole) > integer_digits:
        raise InvalidAmountError(
            f"{what} {text!r} has {len(whole)} digits before the decimal point; at most {integer_digits} are held"
        )
    if len(fraction) > fraction_digits:
        raise InvalidAmountError(f"{what} {text!r} has {len(fraction)} decimal places; at most {fraction_digits}")
    return Decimal(text)


def to_price(value: Any, what: str = "price") -> Decimal:
    """A unit price: at most PRICE_INTEGER_DIGITS digits before the point, PRICE_FRACTION_DIGITS after."""
    return to_decimal(value, what, integer_digits=PRICE_INTEGER_DIGITS, fraction_digits=PRICE_FRACTION_DIGITS)


def check_currency(currency: str) -> str:
    if currency not in MINOR_UNITS:
        known = ", ".join(sorted(MINOR_UNITS))
        raise InvalidAmountError(f"currency {currency!r} is not supported (known: {known})")
    return currency


def check_minor_unit(amount: Decimal, currency: str, what: str = "amount") -> Decimal:
    """An amount paid in has no more decimals than the currency's minor unit (never rounded)."""
    if round_line_amount(amount, currency) != amount:
        places = MINOR_UNITS[currency]
        raise InvalidAmountError(f"{what} {amount} has more decimals than {currency} allows (at most {places})")
    return amount


def check_balance(balance: Decimal, what: str) -> Decimal:
    """A balance the ledger holds stays within AMOUNT_INTEGER_DIGITS digits before the point."""
    if abs(balance) >= BALANCE_LIMIT:
        raise InvalidAmountError(
            f"{what} would make the balance {balance}; a balance has at most {AMOUNT_INTEGER_DIGITS} digits "
            "before the decimal point"
        )
    return balance


def round_line_amount(amount: Decimal, currency: str) -> Decimal:
    """The one rounding step: half-up to the currency's minor unit."""
    exponent = Decimal(1).scaleb(-MINOR_UNITS[check_currency(currency)])
    return amount.quantize(exponent, rounding=ROUND_HALF_UP)
