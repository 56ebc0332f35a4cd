"""Health of the ledger: how far every account is settled (the watermark) and which
accounts a due rule could not run for; and of every projection: checkpoint, log head,
lag in events and in seconds, and whether it is stopped on an error."""

from __future__ import annotations

from typing import Any

from linkledger.infrastructure.build_lease import abandoned
from linkledger.infrastructure.event_log import EventLog
from linkledger.infrastructure.ledger import LinkLedger
from linkledger.infrastructure.view_store import Build, ViewStore
from linkledger.projections.catalog import PROJECTIONS


def settlement(ledger: LinkLedger) -> dict[str, Any]:
    mark = ledger.watermark()
    return {
        "watermark": mark.isoformat() if mark else None,
        "stuck": [
            {"account": s.name, "rule": s.rule, "due_at": s.due_at.isoformat(), "message": s.message}
            for s in ledger.stuck()
        ],
    }


def render_settlement(doc: dict[str, Any]) -> str:
    out = [f"settlement: every account settled up to {doc['watermark'] or '- (no advance yet)'}"]
    for s in doc["stuck"]:
        out.append(f"  UNDONE: account {s['account']}: {s['rule']}: {s['message']}")
    if doc["stuck"]:
        out.append("  fix the cause (e.g. load the missing price with --prices) and run `linkledger advance` again")
    return "\n".join(out) + "\n"


def status(log: EventLog, store: ViewStore) -> list[dict[str, Any]]:
    head = log.head()
    head_at = log.recorded_at(head)
    rows = []
    for name in PROJECTIONS:
        active = store.active(name)
        for build_name in store.builds(name) or ([active] if active else []):
            build = Build(name, build_name)
            cp = store.checkpoint(build)
            meta = store.meta(build)
            cp_at = log.recorded_at(cp) if cp < head else head_at
            lag_seconds = (head_at - cp_at).total_seconds() if head_at and cp_at else (None if cp < head else 0.0)
            rows.append(
                {
                    "projection": name,
                    "build": build_name,
                    "active": build_name == active,
                    "checkpoint": cp,
                    "head": head,
                    "lag_events": head - cp,
                    "lag_seconds": lag_seconds,
                    "stopped": meta.get("failure") if meta.get("failed_nid") and int(meta["failed_nid"]) > cp else None,
                    "heartbeat": meta.get("heartbeat"),
                    "abandoned": None if build_name == active else abandoned(meta),
                }
            )
        if active is None:
            rows.append(
                {
                    "projection": name,
                    "build": None,
                    "active": False,
                    "checkpoint": 0,
                    "head": head,
                    "lag_events": head,
                    "lag_seconds": None,
                    "stopped": None,
                    "heartbeat": None,
                    "abandoned": None,
                }
            )
    return rows


def render_status(rows: list[dict[str, Any]], store_label: str) -> str:
    out = [f"views in {store_label}"]
    out.append(f"  {'projection':<10} {'build':<7} {'checkpoint':>10} {'head':>8} {'lag':>7} {'lag s':>8}  state")
    for r in rows:
        lag_s = "-" if r["lag_seconds"] is None else f"{r['lag_seconds']:.0f}"
        state = _state(r)
        out.append(
            f"  {r['projection']:<10} {r['build'] or '-':<7} {r['checkpoint']:>10} {r['head']:>8} "
            f"{r['lag_events']:>7} {lag_s:>8}  {state}"
        )
    return "\n".join(out) + "\n"


def _state(r: dict[str, Any]) -> str:
    if r["build"] is None:
        return "not built: run `linkledger project`"
    if r["stopped"]:
        return "STOPPED: " + r["stopped"]
    if r["abandoned"]:
        return (
            f"ABANDONED ({r['abandoned']}): a rebuild was killed; `linkledger rebuild {r['projection']}` "
            "removes it and builds again"
        )
    return ("serving" if r["active"] else "building") + (", caught up" if r["lag_events"] == 0 else "")
