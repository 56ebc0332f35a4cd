"""Alibaba's overdue rule for physical connections.

An overdue payment puts each physical connection of the account into the
Financial-Locked state (communication stops) for at most `financial_lock.max_days`.
Paid in full -> recovered at once. Unpaid at the end -> released, with every
associated resource (its router interfaces, whose route entries are deleted).
"""

from __future__ import annotations

from datetime import datetime

from linkledger.domain.account import Account
from linkledger.domain.physical_connection import PhysicalConnection
from linkledger.domain.policies import AlibabaPolicy
from linkledger.domain.router_interface import RouterInterface


def lock_overdue(account: Account, connections: list[PhysicalConnection], policy: AlibabaPolicy, at: datetime) -> None:
    for pc in connections:
        pc.lock(account.balance, at, policy)


def recover_paid(connections: list[PhysicalConnection], at: datetime) -> None:
    for pc in connections:
        pc.recover(at)


def release_unpaid(pc: PhysicalConnection, interfaces: list[RouterInterface], at: datetime) -> None:
    associated = [ri for ri in interfaces if ri.physical_connection == pc.name and not ri.is_gone]
    pc.release(at, reason="payment overdue past the Financial-Locked period", associated=[ri.name for ri in associated])
    for ri in associated:
        ri.release(at, reason=f"physical connection {pc.name} was released")
