"""State timelines: for one resource, each state it was in, from when to when,
and the event that put it there."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from domain.events import Aggregate


def build_timeline(events: Iterable[Any]) -> dict[str, Any]:
    name, kind = "", ""
    intervals: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    for e in events:
        if not isinstance(e, Aggregate.Event):
            continue
        if hasattr(e, "originator_topic"):
            name = getattr(e, "name", name)
            kind = type(e).__qualname__.split(".")[0]
        state = e.resulting_state()
        event_name = type(e).__name__
        if state is not None and (not intervals or intervals[-1]["state"] != state):
            if intervals:
                intervals[-1]["to"] = e.at
            intervals.append({"state": state, "from": e.at, "to": None, "caused_by": event_name, "version": e.originator_version})
        elif state is None:
            notes.append({"at": e.at, "event": event_name, "detail": _detail(e)})
    return {"resource": name, "kind": kind, "states": intervals, "changes": notes}


def _detail(e: Any) -> str:
    fields = e.model_dump(exclude={"originator_id", "originator_version", "timestamp", "at"})
    return ", ".join(f"{k}={v}" for k, v in sorted(fields.items()))


def render_timeline_text(timeline: dict[str, Any]) -> str:
    rows = [f"{timeline['kind']} {timeline['resource']}"]
    for s in timeline["states"]:
        to = s["to"].isoformat() if s["to"] else "now"
        rows.append(f"  {s['state']:<17} {s['from'].isoformat()} -> {to}   ({s['caused_by']})")
    for c in timeline["changes"]:
        rows.append(f"  {c['at'].isoformat()}  {c['event']}: {c['detail']}")
    return "\n".join(rows) + "\n"
