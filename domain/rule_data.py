"""Shared helper for rule files (price books, policies, corrections): validate a file's
content and refuse the file once, with every problem listed in our words."""

from __future__ import annotations

from typing import Any, TypeVar

from linkledger.domain.errors import RuleFileError
from linkledger.domain.plain_errors import plain_problems
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def parse_rule_file(model: type[M], data: dict[str, Any], source: str, problems: list[str] | None = None) -> M:
    """`data` as a `model`, or a RuleFileError listing `problems` (found before) and every
    problem validation finds."""
    found = list(problems or [])
    try:
        parsed = model.model_validate(data)
    except ValidationError as e:
        raise RuleFileError(source, found + plain_problems(e)) from None
    if found:
        raise RuleFileError(source, found)
    return parsed
