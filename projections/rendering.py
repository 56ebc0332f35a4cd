"""Deterministic JSON: sorted keys, Decimals and dates as strings. Same events in,
same bytes out."""

from __future__ import annotations

import json
from typing import Any

from linkledger.domain.documents import json_value


def to_json(document: Any) -> str:
    return json.dumps(document, default=json_value, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
