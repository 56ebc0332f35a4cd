"""The one place that reads the ledger's settings: one validated object.

Every variable has the prefix `LINKLEDGER_` (`LINKLEDGER_STORE`, `LINKLEDGER_VIEWS`,
`LINKLEDGER_PRICES`, `LINKLEDGER_POLICIES`); the command line's options override them.
A variable that is not valid is refused (exit 2) with its name. The event-sourcing
library is given its configuration explicitly and never reads the environment itself
(`bootstrap.StoreLedger`), so no variable of ours is taken as one of its own.

A pydantic model validates the four variables; pydantic-settings would read them for us,
but importing it costs every command 60-80 ms (it pulls in asyncio and its other sources),
a fifth of `linkledger invoice` in a fresh process (docs/benchmarks.md, step 5).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from linkledger.infrastructure.errors import FaultError, SettingsError
from linkledger.infrastructure.event_store import DEFAULT_STORE, event_store_env
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

PREFIX = "LINKLEDGER_"


def _paths(value: Any) -> Any:
    if isinstance(value, str):
        return [Path(p) for p in value.split(os.pathsep) if p]
    return value


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    store: str = DEFAULT_STORE
    prices: list[Path] = []
    policies: list[Path] = []
    views: str | None = None

    @field_validator("prices", "policies", mode="before")
    @classmethod
    def _split_paths(cls, value: Any) -> Any:
        return _paths(value)

    @field_validator("store")
    @classmethod
    def _store_is_readable(cls, value: str) -> str:
        _check(event_store_env, value)
        return value

    @field_validator("views", mode="before")
    @classmethod
    def _views_are_readable(cls, value: Any) -> Any:
        if not value:
            return None
        from linkledger.infrastructure.view_stores import check_views_location

        _check(check_views_location, value)
        return value

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, options: Mapping[str, str | None] | None = None
    ) -> Settings:
        """The settings from the environment (LINKLEDGER_STORE, LINKLEDGER_VIEWS,
        LINKLEDGER_PRICES, LINKLEDGER_POLICIES; others are not ours to read), with the command
        line's `options` (e.g. {"store": "x.db"}) in place of a variable where given. Both are
        validated the same way; one that is not valid is refused by its name."""
        env = os.environ if environ is None else environ
        given: dict[str, Any] = {}
        named: dict[str, str] = {}
        for name in cls.model_fields:
            if PREFIX + name.upper() in env:
                given[name], named[name] = env[PREFIX + name.upper()], PREFIX + name.upper()
        for name, value in (options or {}).items():
            if value is not None:
                given[name], named[name] = value, f"--{name}"
        try:
            return cls(**given)
        except ValidationError as e:
            raise SettingsError(_describe(e, named)) from None


def _check(parse: Any, value: str) -> None:
    try:
        parse(value)
    except FaultError as e:
        raise ValueError(e.message) from None


def _describe(error: ValidationError, named: Mapping[str, str]) -> str:
    problems = []
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else ""
        name = named.get(field, PREFIX + field.upper() if field else "a LINKLEDGER_ variable")
        message = str(item["msg"]).removeprefix("Value error, ")
        problems.append(f"{name}: {message}")
    return "; ".join(problems)
