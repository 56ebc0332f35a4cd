"""Random command sequences on a Zenlayer ledger, on each event store, checked against
the rules that must hold whatever the sequence:

- each account's balance is its credits - charges - adjustments (after every step);
- each invoice's total is the sum of its lines, issued or provisional, and an issued
  invoice's balance window adds up to its closing balance;
- each resource's timeline only takes transitions its lifecycle allows (lifecycle.py);
- a refused command writes nothing (after every step);
- the views kept up during the run equal views projected from zero, and say what the log
  says;
- every issued invoice is byte-identical to its recomputation from a replay of the log.

Budget and reproducibility: docs/testing.md. The runs are derandomized (the same
sequences on every run, so CI is not flaky) and keep no example database.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import redis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from linkledger.domain.errors import LedgerError
from linkledger.infrastructure.bootstrap import open_ledger
from linkledger.infrastructure.redis_views import RedisViewStore
from linkledger.infrastructure.rule_files import load_correction, load_rule_book
from linkledger.infrastructure.sqlite_views import SQLiteViewStore
from linkledger.infrastructure.view_store import ViewStore

from tests.conftest import EXAMPLES, POSTGRES_URL, record_rule_book
from tests.properties import checks

RULES = load_rule_book([EXAMPLES / "zenlayer" / "prices.toml"])
CORRECTION = EXAMPLES / "zenlayer" / "price_correction.toml"
REDIS_URL = "redis://127.0.0.1:6379/0"
START = datetime(2026, 1, 1, tzinfo=UTC)

ACCOUNTS = ("ACME", "BETA")
# HKG-3 and SIN-3 are 1G: the example prices have HKG 1G but no SIN 1G (that order is refused).
PORTS = {
    "HKG-1": ("HKG", "10G"),
    "HKG-2": ("HKG", "10G"),
    "HKG-3": ("HKG", "1G"),
    "SIN-1": ("SIN", "10G"),
    "SIN-2": ("SIN", "10G"),
    "SIN-3": ("SIN", "1G"),
}
HOSTED = ("AWS-1", "AWS-2")
CONNECTS = ("PC-1", "PC-2", "PC-3")
ENDS = tuple(f"port:{p}" for p in PORTS) + tuple(f"aws:{h}@AWS-ap-east-1" for h in HOSTED)
BANDWIDTHS = (50, 80, 100, 150, 200, 300, 500, 1000)

# The ledger commands, with their arguments taken from what the step drew.
COMMANDS: dict[str, Callable[[dict[str, Any]], tuple[Any, ...]]] = {
    "top_up": lambda d: (d["account"], str(d["amount"]), None),
    "order_port": lambda d: (d["account"], d["port"], *PORTS[d["port"]]),
    "complete_cross_connect": lambda d: (d["port"],),
    "delete_port": lambda d: (d["port"],),
    "create_private_connect": lambda d: (d["account"], d["connect"], f"port:{d['port']}", d["z"], d["mbps"]),
    "raise_bandwidth": lambda d: (d["connect"], d["mbps"]),
    "cut_bandwidth": lambda d: (d["connect"], d["mbps"]),
    "delete_private_connect": lambda d: (d["connect"],),
    "recover_private_connect": lambda d: (d["connect"],),
}
# What a step may be: a command, or the clock moving on, or the views catching up; the
# commands that make something come more often, so that most examples have resources.
STEPS = (
    *sorted(COMMANDS),
    *("order_port", "order_port", "create_private_connect", "complete_cross_connect"),
    *("open_account", "accept_hosted_connection", "wait", "wait", "advance", "project"),
)

# The budget (docs/testing.md): both stores together in well under a minute on a shared
# 2-core machine (PostgreSQL's round trips cost ~4x SQLite's, so it runs fewer examples).
# LINKLEDGER_PROPERTY_SCALE=N runs N times as many, with a fresh random seed each run.
SCALE = int(os.environ.get("LINKLEDGER_PROPERTY_SCALE", "1"))


def budget(examples: int) -> settings:
    return settings(
        max_examples=examples * SCALE,
        stateful_step_count=40,
        deadline=None,
        database=None,
        derandomize=SCALE == 1,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


Opened = tuple[str, Callable[[], None]]


class ZenlayerLedger(RuleBasedStateMachine):
    """One ledger on a fresh store; commands at a clock that only moves on."""

    def __init__(self, event_store: Callable[[], Opened], live_views: Callable[[Path], tuple[ViewStore, Any]]):
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="ll-props-"))
        self.store, self.drop_store = event_store()
        self.ledger = open_ledger(self.store)
        record_rule_book(self.ledger, RULES)
        self.live, self.drop_live = live_views(self.tmp)
        self.fresh = SQLiteViewStore(self.tmp / "fresh-views.db")
        self.now = START
        self.corrected = False
        self.made: list[str] = []  # the ports and connects made so far, in order

    # ------------------------------------------------------------ commands
    def _command(self, name: str, *args: Any, **kwargs: Any) -> bool:
        """Run one ledger command at the clock; a refusal must leave the log as it was."""
        before = self._head()
        try:
            getattr(self.ledger, name)(*args, at=self.now, **kwargs)
        except LedgerError as e:
            after = self._head()
            assert after == before, f"{name}{args} was refused ({e}) but wrote {after - before} event(s)"
            return False
        return True

    def _head(self) -> int:
        return self.ledger.recorder.max_notification_id() or 0

    @initialize()
    def open_acme(self) -> None:
        self._open("ACME")
        self._command("top_up", "ACME", "500.00", None)
        for port in ("HKG-1", "SIN-1"):  # a pair a private connect can join (HKG~SIN is priced)
            self.step("order_port", account="ACME", port=port, z="", connect="", mbps=0, pick=9)

    def _open(self, account: str) -> None:
        if self._command("open_account", account, "zenlayer", "USD"):
            self._command("add_user", account, "alice", "alice@x.test", "AdministratorAccess")
            self._command("add_user", account, "bob", "bob@x.test", "Finance")

    # One rule draws every step, so that each example mixes them all (Hypothesis switches
    # whole rules off at random per example: with a rule per command, most examples would
    # only order ports). A step uses the arguments it needs.
    @rule(
        step=st.sampled_from(STEPS),
        account=st.sampled_from(ACCOUNTS),
        port=st.sampled_from(sorted(PORTS)),
        z=st.sampled_from(ENDS),
        connect=st.sampled_from(CONNECTS),
        mbps=st.sampled_from(BANDWIDTHS),
        amount=st.decimals("0.01", "3000", places=2),
        minutes=st.integers(1, 3 * 24 * 60),
        days=st.integers(0, 20),
        pick=st.integers(0, 9),
    )
    def step(self, step: str, **drawn: Any) -> None:
        drawn = self._aim(drawn)
        if step in COMMANDS:
            if self._command(step, *COMMANDS[step](drawn)):
                self._made(step, drawn)
        else:
            getattr(self, step)(drawn)

    def _made(self, step: str, drawn: dict[str, Any]) -> None:
        if step == "order_port":
            self.made.append(drawn["port"])
        elif step == "create_private_connect":
            self.made.append(drawn["connect"])
            if drawn["z"].startswith("aws:"):
                self.made.append(drawn["z"][4:].partition("@")[0])

    def _aim(self, drawn: dict[str, Any]) -> dict[str, Any]:
        """Mostly at what exists (a name drawn at random is mostly refused as unknown): with
        `pick` < 8, the port, the other end and the connect are ones made before."""
        ports = [n for n in self.made if n in PORTS]
        connects = [n for n in self.made if n in CONNECTS]
        pick = drawn["pick"]
        if pick < 8 and ports:
            drawn["port"] = ports[pick % len(ports)]
            others = [f"port:{p}" for p in ports if p != drawn["port"]]
            drawn["z"] = others[(pick + 1) % len(others)] if others and pick < 6 else drawn["z"]
        if pick < 8 and connects:
            drawn["connect"] = connects[pick % len(connects)]
        return drawn

    def open_account(self, drawn: dict[str, Any]) -> None:
        self._open(drawn["account"])

    def accept_hosted_connection(self, drawn: dict[str, Any]) -> None:
        hosted = [n for n in self.made if n in HOSTED] or list(HOSTED)
        self._command("accept_hosted_connection", hosted[drawn["pick"] % len(hosted)])

    def wait(self, drawn: dict[str, Any]) -> None:
        """The clock moves on; nothing is settled until a command or an advance."""
        self.now += timedelta(minutes=drawn["minutes"])

    def advance(self, drawn: dict[str, Any]) -> None:
        """Settle every account up to the clock: daily charges, the balance ladder, and the
        invoices of the months that closed."""
        self.now += timedelta(days=drawn["days"], minutes=drawn["minutes"] % (24 * 60))
        self.ledger.advance_to(self.now)

    def project(self, drawn: dict[str, Any]) -> None:
        """The live views catch up with the log, in pages of any size."""
        checks.catch_up(self.ledger, self.live, 1 + drawn["minutes"] % 50)

    @precondition(lambda self: not self.corrected and self.now >= datetime(2026, 1, 11, tzinfo=UTC))
    @rule()
    def correct_prices(self) -> None:
        """The example correction (HKG~SIN 200M from 10 January), recorded at the clock."""
        self.corrected = True
        correction, source = load_correction(CORRECTION, "the 200M tier was listed too high")
        self.ledger.record_correction(correction, source, self.now)
        self.ledger.apply_corrections()

    # ----------------------------------------------------------- invariants
    @invariant()
    def balances_are_credits_less_charges_and_adjustments(self) -> None:
        for name in self.ledger.account_names():
            checks.check_balance(self.ledger, name)

    def teardown(self) -> None:
        try:
            names = self.ledger.account_names()
            for name in names:
                checks.check_invoices(self.ledger, name, self.now.date())
                checks.check_lifecycles(self.ledger, name)
                checks.check_audit(self.ledger, name)
            checks.check_views_rebuild_equal(self.ledger, self.live, self.fresh)
            for name in names:
                checks.check_views_match_the_log(self.ledger, self.live, name)
        finally:
            self.close()

    def close(self) -> None:
        for closing in (self.live.close, self.fresh.close, self.ledger.close, self.drop_live, self.drop_store):
            closing()
        shutil.rmtree(self.tmp, ignore_errors=True)


# ----------------------------------------------------------------- stores
def sqlite_event_store() -> Opened:
    path = Path(tempfile.mkdtemp(prefix="ll-props-store-")) / "ledger.db"
    return str(path), lambda: shutil.rmtree(path.parent, ignore_errors=True)


def postgres_event_store() -> Opened:
    schema = f"p_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")

    def drop() -> None:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")

    return f"{POSTGRES_URL}?schema={schema}", drop


def sqlite_views(tmp: Path) -> tuple[ViewStore, Callable[[], None]]:
    return SQLiteViewStore(tmp / "live-views.db"), lambda: None


def redis_views(tmp: Path) -> tuple[ViewStore, Callable[[], None]]:
    prefix = f"llprops-{uuid.uuid4().hex[:10]}"

    def drop() -> None:
        r = redis.Redis.from_url(REDIS_URL)
        keys = list(r.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            r.unlink(*keys)
        r.close()

    return RedisViewStore(f"{REDIS_URL}?prefix={prefix}"), drop


def test_random_command_sequences_keep_the_invariants_on_sqlite_with_sqlite_views():
    run_state_machine_as_test(lambda: ZenlayerLedger(sqlite_event_store, sqlite_views), settings=budget(40))


def test_random_command_sequences_keep_the_invariants_on_postgresql_with_redis_views():
    run_state_machine_as_test(lambda: ZenlayerLedger(postgres_event_store, redis_views), settings=budget(16))
