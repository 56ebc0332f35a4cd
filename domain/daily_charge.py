"""The previous day's cost: which resources bill for a UTC day, and at what price.

Zenlayer deducts at `deduct_at_hour` (01:00 UTC) for the previous day; a part day
counts as a whole day. The same daily mechanism bills Alibaba's port reservation
fee. Prices come from the book in force on the service day.
"""

from __future__ import annotations

from datetime import date

from domain.bandwidth import cap_for_day, format_mbps
from domain.charges import ChargeLine
from domain.hosted_connection import HostedConnection
from domain.physical_connection import PhysicalConnection
from domain.port import Port
from domain.private_connect import PrivateConnect
from domain.price_book import Quote
from domain.resource import Resource
from domain.rule_book import RuleBook


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


def daily_quote(resource: Resource, day: date, rules: RuleBook, currency: str,
                mbps: int | None = None) -> tuple[Quote, str] | None:
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


def line_for_day(resource: Resource, day: date, rules: RuleBook, currency: str) -> ChargeLine | None:
    states = billable_states(resource, rules, day)
    if not states or not resource.touches(day, states):
        return None
    priced = daily_quote(resource, day, rules, currency)
    if priced is None:
        return None
    quote, basis = priced
    return ChargeLine.priced(
        quote=quote,
        resource=resource.name,
        resource_id=resource.id,
        kind=resource.KIND,
        period_start=day,
        period_end=day,
        quantity=1,
        basis=basis,
    )


def lines_for_day(resources: list[Resource], day: date, rules: RuleBook, currency: str) -> list[ChargeLine]:
    lines = [line_for_day(r, day, rules, currency) for r in sorted(resources, key=lambda r: r.name)]
    return [line for line in lines if line is not None]


def first_billable_day(resources: list[Resource], from_day: date, rules: RuleBook) -> date | None:
    days = []
    for r in resources:
        states = billable_states(r, rules, from_day)
        if states:
            d = r.first_day_touching(from_day, states)
            if d is not None:
                days.append(d)
    return min(days) if days else None
