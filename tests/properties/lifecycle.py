"""The lifecycle transitions each Zenlayer resource kind allows, read off the domain.

Each entry says which state may follow which, as the aggregates' commands and the
balance ladder let them (domain/port.py, private_connect.py, hosted_connection.py and
resource.py's ZenlayerResource):

- the first state is the Created event's STATE ("pending");
- a cross connect (port), billing start (private connect) or acceptance (AWS hosted
  connection) moves pending -> active;
- suspension takes a running resource (pending, active) to suspended; a resume puts it
  back in the state it was in before (checked separately: `resumed_to_the_state_before`);
- the recycle stage takes any resource not yet gone to recycled;
- a port's deletion is final; a private connect's (and with it its AWS hosted
  connection's) deletion keeps it for the retention window: it is recovered (to pending
  or active, as its ends are) or purged.
"""

from __future__ import annotations

from linkledger.domain.hosted_connection import HostedConnection
from linkledger.domain.port import Port
from linkledger.domain.private_connect import PrivateConnect
from linkledger.domain.resource import Resource, StateChange

RUNNING = {"pending", "active"}


def _ladder(states: set[str]) -> set[tuple[str, str]]:
    """The balance ladder's moves: running -> suspended -> back, anything not gone -> recycled."""
    moves = {(s, "suspended") for s in RUNNING} | {("suspended", s) for s in RUNNING}
    return moves | {(s, "recycled") for s in states}


_PORT = {("pending", "active"), *((s, "deleted") for s in ("pending", "active", "suspended"))}
_CONNECT = {
    ("pending", "active"),
    *((s, "deleted") for s in ("pending", "active", "suspended")),
    ("deleted", "pending"),
    ("deleted", "active"),
    ("deleted", "purged"),
}

ALLOWED: dict[str, set[tuple[str, str]]] = {
    Port.KIND: _PORT | _ladder({"pending", "active", "suspended"}),
    PrivateConnect.KIND: _CONNECT | _ladder({"pending", "active", "suspended", "deleted"}),
    HostedConnection.KIND: _CONNECT | _ladder({"pending", "active", "suspended", "deleted"}),
}

FIRST_STATE = "pending"


def declared_states(cls: type[Resource]) -> set[str]:
    """The states the kind's event classes declare (STATE), plus those resumes and recoveries
    return to: the table above must not name a state the domain does not have, nor miss one."""
    found = set()
    for value in vars(cls).values():
        state = getattr(value, "STATE", "")
        if isinstance(value, type) and state:
            found.add(state)
    return found


def states_in_table(kind: str) -> set[str]:
    return {s for pair in ALLOWED[kind] for s in pair}


def bad_transitions(kind: str, history: list[StateChange]) -> list[str]:
    """Every consecutive pair of states in a timeline that the kind's lifecycle does not allow,
    and a resume that did not return to the state before the suspension."""
    out = []
    if history and history[0].state != FIRST_STATE:
        out.append(f"starts in {history[0].state}, not {FIRST_STATE}")
    for i in range(1, len(history)):
        before, after = history[i - 1], history[i]
        if (before.state, after.state) not in ALLOWED[kind]:
            out.append(f"{before.state} -> {after.state} ({after.cause} at {after.at.isoformat()})")
        if after.cause == "Resumed" and i >= 2 and history[i - 2].state != after.state:
            out.append(f"resumed to {after.state}, but it was {history[i - 2].state} before its suspension")
    return out
