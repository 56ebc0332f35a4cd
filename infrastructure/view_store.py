"""The contract every view store keeps (SQLite and Redis).

A view store holds, per projection, one or more *builds* (namespaces such as
`invoices` build `v1.2`), each with its hashes and its checkpoint, an `active`
pointer naming the build readers use, and a version-independent feed of change
messages. `apply` is the one way to write: it checks the checkpoint first and then
writes the batch, the change messages and the new checkpoint in one atomic step.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import Tracking, TrackingRecorder

Writes = dict[tuple[str, str], "str | None"]
Changes = list[tuple[int, str]]


class ViewStoreError(Exception):
    """A view store cannot do what was asked; the message says what to do."""


@dataclass(frozen=True)
class Build:
    projection: str
    build: str

    @property
    def ns(self) -> str:
        return f"{self.projection}:{self.build}"

    @property
    def version(self) -> int:
        """The projection code version the build was made with ("v2.5" -> 2)."""
        return int(self.build[1:].split(".", 1)[0])

    def __str__(self) -> str:
        return f"{self.projection} build {self.build}"


class ViewStore(ABC):
    kind: str = ""

    # ----------------------------------------------------------------- builds
    @abstractmethod
    def active(self, projection: str) -> str | None: ...

    @abstractmethod
    def builds(self, projection: str) -> list[str]: ...

    @abstractmethod
    def new_build(self, projection: str, version: int) -> Build:
        """Register a fresh, empty build `v<version>.<n>` (n counts up per projection)."""

    @abstractmethod
    def activate(self, build: Build) -> None:
        """Point readers at `build`: one atomic write."""

    @abstractmethod
    def drop(self, build: Build) -> None:
        """Remove a build's hashes, checkpoint and meta (never the active build)."""

    # ---------------------------------------------------------------- reading
    @abstractmethod
    def checkpoint(self, build: Build) -> int: ...

    @abstractmethod
    def hget(self, build: Build, key: str, field: str) -> str | None: ...

    @abstractmethod
    def hgetall(self, build: Build, key: str) -> dict[str, str]: ...

    @abstractmethod
    def keys(self, build: Build) -> Iterator[str]: ...

    # ---------------------------------------------------------------- writing
    @abstractmethod
    def apply(self, build: Build, expected: int, tracking: Tracking, writes: Writes, changes: Changes) -> int:
        """If the build's checkpoint equals `expected`, write `writes`, emit each change
        whose nid is above the feed's high-water mark, and move the checkpoint to
        `tracking.notification_id`, all at once; return that new checkpoint. Otherwise
        write nothing and return the checkpoint found (the caller must re-read)."""

    def apply_many(self, batches: list[tuple[Build, int, Tracking, Writes, Changes]]) -> list[int]:
        """Several builds' batches at once (one round trip or transaction where the store
        can); each is checked and applied on its own, exactly as `apply`."""
        return [self.apply(*batch) for batch in batches]

    # ------------------------------------------------------------ meta, feed
    @abstractmethod
    def set_meta(self, build: Build, fields: dict[str, str]) -> None: ...

    @abstractmethod
    def meta(self, build: Build) -> dict[str, str]: ...

    @abstractmethod
    def feed(self, projection: str, after: int = 0, count: int = 1000) -> list[tuple[int, dict[str, Any]]]:
        """Change messages with nid > after, in nid order."""

    def close(self) -> None:  # noqa: B027 - a store with nothing to close keeps this one
        """Let go of the store's connections."""

    def ping(self) -> None:  # noqa: B027 - a file can always be reached
        """Raise the store's own connection error if it cannot be reached (a file always can)."""

    def dump(self, build: Build) -> dict[str, dict[str, str]]:
        """The whole build (tests and small views only)."""
        return {key: self.hgetall(build, key) for key in sorted(self.keys(build))}

    def tracked(self, projection: str) -> TrackedView:
        return TrackedView(self, projection)


class TrackedView(TrackingRecorder):
    """The active build of one projection as a library `TrackingRecorder`, so readers
    can `wait(application_name, notification_id)` for read-your-writes."""

    def __init__(self, store: ViewStore, projection: str) -> None:
        self.store = store
        self.projection = projection

    def _build(self) -> Build | None:
        build = self.store.active(self.projection)
        return Build(self.projection, build) if build else None

    def max_tracking_id(self, application_name: str) -> int | None:
        build = self._build()
        return self.store.checkpoint(build) if build else None

    def insert_tracking(self, tracking: Tracking) -> None:
        build = self._build()
        if build is None:
            raise ViewStoreError(f"projection {self.projection} has no active build")
        current = self.store.checkpoint(build)
        if tracking.notification_id <= current:
            from eventsourcing.persistence import IntegrityError

            raise IntegrityError(f"{build} is already at {current}")
        self.store.apply(build, current, tracking, {}, [])
