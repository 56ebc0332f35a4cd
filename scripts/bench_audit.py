#!/usr/bin/env python3
"""Benchmark step 4: audit replay (`--as-at`, `audit --all`) and price backfills (corrections).

Prints figures; it never asserts nor tunes anything to the targets. One run:

1. **`--as-at` replay of one account-month vs store size.** A small store is written with
   the real `LinkLedger` application: a probe account ACME-0 (two 10G ports and a private
   connect whose bandwidth moves, daily charges from 5 January to 19 April 2026, three
   invoices issued) and a few look-alike accounts ACME-1.. . The store is then padded to
   each size in `--sizes` (default 10k, 100k, 1M events) with *copies* of those accounts'
   real stored events (rows of `stored_events`, `INSERT ... SELECT` in one transaction per
   size) under fresh random originator ids: the padding is not in the due index, the
   invoice index or the price-usage index, and no command ever touches it. At each size
   `AccountHistory(ledger, "ACME-0", as_at).invoice("2026-03")` is timed for two `as_at`:
   before March is issued (2026-03-25 12:00: the provisional month, rebuilt from the
   draft) and after (2026-04-10 12:00: March as issued). The sizes are kept as byte
   copies of the store and timed round-robin (one call at each size in turn): this machine
   has fast and slow spells of seconds, and interleaving makes them hit every size alike.
   Warm: the median of `--runs` calls on one open ledger per size (after one untimed
   call). Cold: the median of `--cold-runs` calls, each on a freshly opened ledger (empty
   aggregate cache; `open_ledger` itself is timed apart; the OS page cache is warm, nothing
   here can empty it). Target: <= 50 ms at the largest size, and largest <= 1.5 x smallest.
2. **`audit --all` vs a full rebuild of the invoice view**, on a fleet store (`--accounts`
   Zenlayer accounts over `--months` months, every month issued): the audit is what
   `linkledger audit --all` runs (`recorder.invoices()`, then `audit_account` per
   account); the rebuild is `infrastructure.rebuild.rebuild` of `PROJECTIONS["invoices"]`
   from zero into a fresh SQLite view file. Medians of `--audit-runs` and `--rebuild-runs`,
   run in rounds with part 3 (rebuild, audit, correction, rebuild, ...). Both are reported
   in issued invoices per second, with their ratio. No target.
3. **A price correction touching 1 % of the accounts vs the same rebuild.** About 1 % of
   the fleet (every 100th account) has its Z-end port at site TYO, priced only by a
   benchmark price book written into the work directory and recorded with the shipped
   rules (TYO 10G ports and HKG~TYO connects). The correction re-prices the TYO 10G port
   from the first day of the month two months before the end: the charges of two issued
   months are re-rated, into adjustments on the next draft. On a fresh copy of the fleet
   store each time (`--correction-runs`), each on a freshly opened ledger: dry run =
   `ledger.preview_correction(correction)`; applied = `ledger.record_correction(correction,
   "bench", watermark)` + `ledger.apply_corrections()`.
   Target: each <= 3 % of the full rebuild.

Then a summary table (measure, measured, target, met/missed) and the command line.
`--profile` reruns the slow parts under cProfile afterwards (not part of the table).

Usage (the default run takes about 2 minutes on 2 cores, 1.6 GB of disk; --quick about 10 s):
    python scripts/bench_audit.py [--sizes 10000,100000,1000000] [--probe-accounts 10]
                                  [--accounts 400] [--months 5] [--runs 30] [--cold-runs 10]
                                  [--rebuild-runs 3] [--audit-runs 3] [--correction-runs 3]
                                  [--parts 1,2,3] [--workdir DIR] [--keep] [--seed S] [--quick] [--profile]

Needs linkledger installed in the interpreter that runs it (`pip install -e .` in this
checkout): the code imports itself as `linkledger.*`, a name a bare checkout does not have.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import hashlib
import io
import pstats
import random
import shlex
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench_report import code_state, machine
from linkledger.domain.billing_day import add_months
from linkledger.domain.documents import canonical
from linkledger.domain.events import account_id
from linkledger.domain.price_book import PriceEntry
from linkledger.domain.price_correction import PriceCorrection
from linkledger.domain.rule_library import RULE_LIBRARY_ID
from linkledger.infrastructure.bootstrap import open_ledger, record_rule_files
from linkledger.infrastructure.event_log import EventLog
from linkledger.infrastructure.history import AccountHistory, audit_account
from linkledger.infrastructure.ledger import LinkLedger
from linkledger.infrastructure.rebuild import rebuild
from linkledger.infrastructure.view_stores import open_view_store
from linkledger.projections.catalog import PROJECTIONS

ROOT = Path(__file__).resolve().parents[1]

ZENLAYER_PRICES = ROOT / "examples" / "zenlayer" / "prices.toml"
START = datetime(2026, 1, 1, tzinfo=UTC)
TIERS = [100, 200, 500, 1000]

AS_AT_TARGET_MS = 50.0
FLAT_TARGET = 1.5
CORRECTION_TARGET = 0.03

# Part 1: the probe account and its look-alikes.
PROBE = "ACME-0"
PROBE_PERIOD = "2026-03"
PROBE_END = datetime(2026, 4, 20, tzinfo=UTC)  # settled up to here: Jan, Feb, Mar issued; April in draft
AS_ATS = [
    ("March provisional", datetime(2026, 3, 25, 12, tzinfo=UTC)),
    ("March issued", datetime(2026, 4, 10, 12, tzinfo=UTC)),
]

# Parts 2-3: the benchmark's own price book, the only one to price TYO.
BENCH_BOOK = """\
# Written by scripts/bench_audit.py: a site no other book prices, used by ~1 % of the
# benchmark fleet, so that a correction of its port price touches exactly those accounts.
vendor = "zenlayer"
version = "bench-audit-tyo-2026-01-01"
effective_on = 2026-01-01
currencies = ["USD"]
note = "benchmark only, not vendor prices"
entries = [
  {item = "port", match = { site = "TYO", speed = "10G" }, per = "day", price = { USD = "12.00" }},
  {item = "private_connect", match = { sites = "HKG~TYO" }, up_to_mbps = 100, per = "day", price = { USD = "6.00" }},
  {item = "private_connect", match = { sites = "HKG~TYO" }, up_to_mbps = 200, per = "day", price = { USD = "11.00" }},
  {item = "private_connect", match = { sites = "HKG~TYO" }, up_to_mbps = 500, per = "day", price = { USD = "24.00" }},
  {item = "private_connect", match = { sites = "HKG~TYO" }, up_to_mbps = 1000, per = "day", price = { USD = "40.00" }},
]
"""
CORRECTED_ENTRY = {"item": "port", "match": {"site": "TYO", "speed": "10G"}}
CORRECTED_PRICE = Decimal("13.50")


# ============================================================================ helpers
def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def remove_store(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def file_mib(path: Path) -> float:
    return sum(Path(f"{path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{path}{s}").exists()) / (1 << 20)


def checkpoint(path: Path) -> None:
    """Fold the WAL into the main file, so that a copy of the main file is the whole store."""
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


def event_count(path: Path) -> int:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(db.execute("SELECT MAX(rowid) FROM stored_events").fetchone()[0] or 0)
    finally:
        db.close()


class Profiler:
    """cProfile around a block when enabled; prints the top entries by cumulative and own time."""

    def __init__(self, enabled: bool, top: int = 20) -> None:
        self.enabled = enabled
        self.top = top

    @contextlib.contextmanager
    def __call__(self, label: str) -> Iterator[None]:
        if not self.enabled:
            yield
            return
        profile = cProfile.Profile()
        profile.enable()
        try:
            yield
        finally:
            profile.disable()
            stats = pstats.Stats(profile)
            for order in ("cumulative", "tottime"):
                out = io.StringIO()
                stats.stream = out  # type: ignore[attr-defined]
                stats.sort_stats(order).print_stats(self.top)
                print(f"\n--- cProfile: {label}, top {self.top} by {order} ---")
                print("\n".join(line for line in out.getvalue().splitlines()[4:] if line.strip()))


@dataclass
class Command:
    at: datetime
    seq: int
    method: str
    args: tuple[Any, ...]


def run_commands(ledger: LinkLedger, commands: list[Command]) -> None:
    for c in sorted(commands, key=lambda c: (c.at, c.seq)):
        getattr(ledger, c.method)(*c.args)


def bandwidth_moves(
    rng: random.Random, name: str, created: datetime, end: datetime, bw: int, seq: Callable[[], int]
) -> list[Command]:
    """0-2 raises or cuts per month, from five days after creation."""
    out = []
    month = created.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    while month < end:
        for day in sorted(rng.sample(range(27), rng.choices([0, 1, 2], weights=[5, 3, 1])[0])):
            at = month + timedelta(days=day, hours=rng.randint(6, 20))
            if at < created + timedelta(days=5) or at >= end:
                continue
            other = rng.choice([t for t in TIERS if t != bw])
            out.append(Command(at, seq(), "raise_bandwidth" if other > bw else "cut_bandwidth", (name, other, at)))
            bw = other
        month = add_months(month, 1)
    return out


class Seq:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> int:
        self.n += 1
        return self.n


def zenlayer_account(
    rng: random.Random,
    seq: Seq,
    name: str,
    opened: datetime,
    end: datetime,
    z_site: str,
    connects: int,
    extra_port: bool,
    first_bw: int | None = None,
) -> list[Command]:
    """Open, top up, ports at HKG and `z_site` (and maybe a 1G at HKG), cross connects
    completed hours later, `connects` private connects HKG~z_site whose bandwidth moves."""
    t = opened
    a, z = f"{name}-HKG", f"{name}-{z_site}"
    out = [
        Command(t, seq(), "open_account", (name, "zenlayer", "USD", t)),
        Command(t, seq(), "top_up", (name, "100000.00", None, t)),
        Command(t, seq(), "order_port", (name, a, "HKG", "10G", t)),
        Command(t, seq(), "order_port", (name, z, z_site, "10G", t)),
    ]
    ports = [a, z]
    if extra_port:
        out.append(Command(t, seq(), "order_port", (name, f"{name}-HKG1", "HKG", "1G", t)))
        ports.append(f"{name}-HKG1")
    for port in ports:
        done = t + timedelta(hours=rng.randint(2, 30))
        out.append(Command(done, seq(), "complete_cross_connect", (port, done)))
    for j in range(connects):
        pc = f"{name}-PC{j}"
        created = t + timedelta(hours=1 + j)
        bw = first_bw if first_bw is not None and j == 0 else rng.choice(TIERS)
        out.append(Command(created, seq(), "create_private_connect", (name, pc, f"port:{a}", f"port:{z}", bw, created)))
        out += bandwidth_moves(rng, pc, created, end, bw, seq)
    return out


# ============================================================== part 1: --as-at vs size
def build_probe_store(path: Path, accounts: int, seed: int) -> None:
    remove_store(path)
    rng = random.Random(seed)
    seq = Seq()
    ledger = open_ledger(str(path))
    try:
        record_rule_files(ledger, [ZENLAYER_PRICES], [], START)
        commands: list[Command] = []
        for i in range(accounts):
            opened = datetime(2026, 1, 5, 9, tzinfo=UTC) + timedelta(hours=i)
            commands += zenlayer_account(
                rng,
                seq,
                f"ACME-{i}",
                opened,
                PROBE_END,
                "SIN",
                1,
                extra_port=i % 2 == 1,
                first_bw=200 if i == 0 else None,
            )
        run_commands(ledger, commands)
        ledger.advance_to(PROBE_END)
    finally:
        ledger.close()
    checkpoint(path)


def pad_store(path: Path, target: int, rng: random.Random) -> tuple[int, float]:
    """Copy the rows of every non-rule aggregate of the original store under fresh random
    originator ids until the log holds `target` events; one transaction. Returns (rows
    added, seconds)."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        have = int(db.execute("SELECT MAX(rowid) FROM stored_events").fetchone()[0] or 0)
        if have >= target:
            return 0, 0.0
        started = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.execute(
            "CREATE TEMP TABLE src AS SELECT rowid AS r, originator_id AS oid, originator_version AS v, "
            "topic, state FROM stored_events WHERE rowid <= (SELECT value FROM linkledger_meta "
            "WHERE key = 'bench_audit_original_head') AND originator_id != ?",
            (RULE_LIBRARY_ID.hex,),
        )
        db.execute("CREATE TEMP TABLE idmap (old TEXT PRIMARY KEY, new TEXT NOT NULL)")
        old_ids = [r[0] for r in db.execute("SELECT DISTINCT oid FROM temp.src")]
        per_round = int(db.execute("SELECT COUNT(*) FROM temp.src").fetchone()[0])
        added = 0
        while have + added < target:
            db.execute("DELETE FROM temp.idmap")
            db.executemany(
                "INSERT INTO temp.idmap VALUES (?, ?)",
                [(old, uuid.UUID(int=rng.getrandbits(128), version=4).hex) for old in old_ids],
            )
            n = min(per_round, target - have - added)
            db.execute(
                "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
                "SELECT m.new, s.v, s.topic, s.state FROM temp.src s JOIN temp.idmap m ON m.old = s.oid "
                "ORDER BY s.r LIMIT ?",
                (n,),
            )
            added += n
        db.execute("COMMIT")
        db.execute("DROP TABLE temp.src")
        db.execute("DROP TABLE temp.idmap")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return added, time.perf_counter() - started
    finally:
        db.close()


@dataclass
class AsAtResult:
    size: int
    path: Path
    pad_rows: int
    pad_seconds: float
    store_mib: float
    warm: dict[str, list[float]] = field(default_factory=dict)
    cold: dict[str, list[float]] = field(default_factory=dict)
    opens: list[float] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)


def digest(doc: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(doc)).hexdigest()[:12]


def time_as_at(ledger: LinkLedger, as_at: datetime) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    doc = AccountHistory(ledger, PROBE, as_at).invoice(PROBE_PERIOD)
    return time.perf_counter() - started, doc


def measure_as_at(results: list[AsAtResult], runs: int, cold_runs: int) -> None:
    """Round-robin over the sizes (one call at each size in turn), so that the machine's
    slow and fast spells hit every size alike. Warm: one ledger per size, kept open, after
    one untimed call. Cold: a freshly opened ledger for each call."""
    ledgers = [open_ledger(str(r.path), must_exist=True) for r in results]
    try:
        for r, ledger in zip(results, ledgers, strict=True):
            for label, as_at in AS_ATS:
                _, doc = time_as_at(ledger, as_at)  # untimed: the first call on this ledger
                r.digests[label] = digest(doc)
                r.warm[label], r.cold[label] = [], []
        for _ in range(runs):
            for r, ledger in zip(results, ledgers, strict=True):
                for label, as_at in AS_ATS:
                    r.warm[label].append(time_as_at(ledger, as_at)[0])
    finally:
        for ledger in ledgers:
            ledger.close()
    for _ in range(cold_runs):
        for r in results:
            for label, as_at in AS_ATS:
                started = time.perf_counter()
                ledger = open_ledger(str(r.path), must_exist=True)
                r.opens.append(time.perf_counter() - started)
                try:
                    r.cold[label].append(time_as_at(ledger, as_at)[0])
                finally:
                    ledger.close()


def probe_facts(path: Path) -> list[str]:
    """What the probe's replay reads: its events and its resources'."""
    ledger = open_ledger(str(path), must_exist=True)
    try:
        now = AccountHistory(ledger, PROBE)
        ids = [account_id(PROBE), *(r.resource_id for r in now.account.resources)]
        per = {i: len(list(ledger.events.get(i))) for i in ids}
        out = [
            f"probe {PROBE}: {per[ids[0]]} account events + {sum(per.values()) - per[ids[0]]} events of "
            f"{len(ids) - 1} resources = {sum(per.values())} events read per replay; opened "
            f"{now.events[0].at:%Y-%m-%d}, settled to {PROBE_END:%Y-%m-%d}; invoices issued: "
            + ", ".join(e.period for e in now.events if type(e).__name__ == "InvoiceIssued")
        ]
        for label, as_at in AS_ATS:
            h = AccountHistory(ledger, PROBE, as_at)
            doc = h.invoice(PROBE_PERIOD)
            out.append(
                f"  as at {as_at:%Y-%m-%d %H:%M} ({label}): {len(h.events)} account events folded, "
                f"{PROBE_PERIOD} is {doc.get('status')}, {len(doc.get('lines', []))} lines, "
                f"total {doc.get('total')}"
            )
        return out
    finally:
        ledger.close()


def part_as_at(args: argparse.Namespace, workdir: Path, profile: Profiler) -> list[AsAtResult]:
    path = workdir / "as-at.db"
    print(
        f"\n=== 1. --as-at replay of one account-month vs store size ({', '.join(f'{s:,}' for s in args.sizes)} "
        "events) ===",
        flush=True,
    )
    head = write_probe_store(path, args)
    results = pad_to_sizes(path, workdir, args, head)
    print(
        f"timing: {args.runs} warm and {args.cold_runs} cold calls per size and as-at, one size after the other "
        "in turn (this machine has fast and slow spells of seconds; interleaving makes them hit every size "
        "alike) ...",
        flush=True,
    )
    gc.collect()
    measure_as_at(results, args.runs, args.cold_runs)
    print_as_at(results)
    if profile.enabled:
        ledger = open_ledger(str(path), must_exist=True)
        try:
            with profile(f"--as-at ({AS_ATS[0][0]}) x {args.runs} at {results[-1].size:,} events, warm"):
                for _ in range(args.runs):
                    time_as_at(ledger, AS_ATS[0][1])
        finally:
            ledger.close()
    if not args.keep:
        for result in results:
            remove_store(result.path)
    return results


def write_probe_store(path: Path, args: argparse.Namespace) -> int:
    """The probe store, written by real commands; returns its number of events."""
    started = time.perf_counter()
    build_probe_store(path, args.probe_accounts, args.seed)
    head = event_count(path)
    db = sqlite3.connect(path)
    db.execute("INSERT OR REPLACE INTO linkledger_meta VALUES ('bench_audit_original_head', ?)", (str(head),))
    db.commit()
    db.close()
    print(
        f"wrote {path}: {args.probe_accounts} accounts ACME-0..ACME-{args.probe_accounts - 1}, {head:,} events "
        f"(real commands + advance_to) in {time.perf_counter() - started:.1f}s"
    )
    for line in probe_facts(path):
        print(line)
    print(
        f"padding: copies of the {head:,} real events of those accounts and their resources (not the rule "
        "library) under fresh random originator ids, appended to stored_events by INSERT ... SELECT, one "
        "transaction per size. The copies are in no index (due accounts, invoices, price usage): they make the "
        "log and its primary key bigger, nothing else."
    )
    if head > args.sizes[0]:
        print(f"note: the unpadded store already holds {head:,} events, more than the smallest size")
    return head


def pad_to_sizes(path: Path, workdir: Path, args: argparse.Namespace, head: int) -> list[AsAtResult]:
    """Pad the store to each size in turn; every size but the last is kept as a byte copy."""
    rng = random.Random(args.seed + 100)
    results: list[AsAtResult] = []
    for n, size in enumerate(args.sizes):
        added, seconds = pad_store(path, size, rng)
        at = path
        if n < len(args.sizes) - 1:  # a byte copy keeps this size for the interleaved timing
            at = workdir / f"as-at-{size}.db"
            remove_store(at)
            shutil.copyfile(path, at)
        results.append(AsAtResult(max(size, head), at, added, seconds, file_mib(path)))
        print(
            f"  padded to {event_count(path):,} events ({results[-1].store_mib:,.0f} MiB): {added:,} rows in "
            f"{seconds:.1f}s",
            flush=True,
        )
    return results


def print_as_at(results: list[AsAtResult]) -> None:
    for result in results:
        print(f"  {result.size:,} events:")
        for label, _ in AS_ATS:
            w, c = result.warm[label], result.cold[label]
            print(
                f"    {label:<18} warm median {ms(statistics.median(w)):>8} (min {ms(min(w))}, max {ms(max(w))});"
                f"  cold median {ms(statistics.median(c)):>8} (min {ms(min(c))}, max {ms(max(c))});  "
                f"document {result.digests[label]}"
            )
        print(
            f"    open_ledger before each cold call (not in the figures above): median "
            f"{ms(statistics.median(result.opens))}"
        )
    for label, _ in AS_ATS:
        same = len({r.digests[label] for r in results}) == 1
        print(f"  {label}: the same document at every size: {'yes' if same else 'NO'}")


# ================================================================= parts 2-3: the fleet
@dataclass
class Fleet:
    path: Path
    accounts: int
    special: list[str]
    events: int
    invoices: int
    seconds: float
    end: datetime
    watermark: datetime


def special_indices(accounts: int) -> list[int]:
    """~1 % of the fleet, spread evenly (at least one)."""
    n = max(1, round(accounts / 100))
    return [int((k + 0.5) * accounts / n) for k in range(n)]


def generate_fleet(path: Path, book: Path, accounts: int, months: int, seed: int) -> Fleet:
    remove_store(path)
    end = add_months(START, months) + timedelta(hours=2)  # every month issued (on the 1st at 01:00)
    rng = random.Random(seed)
    seq = Seq()
    special = set(special_indices(accounts))
    commands: list[Command] = []
    for i in range(accounts):
        opened = START + timedelta(days=rng.randrange(0, 14), minutes=rng.randrange(0, 20 * 60))
        commands += zenlayer_account(
            rng,
            seq,
            f"F{i:04d}",
            opened,
            end,
            "TYO" if i in special else "SIN",
            rng.choice([1, 1, 2]),
            extra_port=rng.random() < 0.3,
        )
    started = time.perf_counter()
    ledger = open_ledger(str(path))
    try:
        record_rule_files(ledger, [ZENLAYER_PRICES, book], [], START)
        run_commands(ledger, commands)
        commanded = time.perf_counter() - started
        print(f"  {len(commands):,} commands in {commanded:.1f}s; advance_to({end:%Y-%m-%d %H:%M}) ...", flush=True)
        report = ledger.advance_to(end)
        if report.stuck:
            print(f"  WARNING: {len(report.stuck)} account(s) stuck: {report.stuck[0].message}")
        watermark = ledger.watermark()
        assert watermark is not None
        invoices = len(ledger.recorder.invoices())
    finally:
        ledger.close()
    seconds = time.perf_counter() - started
    checkpoint(path)
    return Fleet(
        path, accounts, [f"F{i:04d}" for i in sorted(special)], event_count(path), invoices, seconds, end, watermark
    )


def time_rebuild(fleet: Fleet, views: Path) -> tuple[float, int]:
    remove_store(views)
    store = open_view_store(str(views))
    ledger = open_ledger(str(fleet.path), must_exist=True)
    try:
        started = time.perf_counter()
        report = rebuild(EventLog(ledger), store, PROJECTIONS["invoices"], page_size=1000, progress=None)
        seconds = time.perf_counter() - started
    finally:
        ledger.close()
        store.close()
        remove_store(views)
    return seconds, report.events


def time_audit(fleet: Fleet) -> tuple[float, int, int, int]:
    """`linkledger audit --all`: (seconds, invoices audited, passed, accounts)."""
    ledger = open_ledger(str(fleet.path), must_exist=True)
    try:
        started = time.perf_counter()
        rows = ledger.recorder.invoices()
        results = []
        accounts = list(dict.fromkeys(r.account_id for r in rows))
        for aid in accounts:
            results += audit_account(ledger, aid)
        seconds = time.perf_counter() - started
    finally:
        ledger.close()
    return seconds, len(results), sum(r.passed for r in results), len(accounts)


def the_correction(fleet: Fleet, months: int) -> PriceCorrection:
    valid_from = add_months(START, max(months - 2, 0)).date()
    return PriceCorrection(
        id="bench-tyo-port",
        vendor="zenlayer",
        valid_from=valid_from,
        reason=f"benchmark: the TYO 10G port was {CORRECTED_PRICE} a day from {valid_from}",
        entries=[
            PriceEntry(
                item=CORRECTED_ENTRY["item"], match=CORRECTED_ENTRY["match"], per="day", price={"USD": CORRECTED_PRICE}
            )
        ],
    )


@dataclass
class CorrectionRun:
    preview_cold: float
    preview_warm: float
    record: float
    apply: float
    accounts_previewed: int
    lines: int
    difference: Decimal
    adjusted: dict[str, int]
    affected_index: int

    @property
    def applied(self) -> float:
        return self.record + self.apply


def time_correction(fleet: Fleet, copy: Path, correction: PriceCorrection) -> CorrectionRun:
    """The dry run on a freshly opened ledger (then again on the same one), and the applied
    run on another freshly opened ledger: it does not profit from the dry run's cache."""
    remove_store(copy)
    shutil.copyfile(fleet.path, copy)
    try:
        ledger = open_ledger(str(copy), must_exist=True)
        try:
            started = time.perf_counter()
            preview = ledger.preview_correction(correction)
            preview_cold = time.perf_counter() - started
            started = time.perf_counter()
            ledger.preview_correction(correction)
            preview_warm = time.perf_counter() - started
            affected = len(ledger.correction_accounts(correction))
        finally:
            ledger.close()
        ledger = open_ledger(str(copy), must_exist=True)
        try:
            at = ledger.watermark()
            assert at is not None
            started = time.perf_counter()
            recorded = ledger.record_correction(correction, "bench", at)
            record = time.perf_counter() - started
            assert recorded
            started = time.perf_counter()
            adjusted = ledger.apply_corrections().re_rated
            apply = time.perf_counter() - started
        finally:
            ledger.close()
    finally:
        remove_store(copy)
    return CorrectionRun(
        preview_cold,
        preview_warm,
        record,
        apply,
        len(preview),
        sum(len(lines) for _, lines in preview),
        sum((x.difference for _, lines in preview for x in lines), Decimal(0)),
        adjusted,
        affected,
    )


@dataclass
class FleetResults:
    fleet: Fleet
    rebuilds: list[float]
    rebuild_events: int
    audit: tuple[float, int, int, int] | None = None
    corrections: list[CorrectionRun] = field(default_factory=list)

    @property
    def rebuild(self) -> float:
        return statistics.median(self.rebuilds)


def part_fleet(args: argparse.Namespace, workdir: Path, profile: Profiler) -> FleetResults:
    book = workdir / "bench-prices" / "zenlayer-tyo.toml"
    book.parent.mkdir(parents=True, exist_ok=True)
    book.write_text(BENCH_BOOK, encoding="utf-8")
    path = workdir / f"fleet-{args.accounts}a-{args.months}m.db"
    fleet = build_fleet(path, book, args)
    correction = the_correction(fleet, args.months)
    rounds = Rounds(
        rebuild=args.rebuild_runs,
        audit=args.audit_runs if 2 in args.parts else 0,
        correction=args.correction_runs if 3 in args.parts else 0,
    )
    print_rounds_plan(rounds, correction)
    results = FleetResults(fleet, [], 0)
    audits: list[tuple[float, int, int, int]] = []
    for r in range(max(rounds.rebuild, rounds.audit, rounds.correction)):
        print(f"  round {r + 1}:", flush=True)
        run_round(r, rounds, fleet, workdir, correction, results, audits)
    print_fleet_medians(results, audits)
    if profile.enabled:
        profile_fleet(args, workdir, fleet, correction, profile)
    if not args.keep:
        remove_store(path)
    return results


@dataclass(frozen=True)
class Rounds:
    """How many rounds time each measure."""

    rebuild: int
    audit: int
    correction: int


def build_fleet(path: Path, book: Path, args: argparse.Namespace) -> Fleet:
    print(
        f"\n=== 2-3. fleet: {args.accounts} Zenlayer accounts over {args.months} months from {START:%Y-%m-%d} "
        f"===\ngenerating {path} (prices: {ZENLAYER_PRICES.relative_to(ROOT)} + {book}) ...",
        flush=True,
    )
    fleet = generate_fleet(path, book, args.accounts, args.months, args.seed)
    print(
        f"generated {fleet.events:,} events, {fleet.invoices:,} issued invoices in {fleet.seconds:.1f}s "
        f"({file_mib(path):.0f} MiB); watermark {fleet.watermark:%Y-%m-%d %H:%M}"
    )
    print(
        f"accounts with a TYO port (the only users of the benchmark book's entries): {len(fleet.special)} of "
        f"{fleet.accounts} ({len(fleet.special) / fleet.accounts:.1%}): {', '.join(fleet.special)}"
    )
    return fleet


def print_rounds_plan(rounds: Rounds, correction: PriceCorrection) -> None:
    entry = correction.entries[0]
    print(
        f"\nin rounds (so that the machine's slow and fast spells hit each measure alike): a full rebuild of the "
        f"invoice view into a fresh SQLite view file (x {rounds.rebuild})"
        + (f"; audit --all (x {rounds.audit})" if rounds.audit else "")
        + (
            f"; the price correction {correction.id} ({entry.describe()} -> {CORRECTED_PRICE} USD/day from "
            f"{correction.valid_from}), dry run and applied, each on a freshly opened ledger, on a fresh copy of "
            f"the fleet store (x {rounds.correction})"
            if rounds.correction
            else ""
        )
        + " ...",
        flush=True,
    )


def run_round(
    r: int,
    rounds: Rounds,
    fleet: Fleet,
    workdir: Path,
    correction: PriceCorrection,
    results: FleetResults,
    audits: list[tuple[float, int, int, int]],
) -> None:
    """Round `r`: each measure that still has rounds to go, once."""
    if r < rounds.rebuild:
        gc.collect()
        seconds, events = time_rebuild(fleet, workdir / f"views-{r}.db")
        results.rebuilds.append(seconds)
        results.rebuild_events = events
        print(
            f"    rebuild: {seconds:.2f}s ({events:,} events read, {fleet.invoices / seconds:,.0f} invoices/s, "
            f"{events / seconds:,.0f} events/s)",
            flush=True,
        )
    if r < rounds.audit:
        gc.collect()
        audits.append(time_audit(fleet))
        seconds, audited, passed, accounts = audits[-1]
        print(
            f"    audit --all: {audited:,} issued invoices of {accounts} accounts in {seconds:.2f}s "
            f"({audited / seconds:,.0f} invoices/s, {seconds / audited * 1000:.1f} ms each): {passed:,} "
            f"byte-identical, {audited - passed} differ",
            flush=True,
        )
    if r < rounds.correction:
        gc.collect()
        run = time_correction(fleet, workdir / "correction.db", correction)
        results.corrections.append(run)
        print(
            f"    correction: the price-usage index names {run.affected_index} account(s); dry run "
            f"{ms(run.preview_cold)} (again on the same ledger: {ms(run.preview_warm)}): "
            f"{run.accounts_previewed} account(s), {run.lines} adjustment line(s), +{run.difference} USD; "
            f"applied {ms(run.applied)} (record {ms(run.record)} + apply {ms(run.apply)}): {run.adjusted}",
            flush=True,
        )


def print_fleet_medians(results: FleetResults, audits: list[tuple[float, int, int, int]]) -> None:
    fleet = results.fleet
    print(f"  rebuild median {results.rebuild:.2f}s")
    if audits:
        seconds = statistics.median(a[0] for a in audits)
        results.audit = (seconds, *audits[0][1:])
        audited = audits[0][1]
        print(
            f"  audit --all median {seconds:.2f}s; audit / rebuild: time {seconds / results.rebuild:.2f}x, "
            f"throughput {(audited / seconds) / (fleet.invoices / results.rebuild):.2f}x the rebuild's invoices/s"
        )
    if results.corrections:
        dry = statistics.median(r.preview_cold for r in results.corrections)
        applied = statistics.median(r.applied for r in results.corrections)
        print(
            f"  correction medians: dry run {ms(dry)} = {dry / results.rebuild:.2%} of the rebuild; applied "
            f"{ms(applied)} = {applied / results.rebuild:.2%} of the rebuild"
        )


def profile_fleet(
    args: argparse.Namespace, workdir: Path, fleet: Fleet, correction: PriceCorrection, profile: Profiler
) -> None:
    if 2 in args.parts:
        with profile("audit --all"):
            time_audit(fleet)
    with profile("full rebuild of the invoice view"):
        time_rebuild(fleet, workdir / "views-profile.db")
    if 3 in args.parts:
        copy = workdir / "correction.db"
        shutil.copyfile(fleet.path, copy)
        try:
            ledger = open_ledger(str(copy), must_exist=True)
            try:
                with profile("correction dry run"):
                    ledger.preview_correction(correction)
            finally:
                ledger.close()
            ledger = open_ledger(str(copy), must_exist=True)
            try:
                at = ledger.watermark()
                assert at is not None
                with profile("correction applied (record + apply)"):
                    ledger.record_correction(correction, "bench", at)
                    ledger.apply_corrections()
            finally:
                ledger.close()
        finally:
            remove_store(copy)


# ============================================================================ the report
def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    head = ("measure", "measured", "target", "verdict")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]

    def line(values: tuple[str, ...]) -> str:
        return (
            "| "
            + " | ".join(
                v.rjust(w) if i == 1 else v.ljust(w) for i, (v, w) in enumerate(zip(values, widths, strict=True))
            )
            + " |"
        )

    print(line(head))
    print("|" + "|".join(("-" * (w + 1) + ":") if i == 1 else ("-" * (w + 2)) for i, w in enumerate(widths)) + "|")
    for r in rows:
        print(line(r))


def verdict(ok: bool) -> str:
    return "met" if ok else "missed"


def summary(args: argparse.Namespace, as_at: list[AsAtResult], fleet: FleetResults | None) -> None:
    rows: list[tuple[str, str, str, str]] = []
    if as_at:
        small, big = as_at[0], as_at[-1]
        for label, when in AS_ATS:
            for kind in ("warm", "cold"):
                m_big = statistics.median(getattr(big, kind)[label])
                m_small = statistics.median(getattr(small, kind)[label])
                rows.append(
                    (
                        f"as-at {label} ({when:%m-%d %H:%M}), {kind} median at {big.size:,} events",
                        ms(m_big),
                        f"<= {AS_AT_TARGET_MS:.0f} ms",
                        verdict(m_big * 1000 <= AS_AT_TARGET_MS),
                    )
                )
                rows.append(
                    (
                        f"as-at {label}, {kind}: {big.size:,} / {small.size:,} events",
                        f"{m_big / m_small:.2f}x",
                        f"<= {FLAT_TARGET}x",
                        verdict(m_big / m_small <= FLAT_TARGET),
                    )
                )
    if fleet is not None:
        f = fleet.fleet
        rows.append(
            (
                f"full rebuild of the invoice view ({f.events:,} events, {f.invoices:,} invoices)",
                f"{fleet.rebuild:.2f} s",
                "(reference)",
                "",
            )
        )
        if fleet.audit is not None:
            seconds, audited, passed, _ = fleet.audit
            rebuild_rate = f.invoices / fleet.rebuild
            rows.append((f"audit --all ({audited:,} invoices, {passed:,} passed)", f"{seconds:.2f} s", "none", ""))
            rows.append(
                (
                    "audit --all invoices/s (rebuild invoices/s)",
                    f"{audited / seconds:,.0f} ({rebuild_rate:,.0f})",
                    "none",
                    "",
                )
            )
            rows.append(("audit --all time / rebuild time", f"{seconds / fleet.rebuild:.2f}x", "none", ""))
            rows.append(
                (
                    "audit --all throughput / rebuild throughput",
                    f"{(audited / seconds) / rebuild_rate:.2f}x",
                    "none",
                    "",
                )
            )
        if fleet.corrections:
            n = len(f.special)
            dry = statistics.median(r.preview_cold for r in fleet.corrections)
            applied = statistics.median(r.applied for r in fleet.corrections)
            share = f"{n} of {f.accounts} accounts"
            rows.append(
                (
                    f"correction dry run / rebuild ({share})",
                    f"{dry / fleet.rebuild:.2%}",
                    f"<= {CORRECTION_TARGET:.0%}",
                    verdict(dry / fleet.rebuild <= CORRECTION_TARGET),
                )
            )
            rows.append(
                (
                    f"correction applied / rebuild ({share})",
                    f"{applied / fleet.rebuild:.2%}",
                    f"<= {CORRECTION_TARGET:.0%}",
                    verdict(applied / fleet.rebuild <= CORRECTION_TARGET),
                )
            )
    print()
    print_table(rows)


# ============================================================================ main
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument(
        "--sizes", default=None, help="store sizes in events for --as-at, ascending (default 10000,100000,1000000)"
    )
    p.add_argument("--runs", type=int, default=None, help="warm --as-at calls per size and as-at (default 30)")
    p.add_argument(
        "--cold-runs",
        type=int,
        default=None,
        help="--as-at calls per size and as-at, each on a freshly opened ledger (default 10)",
    )
    p.add_argument(
        "--probe-accounts",
        type=int,
        default=10,
        help="accounts in the --as-at store before padding, the probe included (default 10)",
    )
    p.add_argument("--accounts", type=int, default=None, help="accounts in the fleet (default 400)")
    p.add_argument("--months", type=int, default=None, help="months of the fleet from 2026-01-01 (default 5)")
    p.add_argument("--rebuild-runs", type=int, default=None, help="full rebuilds of the invoice view (default 3)")
    p.add_argument("--audit-runs", type=int, default=None, help="audit --all runs (default 3)")
    p.add_argument(
        "--correction-runs",
        type=int,
        default=None,
        help="dry run + apply of the correction, each on a fresh copy of the fleet store (default 3)",
    )
    p.add_argument("--parts", default="1,2,3", help="which parts to run (default 1,2,3)")
    p.add_argument("--seed", type=int, default=7, help="seed of the generated accounts (default 7)")
    p.add_argument(
        "--quick",
        action="store_true",
        help="a small run: sizes 2000,20000, 100 accounts over 4 months, fewer repetitions",
    )
    p.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where the stores go (default: a temporary directory under /tmp, removed at the end)",
    )
    p.add_argument("--keep", action="store_true", help="keep the stores in --workdir")
    p.add_argument(
        "--profile",
        action="store_true",
        help="after the timed runs, run --as-at, audit --all, the rebuild and the correction again "
        "under cProfile and print the top entries (not part of the table)",
    )
    args = p.parse_args(argv)
    quick = args.quick
    defaults = {
        "sizes": "2000,20000" if quick else "10000,100000,1000000",
        "runs": 5 if quick else 30,
        "cold_runs": 2 if quick else 10,
        "accounts": 100 if quick else 400,
        "months": 4 if quick else 5,
        "rebuild_runs": 1 if quick else 3,
        "audit_runs": 1 if quick else 3,
        "correction_runs": 1 if quick else 3,
    }
    for k, v in defaults.items():
        if getattr(args, k) is None:
            setattr(args, k, v)
    args.sizes = sorted(int(s.replace("_", "")) for s in str(args.sizes).split(",") if s.strip())
    args.parts = {int(s) for s in args.parts.split(",") if s.strip()}
    if args.keep and args.workdir is None:
        p.error("--keep needs --workdir")
    if args.months < 3:
        p.error("--months must be at least 3 (the correction re-rates issued months)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    temporary = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="linkledger-bench-audit-")) if temporary else args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    command = shlex.join([sys.executable, *sys.argv])
    started = time.perf_counter()
    print(f"machine: {machine()}")
    print(f"code: {code_state()}")
    print(f"command: {command}")
    print(f"workdir: {workdir}")
    profile = Profiler(args.profile)
    try:
        as_at = part_as_at(args, workdir, profile) if 1 in args.parts else []
        fleet = part_fleet(args, workdir, profile) if args.parts & {2, 3} else None
        summary(args, as_at, fleet)
    finally:
        if temporary:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"\ncommand: {command}")
    print(f"wall time: {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
