"""Bandwidth caps: parsing, the AWS hosted connection tier, and which cap a day bills at.

Zenlayer: a raise is priced from the day of the confirmed change; a cut from the
day after (policy `cut_takes_effect_after_days`). So a day bills at the highest cap
that was billing-effective at any moment of it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Literal

from linkledger.domain.billing_day import day_of
from linkledger.domain.errors import BandwidthError, HostedCapacityExceededError
from linkledger.domain.events import Frozen

_BANDWIDTH = re.compile(r"^\s*(\d+)\s*([MG])(?:bps)?\s*$", re.IGNORECASE)


def parse_mbps(text: str | int) -> int:
    """'80M' -> 80, '1G' -> 1000, 500 -> 500."""
    if isinstance(text, int):
        mbps = text
    else:
        m = _BANDWIDTH.match(str(text))
        if not m:
            if str(text).strip().isdigit():
                mbps = int(str(text).strip())
            else:
                raise BandwidthError(f"bandwidth {text!r} is not a cap such as 80M or 1G")
        else:
            mbps = int(m.group(1)) * (1000 if m.group(2).upper() == "G" else 1)
    if mbps <= 0:
        raise BandwidthError(f"bandwidth must be positive, got {text!r}")
    return mbps


def format_mbps(mbps: int) -> str:
    return f"{mbps // 1000}G" if mbps >= 1000 and mbps % 1000 == 0 else f"{mbps}M"


def hosted_capacity_for(mbps: int, capacities: list[int]) -> int:
    """The AWS hosted connection is the connection bandwidth rounded up to a tier (80M -> 100M)."""
    for cap in capacities:
        if mbps <= cap:
            return cap
    raise HostedCapacityExceededError(
        f"{format_mbps(mbps)} is above the largest AWS hosted connection ({format_mbps(capacities[-1])})"
    )


class BandwidthChange(Frozen):
    at: datetime
    kind: Literal["order", "raise", "cut"]
    from_mbps: int
    to_mbps: int
    effective_on: date


def cap_for_day(changes: list[BandwidthChange], day: date) -> int:
    """The cap a UTC day bills at: the highest billing-effective cap during the day.

    - the cap carried into the day (the latest change confirmed before it);
    - every order or raise confirmed on the day (priced from the day of change);
    - for a cut, the cap it replaced, on every day before its effective day.
    """
    carried = 0
    candidates: list[int] = []
    for c in changes:
        confirmed = day_of(c.at)
        if confirmed < day:
            carried = c.to_mbps
        if c.kind in ("order", "raise") and confirmed == day:
            candidates.append(c.to_mbps)
        if c.kind == "cut" and confirmed <= day < c.effective_on:
            candidates.append(c.from_mbps)
    return max([carried, *candidates])


def cuts_in_month(changes: list[BandwidthChange], at: datetime) -> int:
    d = day_of(at)
    return sum(1 for c in changes if c.kind == "cut" and day_of(c.at).year == d.year and day_of(c.at).month == d.month)


def cut_effective_on(at: datetime, after_days: int) -> date:
    return day_of(at) + timedelta(days=after_days)
