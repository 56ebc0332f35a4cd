"""State timelines: for one resource, each state it was in, from when to when,
and the event that put it there."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from linkledger.projections.projection import fold
from linkledger.projections.records import record_of
from linkledger.projections.timeline_view import TimelineProjection, timeline_document


def build_timeline(events: Iterable[Any]) -> dict[str, Any]:
    """Fold one resource's events: the same mapping the timeline view runs, in memory."""
    records = [record_of(e, e.originator_version) for e in events]
    view = fold(TimelineProjection(), records)
    return timeline_document(next(iter(view.values()), {}))


def render_timeline_text(timeline: dict[str, Any]) -> str:
    rows = [f"{timeline['kind']} {timeline['resource']}"]
    for s in timeline["states"]:
        to = s["to"].isoformat() if s["to"] else "now"
        rows.append(f"  {s['state']:<17} {s['from'].isoformat()} -> {to}   ({s['caused_by']})")
    for c in timeline["changes"]:
        rows.append(f"  {c['at'].isoformat()}  {c['event']}: {c['detail']}")
    return "\n".join(rows) + "\n"
