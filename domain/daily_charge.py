"""The previous day's cost: which resources bill for a UTC day, and at what price.

Zenlayer deducts at `deduct_at_hour` (01:00 UTC) for the previous day; a part day
counts as a whole day. The same daily mechanism bills Alibaba's port reservation
fee. Prices come from the book in force on the service day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from uuid import UUID

from linkledger.domain.bandwidth import cap_for_day, format_mbps
from linkledger.domain.billing_day import end_of, start_of
from linkledger.domain.charges import ChargeLine
from linkledger.domain.hosted_connection import HostedConnection
from linkledger.domain.physical_connection import PhysicalConnection
from linkledger.domain.port import Port
from linkledger.domain.price_book import Quote
from linkledger.domain.private_connect import PrivateConnect
from linkledger.domain.resource import Resource, spans_touch
from linkledger.domain.rule_book import RuleBook

ACTIVE = frozenset({"active"})
ACTIVE_OR_SUSPENDED = frozenset({"active", "suspended"})
ACTIVE_OR_FINANCIAL_LOCKED = frozenset({"active", "financial_locked"})
NOTHING = frozenset[str]()


def billable_states(resource: Resource, rules: RuleBook, day: date) -> frozenset[str]:
    if isinstance(resource, (Port, HostedConnection, PrivateConnect)):
        return ACTIVE_OR_SUSPENDED if rules.policies.zenlayer_on(day).billing.bill_suspended_days else ACTIVE
    if isinstance(resource, PhysicalConnection):
        locked_billed = rules.policies.alibaba_on(day).billing.bill_financial_locked_days
        return ACTIVE_OR_FINANCIAL_LOCKED if locked_billed else ACTIVE
    return NOTHING


def daily_quote(
    resource: Resource, day: date, rules: RuleBook, currency: str, mbps: int | None = None
) -> tuple[Quote, str] | None:
    """The unit price of one day of `resource` (at cap `mbps` for a private connect, by default
    the cap billing-effective that day) and the basis printed on its line; None if it has no
    daily price. Raises PriceNotFoundError naming what no price book prices."""
    prices = rules.prices
    if isinstance(resource, Port):
        quote = prices.quote("zenlayer", "port", {"site": resource.site, "speed": resource.speed}, day, currency)
        return quote, f"port {resource.speed} at {resource.site}"
    if isinstance(resource, HostedConnection):
        capacity = format_mbps(resource.capacity_mbps)
        quote = prices.quote(
            "zenlayer", "aws_hosted_connection", {"site": resource.site, "capacity": capacity}, day, currency
        )
        return quote, f"AWS hosted connection {capacity} at {resource.site} for {resource.connect}"
    if isinstance(resource, PrivateConnect):
        cap = cap_for_day(resource.changes, day) if mbps is None else mbps
        quote = prices.quote("zenlayer", "private_connect", {"sites": resource.sites}, day, currency, mbps=cap)
        return quote, f"bandwidth cap {format_mbps(cap)} between {resource.sites}"
    if isinstance(resource, PhysicalConnection):
        quote = prices.quote("alibaba", "port_reservation", {"spec": resource.spec}, day, currency)
        return quote, f"port reservation {resource.spec} at {resource.region}"
    return None


class DayBiller:
    """Bills one account's resources for one day after another. While only deductions run,
    a resource's billable spans for a set of states do not change, so they are worked out
    once per biller; after anything else changes a resource, start a new biller."""

    def __init__(self, resources: Iterable[Resource], rules: RuleBook, currency: str) -> None:
        self.resources = sorted(resources, key=lambda r: r.name)
        self.rules, self.currency = rules, currency
        self._spans: dict[tuple[UUID, frozenset[str]], list[tuple[datetime, datetime | None]]] = {}

    def _bills(self, resource: Resource, day: date, bounds: tuple[datetime, datetime]) -> bool:
        states = billable_states(resource, self.rules, day)
        if not states:
            return False
        key = (resource.id, states)
        spans = self._spans.get(key)
        if spans is None:
            spans = self._spans[key] = resource.billable_spans(states)
        return spans_touch(spans, *bounds)

    def lines(self, day: date) -> list[ChargeLine]:
        """One line per resource that bills `day`, in name order."""
        out = []
        bounds = (start_of(day), end_of(day))
        for resource in self.resources:
            if not self._bills(resource, day, bounds):
                continue
            priced = daily_quote(resource, day, self.rules, self.currency)
            if priced is None:
                continue
            quote, basis = priced
            out.append(
                ChargeLine.priced(
                    quote=quote,
                    resource=resource.name,
                    resource_id=resource.id,
                    kind=resource.KIND,
                    period_start=day,
                    period_end=day,
                    quantity=1,
                    basis=basis,
                )
            )
        return out


def lines_for_day(resources: Iterable[Resource], day: date, rules: RuleBook, currency: str) -> list[ChargeLine]:
    return DayBiller(resources, rules, currency).lines(day)


def first_billable_day(resources: list[Resource], from_day: date, rules: RuleBook) -> date | None:
    days = []
    for r in resources:
        states = billable_states(r, rules, from_day)
        if states:
            d = r.first_day_touching(from_day, states)
            if d is not None:
                days.append(d)
    return min(days) if days else None
