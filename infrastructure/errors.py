"""Faults of the stores and servers the ledger runs on, as one-line messages with an exit code.

Each fault carries its exit code: 2 when the user named something that cannot be (a setting,
a URL's part, a path), 4 when a store or server cannot be used (the whole table: docs/cli.md).

`fault_of(error)` turns the errors the SQLite, PostgreSQL and Redis drivers raise into one
of these, naming the cause and what to do; `None` for anything else (a bug: it goes up).
"""

from __future__ import annotations

import errno
import sqlite3
import sys

from linkledger.infrastructure.cli.exits import EXIT_REFUSED, EXIT_UNAVAILABLE


class FaultError(Exception):
    """A command cannot go on; `str()` is one line: `[what] cause; what to do`."""

    exit_code = EXIT_UNAVAILABLE
    rule = "store"

    def __init__(self, message: str, rule: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if rule is not None:
            self.rule = rule

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}"


class SettingsError(FaultError):
    """A setting (environment variable or option) is not valid: exit 2."""

    exit_code = EXIT_REFUSED
    rule = "settings"


class StoreUnavailable(FaultError):
    """A store's server cannot be reached (down, wrong host, port, database or user): exit 4."""


class StoreUnusable(FaultError):
    """A store is there but cannot be used (not a store, damaged, not writable): exit 4."""


def one_line(error: BaseException) -> str:
    """The driver's message on one line, without its hints."""
    text = " ".join(str(error).split())
    text = text.removeprefix("connection failed: ")
    for hint in (" Is the server running", " HINT:"):
        text = text.split(hint, 1)[0]
    return text.rstrip(". ") or type(error).__name__


def postgres_cause(error: BaseException) -> str:
    """The real cause of a PostgreSQL connection fault: the server's words, or the driver's."""
    text = one_line(error)
    if "FATAL:" in text:
        return text.split("FATAL:", 1)[1].strip()
    if "failed:" in text:
        return text.rsplit("failed:", 1)[1].strip()
    return text


def sqlite_fault(rule: str, path: str, error: BaseException) -> FaultError:
    """An SQLite file (the event store's or the views') that cannot be used, with what to do."""
    text = one_line(error)
    the = path or "the SQLite file"
    if "readonly" in text or "read-only" in text or isinstance(error, PermissionError):
        return StoreUnusable(
            f"cannot write to {the}: {text}; make the file and its folder writable, or use another path", rule
        )
    if "not a database" in text:
        return StoreUnusable(f"{the} is not an SQLite database ({text}); give another path", rule)
    if "malformed" in text or "corrupt" in text:
        return StoreUnusable(f"{the} is damaged ({text}); restore it from a backup, or write a new one", rule)
    return StoreUnusable(f"cannot use {the}: {text}; check the path and its permissions", rule)


def _causes(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    while error is not None and len(chain) < 5:
        chain.append(error)
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    return chain


def fault_of(error: BaseException) -> FaultError | None:
    """A driver's error raised while a command ran, as a fault; None if it is not one."""
    if isinstance(error, FaultError):
        return error
    for cause in _causes(error):
        if isinstance(cause, sqlite3.Error):
            return sqlite_fault("store", "", cause)
    if isinstance(error, OSError) and error.filename is not None:
        return path_fault(error)
    return _server_fault(error)


# A path that cannot name a file at all is the user's to fix (exit 2); a file that is there
# but cannot be used (permissions, a full disk, an I/O error) is the store's (exit 4).
_BAD_PATH = {errno.ENAMETOOLONG, errno.ENOTDIR, errno.EISDIR, errno.EINVAL, errno.ENOENT}


def path_fault(error: OSError) -> FaultError:
    """A file the command was given or writes, as a fault naming the path (shortened)."""
    name = str(error.filename)
    shown = name if len(name) <= 80 else name[:60] + "..." + name[-17:]
    cause = error.strerror or one_line(error)
    if error.errno in _BAD_PATH:
        return SettingsError(f"{shown!r}: {cause.lower()}; give a path that names a file", "files")
    return StoreUnusable(f"cannot use {shown!r}: {cause.lower()}; check the file and its folder", "files")


def _server_fault(error: BaseException) -> FaultError | None:
    # A driver that was never imported raised nothing: look only at those loaded.
    redis = sys.modules.get("redis")
    if redis is not None and isinstance(error, redis.ConnectionError | redis.TimeoutError):
        return StoreUnavailable(f"Redis stopped answering: {one_line(error)}; start it and run again", "view store")
    persistence = sys.modules.get("eventsourcing.persistence")
    if persistence is None:
        return None
    if (
        isinstance(error, persistence.OperationalError | persistence.InterfaceError)
        or type(error).__name__ == "PoolTimeout"
    ):
        return StoreUnavailable(
            f"PostgreSQL stopped answering: {postgres_cause(error)}; start it and run again", "event store"
        )
    if isinstance(error, persistence.PersistenceError) or type(error).__module__.startswith(
        ("psycopg", "psycopg_pool")
    ):
        return StoreUnusable(f"the PostgreSQL server refused: {one_line(error)}", "event store")
    return None


class EventStoreUnavailable(StoreUnavailable):
    rule = "event store"


class EventStoreUnusable(StoreUnusable):
    rule = "event store"
