"""Whole numbers a user gives: subscription months. ASCII digits only, bounded, so a count
is what was written and no arithmetic on it (a date months ahead) can overflow."""

from __future__ import annotations

import re
from typing import Any

from linkledger.domain.errors import InvalidInputError

MAX_MONTHS = 120  # a router interface subscription or renewal: at most 10 years at once

_DIGITS = re.compile(r"[0-9]{1,9}", re.ASCII)


def to_count(value: Any, what: str, low: int, high: int) -> int:
    """An int, or a string of ASCII digits, from `low` to `high`; anything else is refused."""
    count = int(value) if isinstance(value, str) and _DIGITS.fullmatch(value) else value
    if isinstance(count, bool) or not isinstance(count, int):
        raise InvalidInputError(f"{what} {value!r} is not a whole number written with the digits 0-9")
    if not low <= count <= high:
        raise InvalidInputError(f"{what} {value!r} is out of range; from {low} to {high}")
    return count


def to_months(value: Any, what: str = "months") -> int:
    return to_count(value, what, 1, MAX_MONTHS)
