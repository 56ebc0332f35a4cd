"""Who is building a view build, and whether they still are.

A rebuild records itself in its new build's meta (`builder`: host, pid and the process's
start time, and a `heartbeat` the runner renews while it works). A build nobody serves
whose builder is gone (its process is not running on this host, or, from another host, no
heartbeat for `LEASE_SECONDS`) is *abandoned*: `status` says so, and the next rebuild of the
projection removes it before it starts.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

LEASE_SECONDS = 120.0


def _start_ticks(pid: int) -> str | None:
    """When the process started (clock ticks since boot), to tell a reused pid apart; None
    where /proc cannot tell."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def this_builder() -> dict[str, str]:
    """The meta fields that name this process as a build's builder."""
    pid = os.getpid()
    return {"builder": f"{socket.gethostname()} {pid} {_start_ticks(pid) or '-'}"}


@dataclass(frozen=True)
class Builder:
    host: str
    pid: int
    started: str

    @classmethod
    def of(cls, meta: dict[str, str]) -> Builder | None:
        try:
            host, pid, started = meta["builder"].split(" ")
            return cls(host, int(pid), started)
        except (KeyError, ValueError):
            return None

    def gone(self, heartbeat: str | None, now: datetime | None = None) -> str | None:
        """Why this builder is gone ("pid 123 gone", "no heartbeat since ..."), or None if
        it may still be at work."""
        if self.host == socket.gethostname():
            alive = _running(self.pid) and self.started in ("-", _start_ticks(self.pid) or "-")
            return None if alive else f"pid {self.pid} gone"
        if heartbeat is None:
            return None
        beat = datetime.fromisoformat(heartbeat.replace("Z", "+00:00"))
        if ((now or datetime.now(UTC)) - beat).total_seconds() > LEASE_SECONDS:
            return f"no heartbeat from {self.host} since {heartbeat}"
        return None


def abandoned(meta: dict[str, str]) -> str | None:
    """Why a build nobody serves is abandoned, or None (at work, or never had a builder)."""
    builder = Builder.of(meta)
    if builder is None or meta.get("built_at"):
        return None
    return builder.gone(meta.get("heartbeat"))
