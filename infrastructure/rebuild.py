"""Rebuild a view side by side: build a new version under its own keys and
checkpoint while the old one serves, compare the two at the same checkpoint,
switch readers with one atomic flip of the `active` pointer, then remove the old.

The feed is version-independent (a high-water mark per projection), so the new
build emits nothing for events the old build already announced.

The new build names its builder (host, pid) in its meta and the runner renews its
heartbeat; a rebuild that was killed leaves a build that `status` shows as abandoned, and
the next rebuild of the projection removes it first (`build_lease`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TextIO

from linkledger.infrastructure.build_lease import abandoned, this_builder
from linkledger.infrastructure.event_log import EventLog
from linkledger.infrastructure.projection_lanes import now_text
from linkledger.infrastructure.projection_runner import ProjectionRunner, ProjectionStopped
from linkledger.infrastructure.view_store import Build, ViewStore
from linkledger.projections.projection import Projection


@dataclass
class Comparison:
    checkpoint: int
    equal: int = 0
    changed: list[str] = field(default_factory=list)
    only_old: list[str] = field(default_factory=list)
    only_new: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not (self.changed or self.only_old or self.only_new)

    def summary(self) -> str:
        text = (
            f"compared at event {self.checkpoint}: {self.equal} key(s) equal, {len(self.changed)} changed, "
            f"{len(self.only_old)} only in the old build, {len(self.only_new)} only in the new"
        )
        for label, keys in (("changed", self.changed), ("only old", self.only_old), ("only new", self.only_new)):
            for key in keys[:5]:
                text += f"\n  {label}: {key}"
        return text


@dataclass
class RebuildReport:
    projection: str
    old: str | None
    new: str
    events: int
    seconds: float
    comparison: Comparison | None


def compare(store: ViewStore, old: Build, new: Build, checkpoint: int) -> Comparison:
    result = Comparison(checkpoint)
    old_keys = set(store.keys(old))
    new_keys = set(store.keys(new))
    result.only_old = sorted(old_keys - new_keys)
    result.only_new = sorted(new_keys - old_keys)
    for key in sorted(old_keys & new_keys):
        if store.hgetall(old, key) == store.hgetall(new, key):
            result.equal += 1
        else:
            result.changed.append(key)
    return result


def rebuild(
    log: EventLog,
    store: ViewStore,
    projection: Projection,
    *,
    page_size: int = 1000,
    progress: TextIO | None = None,
    attempts: int = 3,
) -> RebuildReport:
    name = projection.name
    old_name = store.active(name)
    drop_abandoned(store, name)
    new = store.new_build(name, projection.version)
    store.set_meta(new, this_builder())
    with ProjectionRunner(
        log, store, [projection], builds={name: new}, page_size=page_size, progress=progress
    ) as runner:
        report = runner.catch_up()
    if report.failures:
        raise ProjectionStopped(
            report.failures[0] + f" The old build {old_name} keeps serving; build {new.build} is left for inspection."
        )
    comparison = None
    if old_name is not None:
        old = Build(name, old_name)
        for _ in range(attempts):
            # Bring both builds to one checkpoint; a live runner may be moving the old one.
            target = max(store.checkpoint(old), store.checkpoint(new), log.head())
            for build in (old, new):
                with ProjectionRunner(log, store, [projection], builds={name: build}, page_size=page_size) as runner:
                    r = runner.catch_up(target)
                if r.failures:
                    raise ProjectionStopped(r.failures[0])
            comparison = compare(store, old, new, target)
            if store.checkpoint(old) == target and store.checkpoint(new) == target:
                break
    store.set_meta(new, {"built_at": now_text()})
    store.activate(new)
    if old_name is not None:
        store.drop(Build(name, old_name))
    return RebuildReport(name, old_name, new.build, report.events_read, report.seconds, comparison)


def drop_abandoned(store: ViewStore, projection: str) -> list[str]:
    """Remove the builds of `projection` that nobody serves and whose builder is gone."""
    active = store.active(projection)
    dropped = []
    for build_name in store.builds(projection):
        build = Build(projection, build_name)
        if build_name != active and abandoned(store.meta(build)):
            store.drop(build)
            dropped.append(build_name)
    return dropped
