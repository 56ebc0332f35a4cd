"""Several real processes on one store: what the account-as-unit-of-work design promises.

Every test starts real OS processes (multiprocessing, "spawn": each one imports the
project afresh and opens its own ledger with `open_ledger`, as separate CLI or API
processes would) against the real PostgreSQL server, in a fresh schema of its own
(the `postgres_store` fixture). Two tests also run on an SQLite file shared by the
processes. A child's exception fails the test with the child's traceback.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from linkledger.domain.events import account_id
from linkledger.infrastructure.bootstrap import open_ledger, record_rule_files
from linkledger.infrastructure.ledger import LinkLedger
from linkledger.infrastructure.recorders import STORE_FORMAT

from tests.builders import D, T
from tests.conftest import EXAMPLES

PRICES = EXAMPLES / "zenlayer" / "prices.toml"  # HKG/SIN 10G ports at 10.00 a day
RULES_AT = T("2025-12-01T00:00")
T0 = T("2026-01-01T00:00")
CTX = mp.get_context("spawn")
WAIT = 60.0  # seconds: no barrier, queue or join may wait longer


# ------------------------------------------------------------------ harness
def _child(index: int, results: Any, target: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        results.put((index, True, target(*args)))
    except BaseException:
        results.put((index, False, traceback.format_exc()))


def run_processes(jobs: list[tuple[Callable[..., Any], tuple[Any, ...]]]) -> list[Any]:
    """Run each (target, args) in a process of its own; return their results in order,
    or fail with the traceback of every process that raised."""
    results = CTX.Queue()
    procs = [
        CTX.Process(target=_child, args=(i, results, target, args), daemon=True)
        for i, (target, args) in enumerate(jobs)
    ]
    for p in procs:
        p.start()
    got: dict[int, tuple[bool, Any]] = {}
    try:
        deadline = time.monotonic() + WAIT
        while len(got) < len(procs):
            i, ok, value = results.get(timeout=max(0.1, deadline - time.monotonic()))
            got[i] = (ok, value)
    finally:
        for p in procs:
            p.join(timeout=10)
            if p.is_alive():
                p.kill()
                p.join()
    failures = [f"process {i}:\n{value}" for i, (ok, value) in sorted(got.items()) if not ok]
    assert not failures, "\n".join(failures)
    return [got[i][1] for i in range(len(procs))]


def opened(store: str) -> LinkLedger:
    """A ledger on `store` with the shipped rules and the Zenlayer example prices recorded."""
    ledger = open_ledger(store)
    record_rule_files(ledger, [PRICES], [], RULES_AT)
    return ledger


@pytest.fixture
def pg_ledger(postgres_store: str) -> Iterator[LinkLedger]:
    ledger = opened(postgres_store)
    yield ledger
    ledger.close()


@pytest.fixture
def any_ledger(store: str) -> Iterator[LinkLedger]:
    ledger = opened(store)
    yield ledger
    ledger.close()


def store_of(ledger: LinkLedger) -> str:
    env = ledger.env
    if env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
        return env["SQLITE_DBNAME"]
    return (
        f"postgresql://{env['POSTGRES_USER']}@{env['POSTGRES_HOST']}:{env['POSTGRES_PORT']}/"
        f"{env['POSTGRES_DBNAME']}?schema={env['POSTGRES_SCHEMA']}"
    )


def named(ledger: LinkLedger, account: str, event: str) -> list[Any]:
    return [e for e in ledger.events_of(account_id(account)) if type(e).__name__ == event]


def daily_charge_days(ledger: LinkLedger, account: str) -> Counter[date]:
    return Counter(e.service_day for e in named(ledger, account, "Charged") if e.reason == "daily")


def assert_balance_chain(ledger: LinkLedger, account: str) -> None:
    """Each credit and charge was decided on the balance that the one before it left."""
    balance = Decimal(0)
    for e in ledger.events_of(account_id(account)):
        kind = type(e).__name__
        if kind in ("Credited", "Charged"):
            balance += e.amount if kind == "Credited" else -e.total
            assert e.balance_after == balance, (account, e.originator_version, kind)


def days(first: date, last: date) -> set[date]:
    return {first + timedelta(days=i) for i in range((last - first).days + 1)}


def with_port(ledger: LinkLedger, name: str, port: str, balance: str, at: datetime) -> None:
    """An open Zenlayer account, topped up, with one active 10G port (10.00 a day)."""
    ledger.open_account(name, "zenlayer", "USD", at)
    ledger.top_up(name, balance, None, at)
    ledger.order_port(name, port, "HKG", "10G", at)
    ledger.complete_cross_connect(port, at)


# ------------------------------------------------------------------ process bodies
def _open_then_command(store: str, start: Any, name: str) -> str:
    start.wait(timeout=WAIT)
    ledger = open_ledger(store)  # the same fresh schema, at the same moment as the others
    try:
        record_rule_files(ledger, [PRICES], [], RULES_AT)
        ledger.open_account(name, "zenlayer", "USD", T0, command_id=f"open-{name}")
        ledger.top_up(name, "5.00", None, T0, command_id=f"top-up-{name}")
        return str(ledger.account(name).balance)
    finally:
        ledger.close()


def _top_ups_in_rounds(store: str, round_start: Any, account: str, worker: int, rounds: int) -> None:
    """Round j: every process tops up the same account at T0 + 6j hours, worker w by w + 1
    (different amounts, so a decision taken on a stale balance shows in the total)."""
    ledger = open_ledger(store)
    try:
        for j in range(rounds):
            round_start.wait(timeout=WAIT)
            ledger.top_up(account, f"{worker + 1}.00", None, T0 + timedelta(hours=6 * j), command_id=f"w{worker}-{j}")
    finally:
        ledger.close()


def _own_accounts(store: str, start: Any, worker: int, accounts: int, top_ups: int) -> None:
    """Open `accounts` accounts with a port and top each up `top_ups` times. Worker w's
    times start w days *before* worker 0's, so the processes' times interleave out of order."""
    ledger = open_ledger(store)
    try:
        start.wait(timeout=WAIT)
        first = T0 + timedelta(days=3 - worker)
        for a in range(accounts):
            with_port(ledger, f"W{worker}-A{a}", f"W{worker}-P{a}", "100.00", first)
        for j in range(1, top_ups + 1):
            for a in range(accounts):
                ledger.top_up(
                    f"W{worker}-A{a}", "1.00", None, first + timedelta(hours=j), command_id=f"w{worker}-{a}-{j}"
                )
    finally:
        ledger.close()


def _same_commands(store: str, start: Any, commands: int) -> list[tuple[str | None, bool]]:
    """Open ACME and top it up, each command with the id every process sends."""
    ledger = open_ledger(store)
    try:
        start.wait(timeout=WAIT)
        out = [ledger.open_account("ACME", "zenlayer", "USD", T0, command_id="open-ACME")]
        for j in range(commands):
            out.append(ledger.top_up("ACME", "1.00", None, T0 + timedelta(minutes=j), command_id=f"top-up-{j}"))
        return [(a.command_id, a.duplicate) for a in out]
    finally:
        ledger.close()


def _advance(store: str, start: Any, to: datetime) -> tuple[int, int]:
    ledger = open_ledger(store)
    try:
        start.wait(timeout=WAIT)
        report = ledger.advance_to(to)
        return report.ran, report.accounts
    finally:
        ledger.close()


def _write(store: str, start: Any, finish: Any, account: str, top_ups: int) -> None:
    ledger = open_ledger(store)
    try:
        start.wait(timeout=WAIT)
        for j in range(top_ups):
            ledger.top_up(account, "1.00", None, T0 + timedelta(minutes=j))
    finally:
        ledger.close()
        finish.wait(timeout=WAIT)


def _follow(store: str, start: Any, finish: Any) -> list[int]:
    """Subscribe before the writers start; once they are done, read on up to the last
    stored notification id; return every id delivered, in order."""
    ledger = open_ledger(store)
    seen: list[int] = []
    errors: list[BaseException] = []
    subscription = ledger.recorder.subscribe(gt=None)

    def read() -> None:
        try:
            for notification in subscription:
                seen.append(notification.id)
        except BaseException as e:  # reported below
            errors.append(e)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        start.wait(timeout=WAIT)
        finish.wait(timeout=WAIT)
        last = ledger.recorder.max_notification_id() or 0
        deadline = time.monotonic() + 20
        while (not seen or seen[-1] < last) and time.monotonic() < deadline and not errors:
            time.sleep(0.02)
    finally:
        subscription.stop()
        reader.join(timeout=10)
        ledger.close()
    if errors:
        raise errors[0]
    return seen


# ------------------------------------------------------------------ tests
def test_table_setup_is_safe_when_processes_start_together_on_a_fresh_schema(postgres_store: str) -> None:
    names = [f"ACCT{i}" for i in range(6)]
    start = CTX.Barrier(len(names))
    balances = run_processes([(_open_then_command, (postgres_store, start, n)) for n in names])
    assert balances == ["5.00"] * len(names)
    ledger = open_ledger(postgres_store)
    try:
        assert ledger.recorder.meta("format") == STORE_FORMAT
        assert ledger.account_names() == names
        for n in names:
            assert [e.amount for e in named(ledger, n, "Credited")] == [Decimal("5.00")]
        assert ledger.current_rules().prices.books  # the rules were recorded once, readable by all
    finally:
        ledger.close()


def test_concurrent_commands_on_one_account_lose_no_update(any_ledger: LinkLedger) -> None:
    processes, rounds = 4, 25
    with_port(any_ledger, "ACME", "HKG-1", "100.00", T0)
    round_start = CTX.Barrier(processes)
    run_processes(
        [(_top_ups_in_rounds, (store_of(any_ledger), round_start, "ACME", w, rounds)) for w in range(processes)]
    )
    # The last round is at T0 + 144 h (7 January, 00:00): 1-5 January are deducted, each once.
    charged = daily_charge_days(any_ledger, "ACME")
    assert charged == Counter(days(D("2026-01-01"), D("2026-01-05")))
    credited = Counter(e.amount for e in named(any_ledger, "ACME", "Credited"))
    assert credited == {Decimal("100.00"): 1} | {Decimal(w + 1): rounds for w in range(processes)}
    topped_up = rounds * sum(w + 1 for w in range(processes))
    assert any_ledger.account("ACME").balance == Decimal("100.00") + topped_up - 5 * Decimal("10.00")
    assert_balance_chain(any_ledger, "ACME")


def test_concurrent_commands_on_different_accounts_all_apply(pg_ledger: LinkLedger) -> None:
    processes, accounts, top_ups = 4, 3, 10
    start = CTX.Barrier(processes)
    run_processes([(_own_accounts, (store_of(pg_ledger), start, w, accounts, top_ups)) for w in range(processes)])
    names = sorted(f"W{w}-A{a}" for w in range(processes) for a in range(accounts))
    assert pg_ledger.account_names() == names
    for w in range(processes):
        for a in range(accounts):
            name = f"W{w}-A{a}"
            # Top-ups run to first + 10 h: the account's own first day is not deducted yet.
            assert len(named(pg_ledger, name, "Credited")) == 1 + top_ups
            assert not daily_charge_days(pg_ledger, name)
            assert pg_ledger.account(name).balance == Decimal("100.00") + top_ups
            assert_balance_chain(pg_ledger, name)
            assert pg_ledger.resource(f"W{w}-P{a}").state == "active"
    # Every account's due-index row was written with its events: all are due next at
    # 01:00 after their first day, none is missing.
    due = pg_ledger.recorder.due_accounts(T("2026-12-31T00:00"), None, 1000)
    assert {aid for _, aid in due} == {account_id(n) for n in names}


def test_the_same_command_id_from_several_processes_is_applied_once(pg_ledger: LinkLedger) -> None:
    processes, commands = 4, 20
    start = CTX.Barrier(processes)
    results = run_processes([(_same_commands, (store_of(pg_ledger), start, commands)) for _ in range(processes)])
    ids = ["open-ACME"] + [f"top-up-{j}" for j in range(commands)]
    for r in results:
        assert [command_id for command_id, _ in r] == ids  # every process got an answer, none an error
    applied = Counter(command_id for r in results for command_id, duplicate in r if not duplicate)
    assert applied == Counter(ids)  # each id applied by exactly one process; the others: duplicate
    assert len(named(pg_ledger, "ACME", "Opened")) == 1
    assert len(named(pg_ledger, "ACME", "Credited")) == commands
    assert pg_ledger.account("ACME").balance == Decimal(commands)
    assert_balance_chain(pg_ledger, "ACME")


def test_two_settlements_at_once_charge_each_day_exactly_once(any_ledger: LinkLedger) -> None:
    accounts = 20
    names = [f"ACCT{i:02d}" for i in range(accounts)]
    for i, n in enumerate(names):
        with_port(any_ledger, n, f"PORT-{i:02d}", "1000.00", T("2026-01-01T09:00"))
    to = T("2026-01-31T02:00")  # 1-30 January are due (each day at 01:00 the next day)
    start = CTX.Barrier(2)
    reports = run_processes([(_advance, (store_of(any_ledger), start, to)) for _ in range(2)])
    assert sum(accounts_settled for _, accounts_settled in reports) >= accounts
    for n in names:
        charged = daily_charge_days(any_ledger, n)
        assert charged == Counter(days(D("2026-01-01"), D("2026-01-30"))), n
        assert any_ledger.account(n).balance == Decimal("1000.00") - 30 * Decimal("10.00"), n
        assert_balance_chain(any_ledger, n)
    assert any_ledger.recorder.due_accounts(to, None, 1000) == []
    assert any_ledger.watermark() == to


def test_a_follower_sees_every_event_from_concurrent_writers(pg_ledger: LinkLedger) -> None:
    writers, top_ups = 4, 400
    for w in range(writers):
        pg_ledger.open_account(f"W{w}", "zenlayer", "USD", T0)
    start, finish = CTX.Barrier(writers + 1), CTX.Barrier(writers + 1)
    store = store_of(pg_ledger)
    seen, *_ = run_processes(
        [(_follow, (store, start, finish))]
        + [(_write, (store, start, finish, f"W{w}", top_ups)) for w in range(writers)]
    )
    stored = [n.id for n in pg_ledger.recorder.select_notifications(None, 10**7)]
    assert len(stored) >= writers * top_ups
    missed = sorted(set(stored) - set(seen))
    assert not missed, f"{len(missed)} of {len(stored)} stored events never reached the follower: {missed[:20]}"
    assert seen == stored  # each once, in notification-id order


# ---------------------------------------------- the same scenario run by several processes
def _run_scenario(store: str, scenario: str) -> int:
    from linkledger.infrastructure.cli import main

    return main(["--store", store, "run", scenario, "--no-project"])


@pytest.mark.parametrize("store_kind", ["postgres", "sqlite"])
def test_the_same_scenario_run_by_several_processes_at_once_applies_each_line_once(
    request: pytest.FixtureRequest, tmp_path, store_kind: str
) -> None:
    store = request.getfixturevalue("postgres_store") if store_kind == "postgres" else str(tmp_path / "s.db")
    scenario = str(EXAMPLES / "zenlayer" / "scenario.txt")
    codes = run_processes([(_run_scenario, (store, scenario)) for _ in range(3)])
    assert codes == [0, 0, 0]  # none refused: a line another process applied is skipped
    alone = str(tmp_path / "alone.db")
    assert _run_scenario(alone, scenario) == 0
    with open_ledger(store) as together, open_ledger(alone) as single:

        def history(ledger: LinkLedger) -> list[tuple[str, int, dict[str, Any]]]:
            acct = ledger.account("ACME")
            ids = [acct.id, *(r.resource_id for r in acct.resources)]
            return [
                (type(e).__name__, e.originator_version, e.model_dump(mode="json", exclude={"timestamp"}))
                for i in ids
                for e in ledger.events_of(i)
            ]

        assert history(together) == history(single)
