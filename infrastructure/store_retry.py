"""Riding out a server outage: Redis (views, feed) or PostgreSQL (the event log).

`StoreRetry.call(op)` runs `op`; when it fails because a server cannot be reached, it logs
one line ("redis unavailable, retrying in 2s: <cause>"), waits with a backoff that
doubles up to `max_wait`, and runs `op` again, until the outage has lasted `give_up_after`
seconds; then it raises `StoreUnavailable`. An answer ends the outage (the clock restarts
at the next one). Only operations that may run twice are given to it: view writes are
guarded by their checkpoint, reads are reads, and a feed entry is deduplicated by nid.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

from linkledger.infrastructure.errors import StoreUnavailable, one_line, postgres_cause

T = TypeVar("T")
log = logging.getLogger("linkledger.retry")


def unavailable_server(error: BaseException) -> str | None:
    """ "redis" or "postgresql" if `error` says that server cannot be reached now; else None
    (a refusal, a bug, or an SQLite file: retrying would not help)."""
    redis = sys.modules.get("redis")
    if redis is not None and isinstance(error, redis.ConnectionError | redis.TimeoutError | redis.BusyLoadingError):
        return "redis"
    if type(error).__module__.startswith(("psycopg", "psycopg_pool")):
        return "postgresql" if type(error).__name__ in {"OperationalError", "InterfaceError", "PoolTimeout"} else None
    persistence = sys.modules.get("eventsourcing.persistence")
    if persistence is not None and isinstance(error, persistence.OperationalError | persistence.InterfaceError):
        cause = error.__cause__
        return "postgresql" if cause is not None and type(cause).__module__.startswith("psycopg") else None
    return None


class StoreRetry:
    def __init__(
        self,
        give_up_after: float = 300.0,
        *,
        first_wait: float = 0.25,
        max_wait: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.give_up_after = give_up_after
        self.first_wait = first_wait
        self.max_wait = max_wait
        self.sleep = sleep
        self._outage_started: float | None = None
        self._wait = first_wait
        self.outages = 0  # how many outages were ridden out (for reports and tests)

    def call(self, op: Callable[[], T], on_retry: Callable[[], Any] | None = None) -> T:
        """`op()`, again after each outage of a server; `on_retry` runs before each retry
        (to drop a connection or state the outage made stale)."""
        while True:
            try:
                result = op()
            except Exception as e:
                server = unavailable_server(e)
                if server is None:
                    raise
                self._wait_out(server, e)
                if on_retry is not None:
                    on_retry()
                continue
            self._answered()
            return result

    def _answered(self) -> None:
        if self._outage_started is not None:
            log.warning("server answers again after %.0fs; going on from the checkpoint", self._elapsed())
            self.outages += 1
        self._outage_started = None
        self._wait = self.first_wait

    def _elapsed(self) -> float:
        return 0.0 if self._outage_started is None else time.monotonic() - self._outage_started

    def _wait_out(self, server: str, error: BaseException) -> None:
        if self._outage_started is None:
            self._outage_started = time.monotonic()
        cause = postgres_cause(error) if server == "postgresql" else one_line(error)
        if self._elapsed() > self.give_up_after:
            raise StoreUnavailable(
                f"{server} has been unavailable for {self.give_up_after:.0f}s: {cause}; start it and run again "
                "(the views keep their checkpoint)",
                "view store" if server == "redis" else "event store",
            ) from None
        wait = self._wait
        log.warning("%s unavailable, retrying in %gs: %s", server, wait, cause)
        self.sleep(wait)
        self._wait = min(self._wait * 2, self.max_wait)
