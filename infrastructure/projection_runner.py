"""The projection runner: catch views up from their checkpoints, in batches.

One read of the log feeds every projection (each skips what is at or below its own
checkpoint). After each page, each projection's batch goes to the view store in one
atomic step with its checkpoint. The store writes a page's batches in a writer thread
while the next page is decoded and projected (the store's I/O and the projection's
Python overlap); a page's batches are confirmed before the next page's are handed over. A projection that fails on an event stops: its
good events before that one are flushed, the failure (event, error) is recorded in
the build's meta and reported, and the view keeps serving as it was. The other
projections go on.

If the view store refuses a batch (another runner moved the checkpoint, or the
build is gone), the lane forgets what it cached, re-reads its checkpoint and active
build, and continues from there. If the view store cannot be reached, the runner
retries with a backoff until `store_retry_seconds` pass.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Self, TextIO

import redis
from eventsourcing.persistence import Tracking
from linkledger.infrastructure.event_log import EventLog
from linkledger.infrastructure.view_store import Build, ViewStore, ViewStoreError
from linkledger.projections.projection import Projection, ViewBatch

TRANSIENT = (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError)


class ProjectionStopped(ViewStoreError):
    """A projection failed on an event and stopped; its view serves what it had."""


@dataclass
class Failure:
    nid: int
    topic: str
    originator: str
    version: int
    error: str

    def report(self, build: Build, good_through: int) -> str:
        return (
            f"projection {build.projection} (build {build.build}) stopped at event {self.nid} "
            f"({self.topic}, aggregate {self.originator} v{self.version}): {self.error}. "
            f"Its view keeps serving everything up to event {good_through}; fix the cause and run "
            f"`linkledger project` again to retry from there."
        )


@dataclass(eq=False)  # lanes are told apart by identity
class Lane:
    projection: Projection
    build: Build
    cp: int
    batch: ViewBatch
    follow_active: bool  # switch to whatever build becomes active (a rebuild's flip)
    failure: Failure | None = None


@dataclass
class Report:
    events_read: int = 0
    pages: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)
    checkpoints: dict[str, int] = field(default_factory=dict)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Progress:
    """A progress bar on a terminal, a line every few seconds otherwise."""

    def __init__(self, total: int, out: TextIO | None = None, label: str = "catching up") -> None:
        self.total = max(total, 1)
        self.out = out
        self.label = label
        self.started = time.monotonic()
        self.last_print = 0.0
        self.tty = bool(out and out.isatty())

    def update(self, done: int, final: bool = False) -> None:
        if self.out is None:
            return
        now = time.monotonic()
        if not final and now - self.last_print < (0.2 if self.tty else 5.0):
            return
        self.last_print = now
        elapsed = max(now - self.started, 1e-9)
        rate = done / elapsed
        share = min(done / self.total, 1.0)
        eta = (self.total - done) / rate if rate > 0 else 0.0
        bar = "#" * int(share * 30)
        text = (
            f"{self.label} [{bar:<30}] {share:4.0%} {done:,}/{self.total:,} events, {rate:,.0f} ev/s, ETA {eta:,.0f}s"
        )
        if self.tty:
            self.out.write("\r" + text + ("\n" if final else ""))
        else:
            self.out.write(text + "\n")
        self.out.flush()


class ProjectionRunner:
    def __init__(
        self,
        log: EventLog,
        store: ViewStore,
        projections: Iterable[Projection],
        *,
        builds: dict[str, Build] | None = None,
        page_size: int = 1000,
        cache_limit: int = 100_000,
        progress: TextIO | None = None,
        store_retry_seconds: float = 300.0,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> None:
        self.log = log
        self.store = store
        self.page_size = page_size
        self.cache_limit = cache_limit
        self.progress_out = progress
        self.store_retry_seconds = store_retry_seconds
        self.should_stop = should_stop
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="view-writer")
        self._pending: tuple[list[Lane], int, Future[list[int]]] | None = None
        self._outage_deadline: float | None = None
        self.lanes: list[Lane] = []
        for p in projections:
            build = (builds or {}).get(p.name)
            self.lanes.append(self._lane(p, build))

    # ------------------------------------------------------------------ lanes
    def _lane(self, projection: Projection, build: Build | None) -> Lane:
        follow_active = build is None
        if build is None:
            build = self._retrying(lambda: self._active_or_new(projection))
        cp = self._retrying(lambda: self.store.checkpoint(build))
        complete = cp == 0
        announced = self._retrying(lambda: self.store.feed_high_water(projection.name))
        batch = ViewBatch(
            lambda k, f, b=build: self._retrying(lambda: self.store.hget(b, k, f)),
            cache_limit=self.cache_limit,
            complete=complete,
            announced_through=announced,
        )
        return Lane(projection, build, cp, batch, follow_active)

    def _active_or_new(self, projection: Projection) -> Build:
        active = self.store.active(projection.name)
        if active is not None and active in self.store.builds(projection.name):
            build = Build(projection.name, active)
            if build.version != projection.version:
                raise ViewStoreError(
                    f"the {projection.name} view serves build {active}, made by version {build.version} of its "
                    f"mapping, but this code is version {projection.version}; run `linkledger rebuild "
                    f"{projection.name}` to build version {projection.version} beside it and switch readers"
                )
            return build
        build = self.store.new_build(projection.name, projection.version)
        self.store.activate(build)
        return build

    def _resync(self, lane: Lane) -> Lane:
        """The store refused a batch: start this lane over from what the store holds."""
        build = None if lane.follow_active else lane.build
        if build is not None and build.build not in self.store.builds(build.projection):
            raise ViewStoreError(f"{build} was removed while this runner was writing to it")
        fresh = self._lane(lane.projection, build)
        self.lanes[self.lanes.index(lane)] = fresh
        return fresh

    def close(self) -> None:
        """Wait for the batches in flight, then stop the writer thread."""
        try:
            self._settle()
        finally:
            self._writer.shutdown(wait=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- running
    def catch_up(self, until: int | None = None) -> Report:
        """Bring every lane to the log head (or to `until`), then return."""
        report = Report()
        started = time.monotonic()
        head = self.log.head()
        target = head if until is None else min(until, head)
        first = min((lane.cp for lane in self._running()), default=target)
        progress = Progress(target - first, self.progress_out) if target - first > self.page_size else None
        while not self.should_stop():
            running = self._running()
            if not running:
                break
            low = min(lane.cp for lane in running)
            if low >= target:
                break
            topics = set().union(*(lane.projection.topics for lane in running))
            page = self.log.read(low, min(self.page_size, target - low), topics, stop=target)
            report.pages += 1
            report.events_read += len(page.records)
            ready = [lane for lane in running if self._feed(lane, page.records, page.through)]
            self._flush_all(ready, page.through)
            if progress:
                progress.update(min(self._low(), target) - first)
        self._settle()
        if progress:
            progress.update(min(self._low(), target) - first, final=True)
        report.seconds = time.monotonic() - started
        for lane in self.lanes:
            report.checkpoints[lane.projection.name] = lane.cp
            if lane.failure:
                report.failures.append(lane.failure.report(lane.build, lane.cp))
        return report

    def follow(self, idle_wait: float = 1.0) -> Report:
        """Catch up, then keep up as events arrive, until `should_stop()`."""
        total = Report()
        while not self.should_stop():
            report = self.catch_up()
            total.events_read += report.events_read
            total.failures = report.failures
            if not self._running():
                break
            self._switch_to_active()
            for lane in self._running():
                self._retrying(lambda lane=lane: self.store.set_meta(lane.build, {"heartbeat": _now()}))
            self.log.wait_for_events(self._low(), idle_wait)
        total.checkpoints = {lane.projection.name: lane.cp for lane in self.lanes}
        return total

    def _running(self) -> list[Lane]:
        return [lane for lane in self.lanes if lane.failure is None]

    def _low(self) -> int:
        return min((lane.cp for lane in self._running()), default=0)

    def _switch_to_active(self) -> None:
        for lane in list(self.lanes):
            if lane.follow_active and self.store.active(lane.projection.name) != lane.build.build:
                self._resync(lane)

    def _feed(self, lane: Lane, records: list[Any], through: int) -> bool:
        """Apply the page's records to the lane's batch; True if the batch is ready to flush
        through `through`, False if there is nothing to do or the projection failed."""
        if through <= lane.cp:
            return False
        batch = lane.batch
        projection = lane.projection
        topics = projection.topics
        cp = lane.cp
        for record in records:
            if record.nid <= cp or record.topic not in topics:
                continue
            batch.begin(record)
            try:
                projection.apply(record, batch)
            except Exception as e:  # noqa: BLE001 - any error in a mapping stops the projection
                batch.discard_event()
                lane.failure = Failure(
                    record.nid,
                    record.topic,
                    record.originator_id,
                    record.originator_version,
                    f"{type(e).__name__}: {e}",
                )
                good = record.nid - 1
                if good > lane.cp:
                    self._flush(lane, good)
                meta = {
                    "failed_at": _now(),
                    "failed_nid": str(record.nid),
                    "failed_topic": record.topic,
                    "failure": lane.failure.report(lane.build, lane.cp),
                    "traceback": traceback.format_exc(limit=8),
                }
                self._retrying(lambda meta=meta: self.store.set_meta(lane.build, meta))
                return False
            batch.commit_event()
        return True

    def _flush_all(self, lanes: list[Lane], through: int) -> None:
        """Hand the page's batches to the writer thread and go on projecting the next page
        while they are written. The previous hand-off is settled first: a refused batch
        resyncs its lane (and the batch just built on top of it is dropped)."""
        self._settle()
        lanes = [lane for lane in lanes if any(lane is current for current in self.lanes)]
        if not lanes:
            return
        tracking = Tracking(self.log.app_name, through)
        batches = [(lane.build, lane.cp, tracking, lane.batch.writes, lane.batch.changes) for lane in lanes]
        future = self._writer.submit(self._retrying, lambda: self.store.apply_many(batches))
        for lane in lanes:  # optimistic: the writes become cached reads now, confirmed in _settle
            lane.batch.flushed()
            lane.cp = through
        self._pending = (lanes, through, future)

    def _settle(self) -> None:
        """Wait for the batches in the writer thread; resync any lane whose batch was refused."""
        if self._pending is None:
            return
        lanes, through, future = self._pending
        self._pending = None
        results = future.result()
        for lane, got in zip(lanes, results, strict=True):
            if got != through and any(lane is current for current in self.lanes):
                self._resync(lane)

    def _flush(self, lane: Lane, through: int) -> None:
        """Write one lane's batch now, and wait for it."""
        self._flush_all([lane], through)
        self._settle()

    # ---------------------------------------------------------- store outages
    def _retrying(self, op: Callable[[], Any]) -> Any:
        while True:
            try:
                return op()
            except TRANSIENT as e:
                self._wait_for_store(e)

    def _wait_for_store(self, error: Exception) -> None:
        """Called on each failed try: the first starts the outage clock, a later one past the
        deadline gives up; a store that answers a ping again ends the outage."""
        deadline = self._outage_deadline
        now = time.monotonic()
        if deadline is None:
            self._outage_deadline = now + self.store_retry_seconds
            print(
                f"linkledger: view store unreachable ({error}); retrying for up to {self.store_retry_seconds:.0f}s",
                file=sys.stderr,
            )
        elif now > deadline:
            raise ViewStoreError(f"the view store has been unreachable for {self.store_retry_seconds:.0f}s: {error}")
        time.sleep(0.2)
        try:
            self.store.ping()
            self._outage_deadline = None
        except TRANSIENT:
            pass
