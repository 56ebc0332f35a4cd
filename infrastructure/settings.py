"""The one place that reads the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from linkledger.infrastructure.event_store import DEFAULT_STORE


def _paths(value: str | None) -> list[Path]:
    return [Path(p) for p in (value or "").split(os.pathsep) if p]


@dataclass(frozen=True)
class Settings:
    store: str = DEFAULT_STORE
    prices: list[Path] = field(default_factory=list)
    policies: list[Path] = field(default_factory=list)
    views: str | None = None

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            store=env.get("LINKLEDGER_STORE", DEFAULT_STORE),
            prices=_paths(env.get("LINKLEDGER_PRICES")),
            policies=_paths(env.get("LINKLEDGER_POLICIES")),
            views=env.get("LINKLEDGER_VIEWS") or None,
        )
