"""Exact money: Decimal amounts with a currency, rounded once, at the charge line.

Rounding rule (docs/money.md): a charge line's amount is unit price x quantity,
rounded half-up to the currency's minor unit by `round_line_amount`. Nothing else
rounds: balances and totals are sums of already-rounded line amounts.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from linkledger.domain.errors import CurrencyMismatchError, InvalidAmountError
from pydantic import BaseModel, ConfigDict, field_validator

MINOR_UNITS: dict[str, int] = {"USD": 2, "CNY": 2, "EUR": 2, "HKD": 2, "SGD": 2, "JPY": 0}


def to_decimal(value: Any, what: str = "amount") -> Decimal:
    """Turn a string, int or Decimal into a Decimal; refuse float and garbage."""
    if isinstance(value, bool) or isinstance(value, float):
        raise InvalidAmountError(f'{what} {value!r} is a float; write money as a string such as "20.00"')
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, (int, str)):
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation:
            raise InvalidAmountError(f"{what} {value!r} is not a number") from None
    else:
        raise InvalidAmountError(f"{what} {value!r} is not a number")
    if not result.is_finite():
        raise InvalidAmountError(f"{what} {value!r} is not a finite number")
    return result


def check_currency(currency: str) -> str:
    if currency not in MINOR_UNITS:
        known = ", ".join(sorted(MINOR_UNITS))
        raise InvalidAmountError(f"currency {currency!r} is not supported (known: {known})")
    return currency


def round_line_amount(amount: Decimal, currency: str) -> Decimal:
    """The one rounding step: half-up to the currency's minor unit."""
    exponent = Decimal(1).scaleb(-MINOR_UNITS[check_currency(currency)])
    return amount.quantize(exponent, rounding=ROUND_HALF_UP)


class Money(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    amount: Decimal
    currency: str

    @field_validator("amount", mode="before")
    @classmethod
    def _no_float(cls, value: Any) -> Decimal:
        return to_decimal(value)

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        return check_currency(value)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(amount=Decimal(0), currency=currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatchError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(amount=self.amount + other.amount, currency=self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(amount=self.amount - other.amount, currency=self.currency)

    def __neg__(self) -> Money:
        return Money(amount=-self.amount, currency=self.currency)

    def times(self, quantity: Decimal | int) -> Money:
        return Money(amount=self.amount * Decimal(quantity), currency=self.currency)

    def rounded(self) -> Money:
        return Money(amount=round_line_amount(self.amount, self.currency), currency=self.currency)

    def is_negative(self) -> bool:
        return self.amount < 0

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
