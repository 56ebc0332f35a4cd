"""The projection runner: catch views up from their checkpoints, in batches.

One read of the log feeds every projection (each skips what is at or below its own
checkpoint). After each page, each projection's batch goes to the view store in one
atomic step with its checkpoint, written by the `ViewWriter` in a thread while the next
page is projected. A projection that fails on an event stops: its good events before
that one are flushed, the failure (event, error) is recorded in the build's meta and
reported, and the view keeps serving as it was. The other projections go on.

If the view store refuses a batch (another runner moved the checkpoint, or the build is
gone), the lane forgets what it cached, re-reads its checkpoint and active build, and
continues from there. If a server cannot be reached (Redis for the views, PostgreSQL for
the log), every call to it goes through `StoreRetry`: the runner waits with a backoff,
says so on stderr (through `logging`), and goes on from its checkpoint when the server
answers, busy or idle, for up to `store_retry_seconds` of outage.
"""

from __future__ import annotations

import functools
import logging
import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any, Self, TextIO

from linkledger.infrastructure.catch_up_progress import Progress
from linkledger.infrastructure.event_log import EventLog, Page
from linkledger.infrastructure.projection_lanes import Failure, Lane, ProjectionStopped, Report, now_text
from linkledger.infrastructure.store_retry import StoreRetry
from linkledger.infrastructure.view_store import Build, ViewStore, ViewStoreError
from linkledger.infrastructure.view_writer import ViewWriter
from linkledger.projections.projection import Projection, ViewBatch

__all__ = ["ProjectionRunner", "ProjectionStopped", "Report"]
log = logging.getLogger("linkledger.projections")
HEARTBEAT_SECONDS = 10.0


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
        self.should_stop = should_stop
        self.retry = StoreRetry(store_retry_seconds)
        self.writer = ViewWriter(store, log.app_name, StoreRetry(store_retry_seconds))
        self.lanes: list[Lane] = [self._lane(p, (builds or {}).get(p.name)) for p in projections]
        self._last_beat = time.monotonic()

    # ------------------------------------------------------------------ lanes
    def _call(self, op: Callable[[], Any]) -> Any:
        return self.retry.call(op)

    def _lane(self, projection: Projection, build: Build | None) -> Lane:
        follow_active = build is None
        if build is None:
            build = self._call(lambda: self._active_or_new(projection))
        cp = self._call(lambda: self.store.checkpoint(build))
        announced = self._call(lambda: self.store.feed_high_water(projection.name))
        batch = ViewBatch(
            lambda k, f, b=build: self._call(lambda: self.store.hget(b, k, f)),
            cache_limit=self.cache_limit,
            complete=cp == 0,
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
        if build is not None and build.build not in self._call(lambda: self.store.builds(build.projection)):
            raise ViewStoreError(f"{build} was removed while this runner was writing to it")
        fresh = self._lane(lane.projection, build)
        self.lanes[self.lanes.index(lane)] = fresh
        return fresh

    def _is_current(self, lane: Lane) -> bool:
        return any(lane is current for current in self.lanes)

    def close(self) -> None:
        """Wait for the batches in flight, then stop the writer thread."""
        self._resync_refused(self.writer.close())

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- running
    def catch_up(self, until: int | None = None) -> Report:
        """Bring every lane to the log head (or to `until`), then return."""
        report = Report()
        started = time.monotonic()
        head = self._call(self.log.head)
        target = head if until is None else min(until, head)
        first = min((lane.cp for lane in self._running()), default=target)
        progress = Progress(target - first, self.progress_out) if target - first > self.page_size else None
        while not self.should_stop() and self._below(target):
            page = self._read_page(target, report)
            ready = [lane for lane in self._running() if self._feed(lane, page.records, page.through)]
            self._flush_all(ready, page.through)
            if progress:
                progress.update(min(self._low(), target) - first)
            self._beat()
        self._settle()
        if progress:
            progress.update(min(self._low(), target) - first, final=True)
        report.seconds = time.monotonic() - started
        self._report_lanes(report)
        return report

    def _below(self, target: int) -> bool:
        running = self._running()
        return bool(running) and min(lane.cp for lane in running) < target

    def _read_page(self, target: int, report: Report) -> Page:
        running = self._running()
        low = min(lane.cp for lane in running)
        topics = set().union(*(lane.projection.topics for lane in running))
        page: Page = self._call(lambda: self.log.read(low, min(self.page_size, target - low), topics, stop=target))
        report.pages += 1
        report.events_read += len(page.records)
        return page

    def _report_lanes(self, report: Report) -> None:
        for lane in self.lanes:
            report.checkpoints[lane.projection.name] = lane.cp
            if lane.failure:
                report.failures.append(lane.failure.report(lane.build, lane.cp))

    def follow(self, idle_wait: float = 1.0) -> Report:
        """Catch up, then keep up as events arrive, until `should_stop()`; an outage of
        Redis or PostgreSQL, busy or idle, is waited out."""
        total = Report()
        while not self.should_stop():
            report = self.catch_up()
            total.events_read += report.events_read
            total.failures = report.failures
            if not self._running():
                break
            self._switch_to_active()
            self._beat(every=0.0)
            self._call(lambda: self.log.wait_for_events(self._low(), idle_wait))
        total.checkpoints = {lane.projection.name: lane.cp for lane in self.lanes}
        return total

    def _beat(self, every: float = HEARTBEAT_SECONDS) -> None:
        """Renew the running lanes' heartbeat (at most once per `every` seconds): a build's
        builder is at work (see `build_lease`)."""
        if time.monotonic() - self._last_beat < every:
            return
        self._last_beat = time.monotonic()
        for lane in self._running():
            self._call(functools.partial(self.store.set_meta, lane.build, {"heartbeat": now_text()}))

    def _running(self) -> list[Lane]:
        return [lane for lane in self.lanes if lane.failure is None]

    def _low(self) -> int:
        return min((lane.cp for lane in self._running()), default=0)

    def _switch_to_active(self) -> None:
        for lane in list(self.lanes):
            if not lane.follow_active:  # a rebuild's own lane: no need to ask the store
                continue
            active = self._call(functools.partial(self.store.active, lane.projection.name))
            if active != lane.build.build:
                self._resync(lane)

    def _feed(self, lane: Lane, records: list[Any], through: int) -> bool:
        """Apply the page's records to the lane's batch; True if the batch is ready to flush
        through `through`, False if there is nothing to do or the projection failed."""
        if through <= lane.cp:
            return False
        batch, projection, cp = lane.batch, lane.projection, lane.cp
        for record in records:
            if record.nid <= cp or record.topic not in projection.topics:
                continue
            batch.begin(record)
            try:
                projection.apply(record, batch)
            except Exception as e:  # any error in a mapping stops the projection
                batch.discard_event()
                self._stop(lane, record, e)
                return False
            batch.commit_event()
        return True

    def _stop(self, lane: Lane, record: Any, error: Exception) -> None:
        """The projection failed on `record`: flush its good events, record the failure."""
        lane.failure = Failure(
            record.nid,
            record.topic,
            record.originator_id,
            record.originator_version,
            f"{type(error).__name__}: {error}",
        )
        good = record.nid - 1
        if good > lane.cp:
            self._flush(lane, good)
        meta = {
            "failed_at": now_text(),
            "failed_nid": str(record.nid),
            "failed_topic": record.topic,
            "failure": lane.failure.report(lane.build, lane.cp),
            "traceback": traceback.format_exc(limit=8),
        }
        self._call(lambda: self.store.set_meta(lane.build, meta))
        log.debug("projection %s stopped at event %s", lane.projection.name, record.nid)

    # ----------------------------------------------------------------- writing
    def _flush_all(self, lanes: list[Lane], through: int) -> None:
        """Hand the page's batches to the writer and go on projecting the next page while
        they are written. The previous hand-off is settled first: a refused batch resyncs
        its lane (and the batch just built on top of it is dropped)."""
        self._settle()
        lanes = [lane for lane in lanes if self._is_current(lane)]
        if lanes:
            self.writer.hand_off(lanes, through)

    def _settle(self) -> None:
        self._resync_refused(self.writer.settle())

    def _resync_refused(self, refused: list[Lane]) -> None:
        for lane in refused:
            if self._is_current(lane):
                self._resync(lane)

    def _flush(self, lane: Lane, through: int) -> None:
        """Write one lane's batch now, and wait for it."""
        self._flush_all([lane], through)
        self._settle()
