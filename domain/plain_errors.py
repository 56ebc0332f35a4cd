"""Pydantic's validation errors in our words: one line per problem, `<dotted.path>: <rule>,
got <value>`, with no links and no library jargon. Used wherever a ValidationError could
reach a user: rule files and the payloads built from a command's arguments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from linkledger.domain.errors import InvalidInputError
from pydantic import ValidationError
from pydantic_core import ErrorDetails

T = TypeVar("T")

_RULES: dict[str, str] = {
    "missing": "is missing; it is required",
    "extra_forbidden": "is not a known key; check its spelling (docs/rules.md lists the keys)",
    "literal_error": "must be one of {expected}",
    "greater_than": "must be greater than {gt}",
    "greater_than_equal": "must be {ge} or more",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be {le} or less",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "string_too_short": "must have at least {min_length} character(s)",
    "string_too_long": "must have at most {max_length} character(s)",
    "string_pattern_mismatch": "must match the pattern {pattern}",
    "too_short": "must have at least {min_length} item(s)",
    "too_long": "must have at most {max_length} item(s)",
    "list_type": "must be a list [...]",
    "dict_type": "must be a table {{...}}",
    "model_type": "must be a table {{...}}",
    "model_attributes_type": "must be a table {{...}}",
    "date_type": "must be a date such as 2026-01-01",
    "date_parsing": "must be a date such as 2026-01-01",
    "date_from_datetime_parsing": "must be a date such as 2026-01-01",
    "date_from_datetime_inexact": "must be a date such as 2026-01-01",
    "datetime_type": "must be a time with a zone such as 2026-01-01T00:00Z",
    "datetime_parsing": "must be a time with a zone such as 2026-01-01T00:00Z",
    "timezone_aware": "must be a time with a zone such as 2026-01-01T00:00Z",
    "decimal_type": 'must be a decimal number written as text, such as "10.00"',
    "decimal_parsing": 'must be a decimal number written as text, such as "10.00"',
}


_NO_VALUE = frozenset({"missing", "extra_forbidden", "value_error", "assertion_error"})


def where(loc: tuple[int | str, ...]) -> str:
    """('entries', 0, 'price', 'USD') -> 'entries[0].price.USD'; () -> '(file)'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _rule(error: ErrorDetails) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    template = _RULES.get(kind)
    if template is None:
        return str(error["msg"]).replace("Input should be", "must be").replace("Value error, ", "")
    return template.format(**{k: v for k, v in ctx.items() if isinstance(k, str)})


def plain_problems(error: ValidationError, at: tuple[int | str, ...] = ()) -> list[str]:
    """Each problem as `<path>: <rule>[, got <value>]`; `at`: where the validated value sits."""
    out = []
    for e in error.errors(include_url=False):
        line = f"{where(at + tuple(e['loc']))}: {_rule(e)}"
        value = e.get("input")
        if e["type"] not in _NO_VALUE and not isinstance(value, (dict, list)):
            line += f", got {_shown(value)}"
        out.append(line)
    return out


def payloads_refused(what: str, decide: Callable[..., T], *args: Any) -> T:
    """`decide(*args)`, with a payload built from a command's arguments that pydantic refuses
    turned into our refusal (InvalidInputError naming each field and its rule), not a traceback."""
    try:
        return decide(*args)
    except ValidationError as e:
        raise InvalidInputError(f"{what}: {'; '.join(plain_problems(e))}") from None
