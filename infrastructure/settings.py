"""The one place that reads the environment: one validated settings object.

Every variable has the prefix `LINKLEDGER_` (`LINKLEDGER_STORE`, `LINKLEDGER_VIEWS`,
`LINKLEDGER_PRICES`, `LINKLEDGER_POLICIES`); the command line's options override them.
A variable that is not valid is refused (exit 2) with its name. The event-sourcing
library is given its configuration explicitly and never reads the environment itself
(`bootstrap.StoreLedger`), so no variable of ours is taken as one of its own.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

from linkledger.infrastructure.errors import FaultError, SettingsError
from linkledger.infrastructure.event_store import DEFAULT_STORE, event_store_env
from pydantic import ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PREFIX = "LINKLEDGER_"


def _paths(value: Any) -> Any:
    if isinstance(value, str):
        return [Path(p) for p in value.split(os.pathsep) if p]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore", frozen=True)

    store: str = DEFAULT_STORE
    prices: Annotated[list[Path], NoDecode] = []
    policies: Annotated[list[Path], NoDecode] = []
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
    def from_env(cls) -> Settings:
        """The settings from the environment; a variable that is not valid is refused by name."""
        try:
            return cls()
        except ValidationError as e:
            raise SettingsError(_describe(e)) from None


def _check(parse: Any, value: str) -> None:
    try:
        parse(value)
    except FaultError as e:
        raise ValueError(e.message) from None


def _describe(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        name = PREFIX + str(item["loc"][0]).upper() if item["loc"] else "a LINKLEDGER_ variable"
        message = str(item["msg"]).removeprefix("Value error, ")
        problems.append(f"{name}: {message}")
    return "; ".join(problems)
