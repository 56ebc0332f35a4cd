"""The timeline view: per resource, each state it was in, from when to when, the
event that put it there, and the changes that moved no state.

Keys:
  timeline:<resource_id>   resource, kind, n (number of states),
                           state:<i> {state, from, to, caused_by, version},
                           change:<nid> {at, event, detail}
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from linkledger.projections.projection import Projection, ViewBatch, dumps, loads
from linkledger.projections.records import Record, is_created, resulting_state
from linkledger.projections.topics import RESOURCE_TOPICS

_NOT_DETAIL = {"timestamp", "at"}


def detail(data: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(data.items()) if k not in _NOT_DETAIL)


class TimelineProjection(Projection):
    name = "timelines"
    version = 1
    topics = RESOURCE_TOPICS
    description = "per resource: state intervals with their causing event"

    def apply(self, record: Record, view: ViewBatch) -> None:
        data = record.data
        key = f"timeline:{record.originator_id}"
        if is_created(record):
            view.set(key, "resource", data["name"])
            view.set(key, "kind", record.aggregate)
        state = resulting_state(record)
        if state is None:
            note = {"at": data["at"], "event": record.name, "detail": detail(data)}
            view.set(key, f"change:{record.nid:012d}", dumps(note))
            return
        n = int(view.get(key, "n") or 0)
        if n:
            last = loads(view.get(key, f"state:{n - 1:05d}") or "{}")
            if last["state"] == state:
                return
            last["to"] = data["at"]
            view.set(key, f"state:{n - 1:05d}", dumps(last))
        interval = {
            "state": state,
            "from": data["at"],
            "to": None,
            "caused_by": record.name,
            "version": record.originator_version,
        }
        view.set(key, f"state:{n:05d}", dumps(interval))
        view.set(key, "n", str(n + 1))


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def timeline_document(fields: dict[str, str]) -> dict[str, Any]:
    states = []
    for f in sorted(f for f in fields if f.startswith("state:")):
        s = loads(fields[f])
        s["from"], s["to"] = _time(s["from"]), _time(s["to"])
        states.append(s)
    changes = []
    for f in sorted(f for f in fields if f.startswith("change:")):
        c = loads(fields[f])
        c["at"] = _time(c["at"])
        changes.append(c)
    return {
        "resource": fields.get("resource", ""),
        "kind": fields.get("kind", ""),
        "states": states,
        "changes": changes,
    }
