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

MAX_MBPS = 100_000  # 100G: no port, connect or hosted connection is faster
_BANDWIDTH = re.compile(r"([0-9]+)(?:([MG])(?:bps)?)?", re.ASCII | re.IGNORECASE)


def check_mbps(mbps: object, what: str = "bandwidth") -> int:
    """A bandwidth in Mbps given to the Python API: a whole number from 1 to MAX_MBPS."""
    if isinstance(mbps, bool) or not isinstance(mbps, int):
        raise BandwidthError(f"{what} {mbps!r} is not a whole number of Mbps")
    if not 0 < mbps <= MAX_MBPS:
        raise BandwidthError(f"{what} {format_mbps(mbps)} is out of range; from 1M to {format_mbps(MAX_MBPS)}")
    return mbps


def parse_mbps(text: str | int, what: str = "bandwidth") -> int:
    """'80M' -> 80, '1G' -> 1000, '500' or 500 -> 500 (ASCII digits; 1M to 100G)."""
    if isinstance(text, int):
        return check_mbps(text, what)
    m = _BANDWIDTH.fullmatch(str(text).strip())
    if not m:
        raise BandwidthError(f"{what} {text!r} is not a cap such as 80M, 1G or 500 (Mbps)")
    digits, unit = m.group(1).lstrip("0") or "0", (m.group(2) or "M").upper()
    mbps = int(digits) * (1000 if unit == "G" else 1) if len(digits) <= len(str(MAX_MBPS)) else 0
    if not 0 < mbps <= MAX_MBPS:
        raise BandwidthError(f"{what} {text!r} is out of range; from 1M to {format_mbps(MAX_MBPS)}")
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
