"""What the projection runner keeps per projection (a lane), and what it reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from linkledger.infrastructure.view_store import Build, ViewStoreError
from linkledger.projections.projection import Projection, ViewBatch


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


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
