"""Deterministic JSON: sorted keys, Decimals and dates as strings. Same events in,
same bytes out."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"cannot render {type(value).__name__}")


def to_json(document: Any) -> str:
    return json.dumps(document, default=_default, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
