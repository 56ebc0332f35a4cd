#!/usr/bin/env python3
"""Benchmark a full rebuild of every projection against the raw limits of SQLite and Redis.

One run:

1. generates a fleet (Zenlayer and Alibaba accounts with months of daily charges) into a
   fresh SQLite event store with the real `LinkLedger` application (or reuses one with
   `--reuse`, kept in `--workdir`);
2. measures, each on the same log and each in a fresh subprocess (so that each phase's
   peak RSS is its own):
   a. raw SQLite: a plain rowid-paged SELECT over the whole log + `orjson.loads(state)`;
   b. SQLite view rebuild: `ProjectionRunner(...).catch_up()` of every projection from
      zero into a fresh `SQLiteViewStore` file;
   c. raw Redis: the project's `APPLY_BATCH` Lua script driven with the batches a
      rebuild writes (captured from a first, untimed rebuild), timing only the script
      calls, into a fresh key prefix;
   d. Redis view rebuild: the same rebuild into `RedisViewStore` under a fresh prefix;
   e. peak RSS of each phase;
3. prints a summary table and the command line, and removes the Redis keys it made.

Usage:
    python scripts/bench_projections.py [--accounts N] [--months M] [--redis-url URL]
                                        [--workdir DIR] [--reuse] [--seed S] [--profile]

Needs linkledger installed in the interpreter that runs it (`pip install -e .` in this
checkout): the code imports itself as `linkledger.*`, a name a bare checkout does not have.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import heapq
import io
import json
import os
import pickle
import pstats
import random
import resource
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any

import orjson
import redis
from bench_report import code_state, machine
from linkledger.domain.billing_day import add_months
from linkledger.domain.errors import LedgerError
from linkledger.domain.events import account_id, resource_id
from linkledger.domain.router_interface import RouterInterface
from linkledger.infrastructure.bootstrap import open_ledger, record_rule_files
from linkledger.infrastructure.event_log import EventLog
from linkledger.infrastructure.ledger import LinkLedger
from linkledger.infrastructure.projection_runner import ProjectionRunner
from linkledger.infrastructure.redis_views import RedisViewStore, parse_redis_url
from linkledger.infrastructure.sqlite_views import SQLiteViewStore
from linkledger.projections.catalog import PROJECTIONS

ROOT = Path(__file__).resolve().parents[1]

PRICES = [ROOT / "examples" / "zenlayer" / "prices.toml", ROOT / "examples" / "alibaba" / "prices.toml"]
START = datetime(2026, 1, 1, tzinfo=UTC)
FLEET_VERSION = 1  # bump when the generator changes: a --reuse store of another version is regenerated
PAGE_SIZE = 1000
SQLITE_RATIO_TARGET = Decimal("0.5")
REDIS_RATIO_TARGET = Decimal("0.7")
PEAK_TARGET_MIB = 200

# Upper bounds of daily prices (examples/*/prices.toml, domain/price_books), to size top-ups.
PORT_DAY = {("HKG", "10G"): 10, ("SIN", "10G"): 10, ("HKG", "1G"): 4}
PORT_CONNECT_TIERS = [100, 200, 500, 1000]  # HKG~SIN tiers; the largest costs 35/day
PORT_CONNECT_DAY_MAX = 35
AWS_BANDWIDTHS = [50, 80, 100, 150, 200, 500]  # each priced (tiers 100/200/500, capacities 100M/200M/500M)
AWS_CONNECT_DAY_MAX = 12 + 5  # connect at the 500M tier + the hosted connection's charge
RESERVATION_DAY = {"1G": 20, "10G": 170}
SETUP_FEE = {"1G": 500, "10G": 1500}
PHYSICAL_RI_MONTH = {"Large.1": 230, "Large.2": 460}
VPC_RI_MONTH = {
    ("Small.1", "intra"): 60,
    ("Middle.1", "intra"): 120,
    ("Small.1", "cross"): 180,
    ("Middle.1", "cross"): 360,
}
VPC_PEERS = {"cn-shanghai": "intra", "cn-beijing": "intra", "ap-southeast-1": "cross"}


# =============================================================================== the fleet
@dataclass(order=True)
class Step:
    """One ledger command, run at `at` (ties in plan order)."""

    at: datetime
    seq: int
    account: str = field(compare=False)
    method: str = field(compare=False)  # a LinkLedger method, or "rescue" (pay what is owed, computed then)
    args: tuple[Any, ...] = field(compare=False, default=())
    kwargs: dict[str, Any] = field(compare=False, default_factory=dict)
    money: bool = field(compare=False, default=False)  # top-ups and payments run whatever the account's state


@dataclass
class Renewal:
    """A manual router interface: renewed `lead_days` before expiry, or `lag_days` after."""

    name: str
    lead_days: int | None
    lag_days: int | None
    pending: bool = False


@dataclass
class AccountPlan:
    name: str
    vendor: str
    late_payer: bool
    opened: datetime
    daily: int = 0  # an upper bound of the daily spend, whole USD
    resources: list[str] = field(default_factory=list)
    renewals: list[Renewal] = field(default_factory=list)
    dead: bool = False  # recycled or released for good: no more commands
    episode: date | None = None  # the day the current unpaid episode was first seen
    rescue_after: int | None = None
    rescue_pending: bool = False


class FleetPlanner:
    """A deterministic (seeded) plan of commands for a mixed fleet."""

    def __init__(self, rng: random.Random, start: datetime, end: datetime) -> None:
        self.rng = rng
        self.start = start
        self.end = end
        self.steps: list[Step] = []
        self.accounts: dict[str, AccountPlan] = {}
        self._seq = 0

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def add(self, at: datetime, plan: AccountPlan, method: str, *args: Any, money: bool = False, **kwargs: Any) -> None:
        if self.start <= at < self.end and at >= plan.opened:
            self.steps.append(Step(at, self.next_seq(), plan.name, method, args, kwargs, money))

    def plan(self, accounts: int) -> None:
        for i in range(accounts):
            if self.rng.random() < 0.65:
                self._zenlayer(i)
            else:
                self._alibaba(i)

    # ------------------------------------------------------------------ helpers
    def _hours(self, low: float, high: float) -> timedelta:
        return timedelta(minutes=round(self.rng.uniform(low, high) * 60))

    def _open_time(self) -> datetime:
        span = (self.end - self.start).days
        if self.rng.random() < 0.85:  # most of the fleet is there from the first weeks
            day = self.rng.randrange(0, min(28, span))
        else:  # the rest joins during the first half
            day = self.rng.randrange(0, max(1, span // 2))
        return self.start + timedelta(days=day) + self._hours(0, 20)

    def _months_from(self, at: datetime) -> Iterator[datetime]:
        month = at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        while month < self.end:
            yield month
            month = add_months(month, 1)

    def _users(self, plan: AccountPlan, at: datetime) -> None:
        name = plan.name.lower()
        self.add(at, plan, "add_user", plan.name, "admin", f"admin@{name}.test", "AdministratorAccess", at)
        if self.rng.random() < 0.6:
            self.add(at, plan, "add_user", plan.name, "finance", f"finance@{name}.test", "Finance", at)
        if self.rng.random() < 0.4:
            self.add(at, plan, "add_user", plan.name, "noc", f"noc@{name}.test", "ReadOnly", at)

    def _open_account(self, name: str, vendor: str) -> AccountPlan:
        """Open the account and add its users (the same draws, in the same order, for both vendors)."""
        t = self._open_time()
        plan = AccountPlan(name, vendor, late_payer=self.rng.random() < 0.15, opened=t)
        self.accounts[plan.name] = plan
        self.add(t, plan, "open_account", plan.name, vendor, "USD", t)
        self._users(plan, t)
        return plan

    # ------------------------------------------------------------------ Zenlayer
    def _zenlayer(self, i: int) -> None:
        rng = self.rng
        plan = self._open_account(f"ZL{i:04d}", "zenlayer")
        t = plan.opened
        hkg = [
            (f"{plan.name}-HKG{j}", "HKG", rng.choice(["10G", "10G", "1G"])) for j in range(1 + (rng.random() < 0.4))
        ]
        sin = [(f"{plan.name}-SIN{j}", "SIN", "10G") for j in range(1 + (rng.random() < 0.3))]
        users_of: dict[str, list[datetime | None]] = {}  # port -> when each connect on it is gone for good
        for port, site, speed in hkg + sin:
            plan.resources.append(port)
            plan.daily += PORT_DAY[(site, speed)]
            self.add(
                t + timedelta(minutes=30), plan, "order_port", plan.name, port, site, speed, t + timedelta(minutes=30)
            )
            done = t + self._hours(4, 72)
            self.add(done, plan, "complete_cross_connect", port, done)
            users_of[port] = []
        for j in range(rng.choice([1, 1, 2, 2, 3])):
            pc = f"{plan.name}-PC{j}"
            a, z = rng.choice(hkg)[0], rng.choice(sin)[0]
            bw = rng.choice(PORT_CONNECT_TIERS)
            created = t + self._hours(1, 48)
            plan.resources.append(pc)
            plan.daily += PORT_CONNECT_DAY_MAX
            self.add(created, plan, "create_private_connect", plan.name, pc, f"port:{a}", f"port:{z}", bw, created)
            gone = self._connect_life(plan, pc, bw, PORT_CONNECT_TIERS, created)
            users_of[a].append(gone)
            users_of[z].append(gone)
        if rng.random() < 0.4:
            pc, hc = f"{plan.name}-AWS0", f"{plan.name}-HC0"
            port = rng.choice(hkg)[0]
            bw = rng.choice(AWS_BANDWIDTHS[1:])
            capacity = min(c for c in (100, 200, 500) if c >= bw)
            created = t + self._hours(24, 72)
            plan.resources += [pc, hc]
            plan.daily += AWS_CONNECT_DAY_MAX
            self.add(
                created,
                plan,
                "create_private_connect",
                plan.name,
                pc,
                f"port:{port}",
                f"aws:{hc}@AWS-ap-east-1",
                bw,
                created,
            )
            accepted = created + self._hours(2, 30)
            self.add(accepted, plan, "accept_hosted_connection", hc, accepted)
            choices = [b for b in AWS_BANDWIDTHS if b <= capacity]
            users_of[port].append(self._connect_life(plan, pc, bw, choices, accepted))
        for port, gone in users_of.items():  # a port whose connects are all gone for good is deleted
            if gone and all(g is not None for g in gone):
                at = max(g for g in gone if g is not None) + timedelta(days=3)
                self.add(at, plan, "delete_port", port, at)
        if plan.late_payer:
            self.add(t, plan, "top_up", plan.name, f"{plan.daily * rng.randint(10, 25)}.00", None, t, money=True)
            return
        self.add(t, plan, "top_up", plan.name, f"{plan.daily * 45}.00", None, t, money=True)
        for month in self._months_from(t + timedelta(days=20)):
            at = month + timedelta(days=rng.randint(14, 26)) + self._hours(8, 18)
            self.add(at, plan, "top_up", plan.name, f"{plan.daily * 31}.00", None, at, money=True)

    def _connect_life(
        self, plan: AccountPlan, pc: str, bw: int, choices: list[int], created: datetime
    ) -> datetime | None:
        """Bandwidth raises and cuts month by month, and maybe a deletion (recovered or not).
        Returns when the connect is gone for good (purged), or None."""
        rng = self.rng
        span = self.end - self.start
        deleted = recovered = None
        if rng.random() < 0.12:
            deleted = self.start + span / 3 + timedelta(seconds=rng.uniform(0, (span * 2 / 3).total_seconds()))
            self.add(deleted, plan, "delete_private_connect", pc, deleted)
            if rng.random() < 0.3:
                recovered = deleted + self._hours(12, 40)
                self.add(recovered, plan, "recover_private_connect", pc, recovered)
        for month in self._months_from(created + timedelta(days=5)):
            count = rng.choices([0, 1, 2], weights=[5, 3, 1])[0]
            for day in sorted(rng.sample(range(27), count)):
                at = month + timedelta(days=day) + self._hours(6, 20)
                if at < created + timedelta(days=5):
                    continue
                if (
                    deleted is not None
                    and at > deleted - timedelta(days=1)
                    and (recovered is None or at < recovered + timedelta(days=1))
                ):
                    continue
                up = [b for b in choices if b > bw]
                down = [b for b in choices if b < bw]
                if up and (not down or rng.random() < 0.5):
                    bw = rng.choice(up)
                    self.add(at, plan, "raise_bandwidth", pc, bw, at)
                elif down:
                    bw = rng.choice(down)
                    self.add(at, plan, "cut_bandwidth", pc, bw, at)
        if deleted is not None and recovered is None:
            return deleted + timedelta(hours=48)
        return None

    # ------------------------------------------------------------------ Alibaba
    def _alibaba(self, i: int) -> None:
        rng = self.rng
        plan = self._open_account(f"AL{i:04d}", "alibaba")
        t = plan.opened
        upfront = 0
        monthly = 0
        steps: list[tuple[datetime, str, tuple[Any, ...], dict[str, Any]]] = []
        for j in range(1 + (rng.random() < 0.3)):
            pc, ri = f"{plan.name}-PHY{j}", f"{plan.name}-RI{j}"
            spec = rng.choice(["1G", "1G", "1G", "10G"])
            at = t + self._hours(1, 24)
            plan.resources += [pc, ri]
            upfront += SETUP_FEE[spec]
            monthly += 31 * RESERVATION_DAY[spec]
            steps.append(
                (
                    at,
                    "create_physical_connection",
                    (
                        plan.name,
                        pc,
                        "cn-hongkong",
                        spec,
                        rng.choice(["HKBN", "PCCW", "HGC"]),
                        rng.choice(["1200.00", "2400.00", None]),
                        at,
                    ),
                    {},
                )
            )
            ri_spec = rng.choice(list(PHYSICAL_RI_MONTH))
            months = rng.choice([1, 1, 1, 3])
            auto = rng.random() < 0.5
            upfront += months * PHYSICAL_RI_MONTH[ri_spec]
            monthly += PHYSICAL_RI_MONTH[ri_spec]
            at_ri = at + self._hours(0.2, 12)
            steps.append(
                (
                    at_ri,
                    "create_router_interface",
                    (plan.name, at_ri),
                    {
                        "name": ri,
                        "role": "initiator",
                        "connection_type": "physical",
                        "initiator_region": "cn-hongkong",
                        "receiver_region": "cn-hongkong",
                        "spec": ri_spec,
                        "months": months,
                        "auto_renew": auto,
                        "physical_connection": pc,
                        "peer": None,
                    },
                )
            )
            for k in range(rng.randint(1, 3)):
                at_route = at_ri + timedelta(minutes=5 + k)
                steps.append((at_route, "add_route_entry", (ri, f"10.{i % 250}.{16 * j + k}.0/24", at_route), {}))
            self._router_interface_life(plan, ri, auto, at_ri, steps)
        for j in range(rng.choice([0, 0, 1, 1, 2])):
            ini, rcv = f"{plan.name}-VPC{j}", f"{plan.name}-VPC{j}R"
            peer_region = rng.choice(list(VPC_PEERS))
            spec = rng.choice(["Small.1", "Middle.1"])
            price = VPC_RI_MONTH[(spec, VPC_PEERS[peer_region])]
            auto = rng.random() < 0.7
            at = t + self._hours(24, 240)
            plan.resources += [ini, rcv]
            upfront += price
            monthly += price
            common = {
                "connection_type": "vpc",
                "initiator_region": "cn-hangzhou",
                "receiver_region": peer_region,
                "spec": spec,
                "physical_connection": None,
            }
            steps.append(
                (
                    at,
                    "create_router_interface",
                    (plan.name, at),
                    {"name": ini, "role": "initiator", "months": 1, "auto_renew": auto, "peer": rcv, **common},
                )
            )
            at_rcv = at + timedelta(minutes=5)
            steps.append(
                (
                    at_rcv,
                    "create_router_interface",
                    (plan.name, at_rcv),
                    {"name": rcv, "role": "receiver", "months": None, "auto_renew": False, "peer": ini, **common},
                )
            )
            self._router_interface_life(plan, ini, auto, at, steps)
        plan.daily = -(-monthly // 30)
        pay = upfront + (monthly * rng.randint(1, 2) // 2 if plan.late_payer else monthly * 2)
        self.add(t, plan, "top_up", plan.name, f"{pay}.00", None, t, kind="payment", money=True)
        for at, method, args, kwargs in steps:
            self.add(at, plan, method, *args, **kwargs)
        if not plan.late_payer:
            for month in self._months_from(t + timedelta(days=25)):
                at = month + timedelta(days=rng.randint(0, 9)) + self._hours(8, 18)
                if at < t + timedelta(days=20):
                    continue
                self.add(
                    at, plan, "top_up", plan.name, f"{monthly * 11 // 10}.00", None, at, kind="payment", money=True
                )

    def _router_interface_life(
        self,
        plan: AccountPlan,
        ri: str,
        auto: bool,
        created: datetime,
        steps: list[tuple[datetime, str, tuple[Any, ...], dict[str, Any]]],
    ) -> None:
        """Manual interfaces are renewed by the generator as they come due (early, late, or after a
        suspension); some interfaces switch auto renew on or off half way."""
        rng = self.rng
        behaviour = rng.choice(["early", "early", "early", "late", "lapse"])
        lead = rng.randint(1, 5) if behaviour == "early" else None
        lag = rng.randint(2, 12) if behaviour == "late" else rng.randint(16, 25) if behaviour == "lapse" else None
        plan.renewals.append(Renewal(ri, lead, lag))
        if rng.random() < 0.15:
            at = created + (self.end - created) * rng.uniform(0.3, 0.7)
            steps.append((at, "set_auto_renew", (ri, not auto, at), {}))


@dataclass
class GenerationStats:
    events: int
    seconds: float
    commands: int
    refused: int
    skipped: int
    topics: list[tuple[str, int]]


class FleetGenerator:
    """Runs a plan against the ledger, day by day, paying (or not) when accounts run out."""

    def __init__(self, ledger: LinkLedger, planner: FleetPlanner, rng: random.Random) -> None:
        self.ledger = ledger
        self.planner = planner
        self.rng = rng
        self.heap = list(planner.steps)
        heapq.heapify(self.heap)
        self.commands = self.refused = self.skipped = 0

    def push(
        self, at: datetime, plan: AccountPlan, method: str, *args: Any, money: bool = False, **kwargs: Any
    ) -> None:
        heapq.heappush(self.heap, Step(at, self.planner.next_seq(), plan.name, method, args, kwargs, money))

    def run(self, end: datetime, progress: Callable[[datetime], None]) -> None:
        tick = self.planner.start + timedelta(days=1)
        while True:
            tick = min(tick, end)
            while self.heap and self.heap[0].at < tick:
                self._run(heapq.heappop(self.heap))
            self.ledger.advance_to(tick)
            if tick >= end:
                break
            self._watch(tick)
            progress(tick)
            tick += timedelta(days=1)

    def _run(self, step: Step) -> None:
        plan = self.planner.accounts[step.account]
        if step.method == "open_account":
            pass
        elif plan.dead or (not step.money and not self._in_good_standing(plan)):
            self.skipped += 1
            return
        try:
            if step.method == "rescue":
                self._rescue(plan, step.at)
            else:
                getattr(self.ledger, step.method)(*step.args, **step.kwargs)
            self.commands += 1
        except LedgerError:
            self.refused += 1
            self._forget(plan)
        finally:
            if step.method == "rescue":
                plan.rescue_pending = False
            elif step.method == "renew_router_interface":
                for r in plan.renewals:
                    if r.name == step.args[0]:
                        r.pending = False

    def _forget(self, plan: AccountPlan) -> None:
        """A refused command may have changed cached aggregates it never saved (the cache
        is not copied on read, see `generate`): drop them, the next read rebuilds them."""
        cache = self.ledger.repository.cache
        assert cache is not None
        for aid in (account_id(plan.name), *(resource_id(r) for r in plan.resources)):
            with contextlib.suppress(KeyError):
                cache.get(aid, evict=True)

    def _in_good_standing(self, plan: AccountPlan) -> bool:
        account = self.ledger.account(plan.name)
        if plan.vendor == "zenlayer":
            return bool(account.stage == "active")
        return bool(account.balance >= 0)

    def _rescue(self, plan: AccountPlan, at: datetime) -> None:
        owed = max(-self.ledger.account(plan.name).balance, Decimal(0)).quantize(Decimal(1), ROUND_CEILING)
        amount = owed + plan.daily * self.rng.randint(15, 40)
        kind = "top_up" if plan.vendor == "zenlayer" else "payment"
        self.ledger.top_up(plan.name, f"{amount:.2f}", None, at, kind=kind)

    def _watch(self, tick: datetime) -> None:
        enrolled = set(self.ledger.account_names())
        for plan in self.planner.accounts.values():
            if plan.dead or plan.name not in enrolled:
                continue
            if plan.late_payer:
                self._watch_balance(plan, tick)
            if plan.renewals and not plan.dead:
                self._watch_renewals(plan, tick)

    def _watch_balance(self, plan: AccountPlan, tick: datetime) -> None:
        account = self.ledger.account(plan.name)
        if plan.vendor == "zenlayer":
            unpaid = account.stage in ("protection", "suspension")
            if account.stage == "recycled":
                plan.dead = True
                return
        else:
            unpaid = account.balance < 0
        if not unpaid:
            plan.episode = None
            return
        if plan.episode is None:  # a new episode: pay after a few days (through every stage), or never
            plan.episode = tick.date()
            if plan.vendor == "zenlayer":
                plan.rescue_after = self.rng.choice([0, 0, 1, 2]) if self.rng.random() < 0.75 else None
            else:
                plan.rescue_after = self.rng.randint(1, 12) if self.rng.random() < 0.75 else None
            if plan.rescue_after is None and plan.vendor == "alibaba":
                plan.dead = True  # its connections will be released after the Financial-Locked period
        if (
            plan.rescue_after is not None
            and not plan.rescue_pending
            and (tick.date() - plan.episode).days >= plan.rescue_after
        ):
            plan.rescue_pending = True
            self.push(tick + self._hours(2, 22), plan, "rescue", money=True)

    def _watch_renewals(self, plan: AccountPlan, tick: datetime) -> None:
        if self.ledger.account(plan.name).balance < plan.daily * 31:
            return  # cannot pay in advance: the interface lapses
        for r in plan.renewals:
            if r.pending:
                continue
            try:
                ri = self.ledger.resource(r.name)
            except LedgerError:
                continue  # not created yet
            if not isinstance(ri, RouterInterface) or ri.auto_renew or ri.is_gone or ri.expires_at is None:
                continue
            expires_at: datetime = ri.expires_at
            when = None
            if r.lead_days is not None and ri.state == "active" and expires_at - tick <= timedelta(days=r.lead_days):
                when = tick + min(self._hours(1, 20), (expires_at - tick) / 2)
            elif (
                r.lag_days is not None
                and ri.state in ("expired", "suspended")
                and (tick - expires_at >= timedelta(days=r.lag_days))
            ):
                when = tick + self._hours(1, 20)
            if when is not None:
                r.pending = True
                self.push(when, plan, "renew_router_interface", r.name, self.rng.choice([1, 1, 1, 3]), when)

    def _hours(self, low: float, high: float) -> timedelta:
        return timedelta(minutes=round(self.rng.uniform(low, high) * 60))


def generate(store: Path, accounts: int, months: int, seed: int) -> GenerationStats:
    """A fresh event store with the fleet, through the real application."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{store}{suffix}").unlink(missing_ok=True)
    end = add_months(START, months)
    ledger = open_ledger(str(store))
    record_rule_files(ledger, PRICES, [], START)
    rng = random.Random(seed)
    planner = FleetPlanner(rng, START, end)
    planner.plan(accounts)
    generator = FleetGenerator(ledger, planner, random.Random(seed + 1))
    started = time.monotonic()
    last = [started]

    def progress(tick: datetime) -> None:
        now = time.monotonic()
        if now - last[0] >= 5 or tick.day == 1:
            last[0] = now
            events = ledger.recorder.max_notification_id() or 0
            elapsed = now - started
            print(
                f"  generating: {tick:%Y-%m-%d}  {events:>9,} events  {events / max(elapsed, 1e-9):>7,.0f} ev/s  "
                f"{elapsed:6.1f}s",
                flush=True,
            )

    print(
        f"generating {accounts} accounts over {months} months ({START:%Y-%m-%d} to {end:%Y-%m-%d}), "
        f"{len(planner.steps):,} planned commands, into {store}",
        flush=True,
    )
    generator.run(end, progress)
    seconds = time.monotonic() - started
    events = ledger.recorder.max_notification_id() or 0
    ledger.close()
    db = sqlite3.connect(store)
    topics = db.execute("SELECT topic, COUNT(*) FROM stored_events GROUP BY topic ORDER BY 2 DESC").fetchall()
    db.close()
    return GenerationStats(
        events, seconds, generator.commands, generator.refused, generator.skipped, [(str(t), int(n)) for t, n in topics]
    )


# ============================================================================ the phases
def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def rss_mib() -> float:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / (1 << 20)


def phase_raw_sqlite(store: str) -> dict[str, Any]:
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    sql = (
        "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
        "WHERE rowid > ? ORDER BY rowid LIMIT 1000"
    )
    events = 0
    after = 0
    started = time.perf_counter()
    while True:
        rows = db.execute(sql, (after,)).fetchall()
        if not rows:
            break
        for row in rows:
            orjson.loads(row[4])
        events += len(rows)
        after = rows[-1][0]
    seconds = time.perf_counter() - started
    db.close()
    return {"events": events, "seconds": seconds}


class Profiled:
    """cProfile around the timed part when asked, in the calling thread and in every thread
    started meanwhile (the runner's view writer); prints the top entries of each."""

    def __init__(self, enabled: bool, label: str, dump: Path | None) -> None:
        self.profile = cProfile.Profile() if enabled else None
        self.threads: list[cProfile.Profile] = []
        self.label = label
        self.dump = dump

    def _in_new_thread(self, *_: object) -> None:
        sys.setprofile(None)
        profile = cProfile.Profile()
        self.threads.append(profile)
        profile.enable()

    def __enter__(self) -> None:
        if self.profile:
            threading.setprofile(self._in_new_thread)
            self.profile.enable()

    def __exit__(self, *_: object) -> None:
        if not self.profile:
            return
        self.profile.disable()
        threading.setprofile(None)  # type: ignore[arg-type]
        if self.dump:
            self.profile.dump_stats(self.dump)
        self._print(pstats.Stats(self.profile), "main thread")
        if self.threads:
            self._print(pstats.Stats(*self.threads), "other threads (the view writer)")

    def _print(self, stats: pstats.Stats, which: str) -> None:
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            stats.stream = out  # type: ignore[attr-defined]
            stats.sort_stats(order).print_stats(15)
            print(f"\n--- cProfile {self.label}, {which}, top 15 by {order} ---")
            print("\n".join(line for line in out.getvalue().splitlines()[4:] if line.strip()))


def _rebuild(store: str, views: Any, profile: bool, label: str, dump: Path | None) -> dict[str, Any]:
    ledger = open_ledger(store)
    log = EventLog(ledger)
    head = log.head()
    base = rss_mib()
    with Profiled(profile, label, dump):
        started = time.perf_counter()
        runner = ProjectionRunner(log, views, PROJECTIONS.values(), page_size=PAGE_SIZE, progress=sys.stderr)
        report = runner.catch_up()
        seconds = time.perf_counter() - started
    ledger.close()
    if report.failures:
        raise SystemExit("rebuild failed:\n" + "\n".join(report.failures))
    behind = {name: cp for name, cp in report.checkpoints.items() if cp != head}
    if behind:
        raise SystemExit(f"rebuild stopped short of the head {head}: {behind}")
    return {
        "events": head,
        "seconds": seconds,
        "pages": report.pages,
        "events_read": report.events_read,
        "base_mib": base,
    }


def phase_sqlite_rebuild(store: str, views: str, profile: bool = False, dump: str | None = None) -> dict[str, Any]:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{views}{suffix}").unlink(missing_ok=True)
    view_store = SQLiteViewStore(views)
    try:
        result = _rebuild(store, view_store, profile, "SQLite view rebuild", Path(dump) if dump else None)
    finally:
        view_store.close()
    result["view_file_mib"] = sum(
        Path(f"{views}{s}").stat().st_size for s in ("", "-wal") if Path(f"{views}{s}").exists()
    ) / (1 << 20)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{views}{suffix}").unlink(missing_ok=True)
    return result


def phase_redis_rebuild(
    store: str, redis_url: str, prefix: str, profile: bool = False, dump: str | None = None
) -> dict[str, Any]:
    view_store = RedisViewStore(f"{redis_url}?prefix={prefix}")
    view_store.ping()
    try:
        return _rebuild(store, view_store, profile, "Redis view rebuild", Path(dump) if dump else None)
    finally:
        view_store.close()


def phase_capture(store: str, redis_url: str, prefix: str, capture: str) -> dict[str, Any]:
    """An untimed Redis rebuild that records every call of the store's Lua script: its keys, its
    argv, and whether it was queued on a pipeline (sent with the other calls of its page)."""
    view_store = RedisViewStore(f"{redis_url}?prefix={prefix}")
    script = view_store._apply
    with open(capture, "wb") as out:
        pickle.dump({"prefix": prefix}, out, protocol=pickle.HIGHEST_PROTOCOL)

        def recording(keys: list[str], args: list[Any], client: Any = None) -> Any:
            pickle.dump((keys, args, client is not None), out, protocol=pickle.HIGHEST_PROTOCOL)
            return script(keys=keys, args=args, client=client)

        view_store._apply = recording  # type: ignore[assignment]
        try:
            result = _rebuild(store, view_store, False, "capture", None)
        finally:
            view_store.close()
    result["capture_mib"] = Path(capture).stat().st_size / (1 << 20)
    return result


def _count_batch(args: list[Any]) -> tuple[int, int, int]:
    """(fields set, fields deleted, change messages) of one APPLY_BATCH argv."""
    i = 5
    sets = 0
    for _ in range(int(args[4])):
        n = int(args[i + 1])
        sets += n
        i += 2 + 2 * n
    dels = 0
    ndel = int(args[i])
    i += 1
    for _ in range(ndel):
        n = int(args[i + 1])
        dels += n
        i += 2 + n
    return sets, dels, int(args[i])


Call = tuple[list[str], list[Any], bool]


def _groups(path: str, prefix: str) -> Iterator[list[Call]]:
    """The captured script calls, moved to `prefix`, grouped as the rebuild sent them: the
    pipelined calls of one page (same new checkpoint, args[1]) together, any other call alone."""
    with open(path, "rb") as src:
        old = pickle.load(src)["prefix"]
        group: list[Call] = []
        while True:
            try:
                keys, args, pipelined = pickle.load(src)
            except EOFError:
                break
            keys = [k.replace(old, prefix) for k in keys]
            args[2] = args[2].replace(old, prefix)
            if group and not (pipelined and group[-1][2] and group[-1][1][1] == args[1]):
                yield group
                group = []
            group.append((keys, args, pipelined))
        if group:
            yield group


def phase_raw_redis(redis_url: str, prefix: str, capture: str, events: int) -> dict[str, Any]:
    """Replay the captured calls into a fresh prefix, as the rebuild sent them (a pipeline per
    page, or one call at a time), timing only the sending."""
    view_store = RedisViewStore(f"{redis_url}?prefix={prefix}")
    script = view_store._apply
    ready: set[str] = set()
    seconds = 0.0
    calls = round_trips = sets = dels = changes = 0
    for group in _groups(capture, prefix):
        for keys, args, _ in group:
            if keys[0] not in ready:  # the build's checkpoint, as new_build leaves it
                view_store.r.set(keys[0], args[0])
                ready.add(keys[0])
            s, d, c = _count_batch(args)
            sets, dels, changes = sets + s, dels + d, changes + c
        started = time.perf_counter()
        if group[0][2]:
            pipe = view_store.r.pipeline(transaction=False)
            for keys, args, _ in group:
                script(keys=keys, args=args, client=pipe)
            results = pipe.execute()
        else:
            results = [script(keys=keys, args=args) for keys, args, _ in group]
        seconds += time.perf_counter() - started
        calls += len(group)
        round_trips += 1 if group[0][2] else len(group)
        if any(int(r[0]) != 1 for r in results):
            raise SystemExit(f"the replay was refused by the checkpoint guard: {results}")
    view_store.close()
    return {
        "events": events,
        "seconds": seconds,
        "calls": calls,
        "round_trips": round_trips,
        "sets": sets,
        "dels": dels,
        "changes": changes,
    }


PHASES: dict[str, Callable[..., dict[str, Any]]] = {
    "raw-sqlite": phase_raw_sqlite,
    "sqlite-rebuild": phase_sqlite_rebuild,
    "capture": phase_capture,
    "raw-redis": phase_raw_redis,
    "redis-rebuild": phase_redis_rebuild,
}


def run_phase_here(name: str, params: dict[str, Any], result_file: str) -> None:
    result = PHASES[name](**params)
    result["peak_mib"] = peak_rss_mib()
    Path(result_file).write_bytes(orjson.dumps(result))


def spawn_phase(name: str, params: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """Run one phase in a fresh interpreter, so its peak RSS is its own."""
    result_file = workdir / f"phase-{name}-{uuid.uuid4().hex[:8]}.json"
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--phase",
        name,
        "--phase-params",
        json.dumps(params),
        "--phase-result",
        str(result_file),
    ]
    subprocess.run(cmd, check=True)
    try:
        return dict(orjson.loads(result_file.read_bytes()))
    finally:
        result_file.unlink(missing_ok=True)


UNLINKED = [0]  # Redis keys removed so far by this run


def unlink_prefix(redis_url: str, prefix: str) -> int:
    """SCAN MATCH <prefix>:* and UNLINK what it finds; returns how many keys went."""
    r = redis.Redis.from_url(redis_url)
    removed = 0
    batch: list[bytes] = []
    for key in r.scan_iter(match=f"{prefix}:*", count=1000):
        batch.append(key)
        if len(batch) >= 1000:
            removed += r.unlink(*batch)
            batch = []
    if batch:
        removed += r.unlink(*batch)
    r.close()
    UNLINKED[0] += removed
    return removed


# ============================================================================ the report
@dataclass
class Row:
    phase: str
    events: int
    seconds: float
    peak_mib: float
    ratio: float | None = None
    target: str = ""
    verdict: str = ""

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


def judge(ratio: float, want: Decimal, peak: float) -> tuple[str, str]:
    target = f"ratio >= {want}, peak <= {PEAK_TARGET_MIB} MiB"
    notes = [
        "ratio met" if Decimal(f"{ratio:.4f}") >= want else f"ratio missed ({ratio / float(want):.0%} of it)",
        "peak met" if peak <= PEAK_TARGET_MIB else f"peak over by {peak - PEAK_TARGET_MIB:.0f} MiB",
    ]
    return target, ", ".join(notes)


def print_table(rows: list[Row]) -> None:
    head = ["phase", "events", "seconds", "events/s", "ratio", "target", "peak MiB", "verdict"]
    cells = [
        [
            r.phase,
            f"{r.events:,}",
            f"{r.seconds:.2f}",
            f"{r.rate:,.0f}",
            "" if r.ratio is None else f"{r.ratio:.2f}",
            r.target,
            f"{r.peak_mib:.0f}",
            r.verdict,
        ]
        for r in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(head)]
    right = {1, 2, 3, 4, 6}

    def line(values: list[str]) -> str:
        return (
            "| "
            + " | ".join(
                v.rjust(w) if i in right else v.ljust(w) for i, (v, w) in enumerate(zip(values, widths, strict=True))
            )
            + " |"
        )

    print(line(head))
    print("|" + "|".join(("-" * (w + 1) + ":") if i in right else ("-" * (w + 2)) for i, w in enumerate(widths)) + "|")
    for c in cells:
        print(line(c))


# ============================================================================ main
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--accounts", type=int, default=200, help="accounts in the fleet (default 200)")
    p.add_argument("--months", type=int, default=24, help="months of activity from 2026-01-01 (default 24)")
    p.add_argument("--seed", type=int, default=7, help="seed of the fleet (default 7)")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/0", help="Redis for phases c and d")
    p.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where the event store and temporary files go (default: a temporary directory, removed)",
    )
    p.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the event store in --workdir if it was generated with the same parameters",
    )
    p.add_argument(
        "--profile",
        action="store_true",
        help="after the timed phases, rebuild once more into each view store under cProfile "
        "(prints the top entries; the .prof files stay in --workdir)",
    )
    p.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    p.add_argument("--phase-params", help=argparse.SUPPRESS)
    p.add_argument("--phase-result", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.reuse and args.workdir is None:
        p.error("--reuse needs --workdir (the store is kept there between runs)")
    return args


def redis_machine(redis_url: str) -> str:
    try:
        redis_version = redis.Redis.from_url(redis_url).info("server")["redis_version"]
    except redis.RedisError:
        redis_version = "?"
    return machine(f"Redis server {redis_version}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.phase:
        run_phase_here(args.phase, json.loads(args.phase_params), args.phase_result)
        return 0
    redis_url, _ = parse_redis_url(args.redis_url)
    redis.Redis.from_url(redis_url).ping()  # fail early, before generating
    temporary = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="linkledger-bench-")) if temporary else args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    run = f"llbench-{uuid.uuid4().hex[:8]}"
    prefixes = {name: f"{run}-{name}" for name in ("capture", "raw", "rebuild", "profile")}
    try:
        return _bench(args, workdir, redis_url, prefixes)
    finally:
        for p in prefixes.values():
            unlink_prefix(redis_url, p)
        left = sum(1 for _ in redis.Redis.from_url(redis_url).scan_iter(match=f"{run}-*", count=1000))
        print(f"\nremoved {UNLINKED[0]:,} Redis key(s) under {run}-* in all; {left} left")
        for name in ("capture.pickle", "views.db", "views-profile.db"):
            (workdir / name).unlink(missing_ok=True)
        if temporary:
            shutil.rmtree(workdir, ignore_errors=True)


def _bench(args: argparse.Namespace, workdir: Path, redis_url: str, prefixes: dict[str, str]) -> int:
    print(f"machine: {redis_machine(redis_url)}")
    print(f"code: {code_state()}")
    print(f"command: {shlex.join([sys.executable, *sys.argv])}\n")
    store = workdir / f"fleet-{args.accounts}a-{args.months}m-s{args.seed}.db"
    meta_file = store.with_suffix(".json")
    params = {"version": FLEET_VERSION, "accounts": args.accounts, "months": args.months, "seed": args.seed}
    meta = orjson.loads(meta_file.read_bytes()) if meta_file.exists() else {}
    if args.reuse and store.exists() and meta.get("params") == params:
        gen = meta["generation"]
        print(f"reusing {store}: {gen['events']:,} events (generated in {gen['seconds']:.0f}s)")
    else:
        stats = generate(store, args.accounts, args.months, args.seed)
        gen = {
            "events": stats.events,
            "seconds": stats.seconds,
            "commands": stats.commands,
            "refused": stats.refused,
            "skipped": stats.skipped,
            "topics": stats.topics,
        }
        meta_file.write_bytes(orjson.dumps({"params": params, "generation": gen}, option=orjson.OPT_INDENT_2))
        print(
            f"generated {stats.events:,} events in {stats.seconds:.1f}s ({stats.events / stats.seconds:,.0f} ev/s): "
            f"{stats.commands:,} commands run, {stats.refused} refused, {stats.skipped} skipped "
            f"(account not in good standing)"
        )
    print(f"event store: {store} ({store.stat().st_size / (1 << 20):.1f} MiB)")
    print(
        "events by topic: "
        + ", ".join(f"{t.removeprefix('linkledger.')} {n:,}" for t, n in gen["topics"][:12])
        + (", ..." if len(gen["topics"]) > 12 else "")
    )

    print("\n(a) raw SQLite limit ...", flush=True)
    raw_sqlite = spawn_phase("raw-sqlite", {"store": str(store)}, workdir)
    print("(b) SQLite view rebuild ...", flush=True)
    sqlite_rebuild = spawn_phase("sqlite-rebuild", {"store": str(store), "views": str(workdir / "views.db")}, workdir)
    print("(c) capturing the batches of a Redis rebuild (untimed) ...", flush=True)
    capture = spawn_phase(
        "capture",
        {
            "store": str(store),
            "redis_url": redis_url,
            "prefix": prefixes["capture"],
            "capture": str(workdir / "capture.pickle"),
        },
        workdir,
    )
    unlink_prefix(redis_url, prefixes["capture"])
    print("(c) raw Redis limit ...", flush=True)
    raw_redis = spawn_phase(
        "raw-redis",
        {
            "redis_url": redis_url,
            "prefix": prefixes["raw"],
            "capture": str(workdir / "capture.pickle"),
            "events": capture["events"],
        },
        workdir,
    )
    (workdir / "capture.pickle").unlink(missing_ok=True)
    raw_keys = unlink_prefix(redis_url, prefixes["raw"])
    print("(d) Redis view rebuild ...", flush=True)
    redis_rebuild = spawn_phase(
        "redis-rebuild", {"store": str(store), "redis_url": redis_url, "prefix": prefixes["rebuild"]}, workdir
    )
    rebuild_keys = unlink_prefix(redis_url, prefixes["rebuild"])

    rows = [
        Row("a. raw SQLite read + orjson", raw_sqlite["events"], raw_sqlite["seconds"], raw_sqlite["peak_mib"]),
        Row("b. SQLite view rebuild", sqlite_rebuild["events"], sqlite_rebuild["seconds"], sqlite_rebuild["peak_mib"]),
        Row("c. raw Redis Lua replay", raw_redis["events"], raw_redis["seconds"], raw_redis["peak_mib"]),
        Row("d. Redis view rebuild", redis_rebuild["events"], redis_rebuild["seconds"], redis_rebuild["peak_mib"]),
    ]
    rows[1].ratio = rows[1].rate / rows[0].rate
    rows[1].target, rows[1].verdict = judge(rows[1].ratio, SQLITE_RATIO_TARGET, rows[1].peak_mib)
    rows[3].ratio = rows[3].rate / rows[2].rate
    rows[3].target, rows[3].verdict = judge(rows[3].ratio, REDIS_RATIO_TARGET, rows[3].peak_mib)

    events = raw_redis["events"]
    print(
        f"\nlog: {events:,} events; the runner read {sqlite_rebuild['events_read']:,} of them "
        f"(topics some projection reads) in {sqlite_rebuild['pages']:,} pages of up to {PAGE_SIZE}"
    )
    print(
        f"Redis batches: {raw_redis['calls']:,} script calls in {raw_redis['round_trips']:,} round trips, "
        f"{raw_redis['sets']:,} fields set, "
        f"{raw_redis['dels']:,} deleted, {raw_redis['changes']:,} change messages: "
        f"{(raw_redis['sets'] + raw_redis['dels']) / events:.2f} writes/event, "
        f"{raw_redis['changes'] / events:.2f} changes/event"
    )
    print(
        f"Redis keys written: replay {raw_keys:,}, rebuild {rebuild_keys:,} (the rebuild adds its build "
        f"bookkeeping: builds, seq, active per projection)"
    )
    print(
        f"capture run (an untimed Redis rebuild that records the script calls): {capture['seconds']:.1f}s, "
        f"{capture['capture_mib']:.0f} MiB of argv"
    )
    print(
        f"SQLite view file: {sqlite_rebuild['view_file_mib']:.1f} MiB; RSS before the rebuild: "
        f"SQLite {sqlite_rebuild['base_mib']:.0f} MiB, Redis {redis_rebuild['base_mib']:.0f} MiB"
    )
    print(f"generation: {gen['events']:,} events in {gen['seconds']:.1f}s")
    print()
    print_table(rows)
    print(f"\ncommand: {shlex.join([sys.executable, *sys.argv])}")

    if args.profile:
        print("\nprofiling (not part of the table) ...", flush=True)
        spawn_phase(
            "sqlite-rebuild",
            {
                "store": str(store),
                "views": str(workdir / "views-profile.db"),
                "profile": True,
                "dump": str(workdir / "sqlite-rebuild.prof"),
            },
            workdir,
        )
        spawn_phase(
            "redis-rebuild",
            {
                "store": str(store),
                "redis_url": redis_url,
                "prefix": prefixes["profile"],
                "profile": True,
                "dump": str(workdir / "redis-rebuild.prof"),
            },
            workdir,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
