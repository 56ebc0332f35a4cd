"""Shared helpers for rule files (price books and policies): parse a mapping,
gather every problem, refuse the file once with all of them listed."""

from __future__ import annotations

from typing import Any, TypeVar

from linkledger.domain.errors import RuleFileError
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def problems_of(error: ValidationError) -> list[str]:
    out = []
    for e in error.errors():
        where = ".".join(str(p) for p in e["loc"]) or "(file)"
        msg = e["msg"]
        msg = msg.removeprefix("Value error, ")
        out.append(f"{where}: {msg}")
    return out


def parse_rule_file(model: type[M], data: dict[str, Any], source: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise RuleFileError(source, problems_of(e)) from None


def refuse_floats(value: Any, where: str, problems: list[str]) -> None:
    """TOML turns 20.0 into a binary float; money must be written as "20.0"."""
    if isinstance(value, float):
        problems.append(f'{where}: {value!r} is a float; write money as a string, e.g. "{value}"')
    elif isinstance(value, dict):
        for k, v in value.items():
            refuse_floats(v, f"{where}.{k}", problems)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            refuse_floats(v, f"{where}[{i}]", problems)
