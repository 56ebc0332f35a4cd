"""The JSON form of documents (invoices, views' answers): decimals, dates and ids as text,
times in UTC with `Z`, keys sorted. Same document in, same bytes out; audits compare these
bytes. Light on purpose: every process imports it (`projections.rendering`)."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID


def plain(value: Any) -> Any:
    """A document as JSON values only: decimals, dates and times as text (times in UTC, `Z`)."""
    return json.loads(canonical(value))


def json_value(value: Any) -> Any:
    """The JSON form of what a document holds besides JSON's own values: decimals, dates and
    ids as text, times in UTC with `Z`."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"cannot write a {type(value).__name__} as JSON")


def canonical(document: Any) -> bytes:
    """The one byte form of a document: compact JSON, sorted keys. Audits compare these bytes."""
    return json.dumps(document, default=json_value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
