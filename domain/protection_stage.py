"""Zenlayer's negative-balance ladder.

Balance below zero -> protection stage (`protection_hours`, still active; a reminder
to every AdministratorAccess and Finance user) -> suspension stage
(`suspension_hours`; ports, hosted connections and connects suspended; a notice) ->
recycle (all destroyed, unrecoverable; a final notice). A top-up that brings the
balance back to zero or above during protection or suspension restores service.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from linkledger.domain.account import Account
from linkledger.domain.policies import ZenlayerPolicy
from linkledger.domain.resource import ZenlayerResource

SUBJECTS = {
    "protection_reminder": "Your balance is below zero: refill it to keep your services running",
    "suspension_notice": "Your services are suspended: refill your balance to restore them",
    "final_notice": "Your services were recycled and cannot be recovered",
}


def notify(account: Account, notice: str, policy: ZenlayerPolicy, at: datetime) -> None:
    account.send_notice(notice, account.recipients(policy.negative_balance.notify_roles), SUBJECTS[notice], at)


def start_protection(account: Account, policy: ZenlayerPolicy, at: datetime) -> None:
    ends = at + timedelta(hours=policy.negative_balance.protection_hours)
    account.exhaust_balance(ends, ends + timedelta(hours=policy.negative_balance.suspension_hours), policy.version, at)
    notify(account, "protection_reminder", policy, at)


def start_suspension(account: Account, resources: list[ZenlayerResource], policy: ZenlayerPolicy, at: datetime) -> None:
    account.start_suspension(at)
    for r in resources:
        r.suspend(at)
    notify(account, "suspension_notice", policy, at)


def recycle(account: Account, resources: list[ZenlayerResource], policy: ZenlayerPolicy, at: datetime) -> None:
    recycled = [r.name for r in resources if r.recycle(at)]
    account.record_recycle(recycled, at)
    notify(account, "final_notice", policy, at)


def restore(account: Account, resources: list[ZenlayerResource], at: datetime) -> None:
    account.restore_service(at)
    for r in resources:
        r.resume(at)
