"""An account's standing as its balance summary shows it: the stage of Zenlayer's ladder
and the last day deducted. The account aggregate applies these rules to its events and the
balance view applies them to the same events as records: one rule, two consumers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal, TypeVar

Stage = Literal["active", "protection", "suspension", "recycled"]
S = TypeVar("S", bound=str)  # a Stage in the aggregate, the stored text in the view
D = TypeVar("D", date, str)  # a day in the aggregate, its ISO text in the view


def stage_after_credit(stage: S, balance: Decimal) -> S | Literal["active"]:
    """A credit that pays off the debt left after a recycle puts the account back in good
    standing; any other credit leaves the stage as it is (a top-up that restores service
    during protection or suspension does so by its own event)."""
    return "active" if stage == "recycled" and balance >= 0 else stage


def deducted_through_after(reason: str, service_day: D | None, before: D | None) -> D | None:
    """A daily deduction moves the last day deducted to the day it paid for; other charges
    leave it. (A `date` in the aggregate, its ISO text in the view.)"""
    return service_day if reason == "daily" and service_day is not None else before


def shown_stage(vendor: str, stage: str) -> str | None:
    """The protection/suspension ladder is Zenlayer's (Alibaba locks each physical connection
    instead): only a Zenlayer account shows a stage."""
    return stage if vendor == "zenlayer" else None
