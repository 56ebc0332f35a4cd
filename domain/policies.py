"""Per-product lifecycle policies, effective-dated like price books.

Durations and limits the vendors publish (15/15 days, 2/2 days, 3 cuts, 2 days of
retention, hosted connection tiers) live in policies/*.toml, because vendors change
them: a change is a new file with a later `effective_on`. Every duration and count is
bounded (MAX_DAYS, MAX_HOURS, MAX_COUNT); unknown keys are refused.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from itertools import pairwise
from typing import Any, Literal

from linkledger.domain.bandwidth import MAX_MBPS
from linkledger.domain.counts import MAX_MONTHS
from linkledger.domain.errors import PolicyNotFoundError, RuleFileError
from linkledger.domain.events import Frozen
from linkledger.domain.rule_data import parse_rule_file
from pydantic import Field, model_validator

# Bounds on durations and counts: a policy is about days and weeks, and a time computed from
# it (an end of protection, a release) must stay a valid date.
MAX_DAYS = 366
MAX_HOURS = 24 * MAX_DAYS
MAX_COUNT = 100


class ZenlayerBilling(Frozen):
    deduct_at_hour: int = Field(ge=0, le=23)
    bill_suspended_days: bool


class BandwidthPolicy(Frozen):
    max_cuts_per_month: int = Field(ge=0, le=MAX_COUNT)
    cut_takes_effect_after_days: int = Field(ge=0, le=MAX_DAYS)


class DeletionPolicy(Frozen):
    retention_hours: int = Field(ge=0, le=MAX_HOURS)


class NegativeBalancePolicy(Frozen):
    protection_hours: int = Field(ge=0, le=MAX_HOURS)
    suspension_hours: int = Field(ge=0, le=MAX_HOURS)
    notify_roles: list[str] = Field(min_length=1, max_length=MAX_COUNT)


class HostedConnectionPolicy(Frozen):
    capacities_mbps: list[int] = Field(min_length=1)

    @model_validator(mode="after")
    def _increasing(self) -> HostedConnectionPolicy:
        caps = self.capacities_mbps
        if any(b <= a for a, b in pairwise(caps)) or caps[0] <= 0 or caps[-1] > MAX_MBPS:
            raise ValueError(f"capacities_mbps must be strictly increasing, from 1 to {MAX_MBPS}")
        return self


class InvoicingPolicy(Frozen):
    """When a month closes and its invoice is issued: `close_hours_after_last_deduction`
    after the deduction for the month's last day (0: just after it), numbered
    `<number_prefix>-<ACCOUNT>-<nnnnnn>`. A policy file without an [invoicing] section
    gets these defaults."""

    close_hours_after_last_deduction: int = Field(default=0, ge=0, le=24 * 28)
    number_prefix: str = Field(default="INV", pattern=r"^[A-Z][A-Z0-9]{0,7}$")


DEFAULT_INVOICING = InvoicingPolicy()


class ZenlayerPolicy(Frozen):
    vendor: Literal["zenlayer"]
    version: str = Field(min_length=1)
    effective_on: date
    note: str = ""
    billing: ZenlayerBilling
    bandwidth: BandwidthPolicy
    deletion: DeletionPolicy
    negative_balance: NegativeBalancePolicy
    aws_hosted_connection: HostedConnectionPolicy
    invoicing: InvoicingPolicy | None = None  # None: DEFAULT_INVOICING (left out of the digest)


class AlibabaBilling(Frozen):
    deduct_at_hour: int = Field(ge=0, le=23)
    bill_financial_locked_days: bool


class FinancialLockPolicy(Frozen):
    max_days: int = Field(ge=0, le=MAX_DAYS)


class RouterInterfacePolicy(Frozen):
    suspend_after_expiry_days: int = Field(ge=0, le=MAX_DAYS)
    release_after_suspension_days: int = Field(ge=0, le=MAX_DAYS)
    renewal_term_starts: Literal["later_of_expiry_and_renewal", "expiry"]
    auto_renew_months: int = Field(ge=1, le=MAX_MONTHS)


class AlibabaPolicy(Frozen):
    vendor: Literal["alibaba"]
    version: str = Field(min_length=1)
    effective_on: date
    note: str = ""
    billing: AlibabaBilling
    financial_lock: FinancialLockPolicy
    router_interface: RouterInterfacePolicy
    invoicing: InvoicingPolicy | None = None  # None: DEFAULT_INVOICING (left out of the digest)


Policy = ZenlayerPolicy | AlibabaPolicy


def policy_from_mapping(data: dict[str, Any], source: str) -> Policy:
    vendor = data.get("vendor")
    if vendor == "zenlayer":
        return parse_rule_file(ZenlayerPolicy, data, source)
    if vendor == "alibaba":
        return parse_rule_file(AlibabaPolicy, data, source)
    raise RuleFileError(source, [f"vendor: must be 'alibaba' or 'zenlayer', got {vendor!r}"])


class PolicyBook:
    def __init__(self, policies: list[Policy]) -> None:
        problems = [
            f"policy version {v!r} is loaded {n} times"
            for v, n in Counter(p.version for p in policies).items()
            if n > 1
        ]
        problems += [
            f"two {vendor} policies take effect on {day}"
            for (vendor, day), n in Counter((p.vendor, p.effective_on) for p in policies).items()
            if n > 1
        ]
        if problems:
            raise RuleFileError("policies", problems)
        self.policies = sorted(policies, key=lambda p: (p.vendor, p.effective_on))
        self._in_force: dict[tuple[str, date], Policy] = {}  # the book never changes

    def _on(self, vendor: str, day: date) -> Policy:
        policy = self._in_force.get((vendor, day))
        if policy is None:
            policy = self._in_force[(vendor, day)] = self._find(vendor, day)
        return policy

    def _find(self, vendor: str, day: date) -> Policy:
        in_force = [p for p in self.policies if p.vendor == vendor and p.effective_on <= day]
        if not in_force:
            raise PolicyNotFoundError(
                f"no {vendor} policy is in force on {day.isoformat()}; supply one with --policies FILE"
            )
        return in_force[-1]

    def zenlayer_on(self, day: date) -> ZenlayerPolicy:
        p = self._on("zenlayer", day)
        assert isinstance(p, ZenlayerPolicy)
        return p

    def on(self, vendor: str, day: date) -> Policy:
        return self._on(vendor, day)

    def invoicing_on(self, vendor: str, day: date) -> InvoicingPolicy:
        return self._on(vendor, day).invoicing or DEFAULT_INVOICING

    def alibaba_on(self, day: date) -> AlibabaPolicy:
        p = self._on("alibaba", day)
        assert isinstance(p, AlibabaPolicy)
        return p
