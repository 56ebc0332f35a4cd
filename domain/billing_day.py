"""UTC billing days. A part day bills as a whole day: a resource that was billable
at any instant of a UTC calendar day is charged for that day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from linkledger.domain.errors import InvalidInputError

ONE_DAY = timedelta(days=1)


def require_aware(at: datetime, what: str = "time") -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInputError(f"{what} {at.isoformat()} has no time zone; write it as UTC, e.g. 2026-01-01T00:00Z")
    return at.astimezone(UTC)


def day_of(at: datetime) -> date:
    return at.astimezone(UTC).date()


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def end_of(day: date) -> datetime:
    """The first instant after `day` (exclusive end)."""
    return start_of(day + ONE_DAY)


def deduction_time(day: date, hour: int) -> datetime:
    """The previous day's cost is deducted at `hour`:00 UTC of the following day."""
    return start_of(day + ONE_DAY) + timedelta(hours=hour)


@lru_cache(maxsize=4096)
def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


@lru_cache(maxsize=4096)
def month_bounds(period: str) -> tuple[date, date]:
    """'2026-01' -> (2026-01-01, 2026-01-31)."""
    year, month = (int(p) for p in period.split("-"))
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return first, nxt - ONE_DAY


def add_months(at: datetime, months: int) -> datetime:
    """Calendar months, clamping the day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = at.month - 1 + months
    year = at.year + month_index // 12
    month = month_index % 12 + 1
    for day in (at.day, 30, 29, 28):
        try:
            return at.replace(year=year, month=month, day=min(at.day, day))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def days_overlapping(start: datetime, end: datetime | None, first: date, last: date) -> list[date]:
    """UTC days in [first, last] that the half-open interval [start, end) touches."""
    lo = max(day_of(start), first)
    if end is None:
        hi = last
    else:
        if end <= start:
            return []
        hi = min(day_of(end - timedelta(microseconds=1)), last)
    out: list[date] = []
    d = lo
    while d <= hi:
        out.append(d)
        d += ONE_DAY
    return out
