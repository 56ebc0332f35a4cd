"""The projection runner's writer pipeline: a page's batches are written in a thread while
the next page is decoded and projected (the store's I/O and the projections' Python
overlap). One hand-off is in flight at a time; `settle` waits for it and names the lanes
whose batch the store refused (another runner moved the checkpoint, or the build is gone).
A write is retried through a store outage: the store applies a batch only at the checkpoint
it was made for, so a batch that was applied before the connection broke is not applied twice.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from eventsourcing.persistence import Tracking
from linkledger.infrastructure.projection_lanes import Lane
from linkledger.infrastructure.store_retry import StoreRetry
from linkledger.infrastructure.view_store import ViewStore


class ViewWriter:
    def __init__(self, store: ViewStore, app_name: str, retry: StoreRetry) -> None:
        self.store = store
        self.app_name = app_name
        self.retry = retry
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="view-writer")
        self._pending: tuple[list[Lane], int, Future[list[int]]] | None = None

    def hand_off(self, lanes: list[Lane], through: int) -> None:
        """Start writing the lanes' batches (up to `through`); the lanes move on at once
        (their writes become cached reads), confirmed by the next `settle`."""
        assert self._pending is None, "settle the previous hand-off first"
        tracking = Tracking(self.app_name, through)
        batches = [(lane.build, lane.cp, tracking, lane.batch.writes, lane.batch.changes) for lane in lanes]
        future = self._thread.submit(self.retry.call, lambda: self.store.apply_many(batches))
        for lane in lanes:
            lane.batch.flushed()
            lane.cp = through
        self._pending = (lanes, through, future)

    def settle(self) -> list[Lane]:
        """Wait for the hand-off in flight; the lanes whose batch the store refused."""
        if self._pending is None:
            return []
        lanes, through, future = self._pending
        self._pending = None
        results = future.result()
        return [lane for lane, got in zip(lanes, results, strict=True) if got != through]

    def close(self) -> list[Lane]:
        try:
            return self.settle()
        finally:
            self._thread.shutdown(wait=True)
