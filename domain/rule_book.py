"""The rules a decision is made under: prices and lifecycle policies, both effective-dated."""

from __future__ import annotations

from dataclasses import dataclass

from linkledger.domain.policies import PolicyBook
from linkledger.domain.price_book import PriceCatalog


@dataclass(frozen=True)
class RuleBook:
    prices: PriceCatalog
    policies: PolicyBook
