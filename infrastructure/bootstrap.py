"""The composition root: the one place a LinkLedger is built (CLI, tests, benchmarks).

`open_ledger(store)` checks the store's format, creates its tables safely (on
PostgreSQL once, under an advisory lock, so processes starting together never race
on table setup), and opens the application with our recorder, snapshots and the
library's PostgreSQL insert path that keeps notification ids in commit order.
`record_rule_files` records the shipped and given rule files in the store.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

from eventsourcing.utils import get_topic
from linkledger.domain.errors import LedgerError
from linkledger.infrastructure.event_store import event_store_env
from linkledger.infrastructure.ledger import LinkLedger
from linkledger.infrastructure.recorders import STORE_FORMAT, SQLiteLedgerRecorder
from linkledger.infrastructure.rule_files import load_policy_files, load_price_book_files

TABLE_SETUP_LOCK = "linkledger:create-tables"


class StoreFormatError(LedgerError):
    rule = "store format"


def _old_store(found: str | None) -> StoreFormatError:
    if found is None:
        return StoreFormatError(
            "this store was written by linkledger 0.1 (step 2: store format 1, one store-wide LedgerClock); "
            f"this linkledger reads store format {STORE_FORMAT} (each account keeps its own clock). "
            "Replay its scenario into a new store: linkledger --store NEW.db run SCENARIO"
        )
    if found == "2":
        return StoreFormatError(
            "this store was written by linkledger 0.2 (step 3: store format 2, no issued invoices); this "
            f"linkledger reads store format {STORE_FORMAT} (accounts issue numbered invoices and keep drafts). "
            "Replay its scenario into a new store: linkledger --store NEW.db run SCENARIO"
        )
    return StoreFormatError(
        f"this store has format {found}; this linkledger reads store format {STORE_FORMAT}. "
        "Use the linkledger version that wrote it"
    )


def _sqlite_format(path: str) -> tuple[bool, str | None]:
    """(has events, format) of an SQLite store, read without writing anything."""
    if path == ":memory:" or path.startswith("file:") or not Path(path).exists():
        return False, None
    con = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        has_events = "stored_events" in tables and con.execute("SELECT 1 FROM stored_events LIMIT 1").fetchone()
        fmt = None
        if "linkledger_meta" in tables:
            row = con.execute("SELECT value FROM linkledger_meta WHERE key='format'").fetchone()
            fmt = row[0] if row else None
        return bool(has_events), fmt
    finally:
        con.close()


def _pg_connect(env: dict[str, str]) -> Any:
    """An autocommit connection to the store's database, from the library's settings."""
    import psycopg

    return psycopg.connect(
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        dbname=env["POSTGRES_DBNAME"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"],
        autocommit=True,
    )


def _pg_tables(conn: Any, env: dict[str, str]) -> tuple[bool, bool]:
    """Whether the events table and our meta table exist in the store's schema."""
    schema = env.get("POSTGRES_SCHEMA", "public")
    row = conn.execute(
        "SELECT to_regclass(%s) IS NOT NULL, to_regclass(%s) IS NOT NULL",
        (f'"{schema}".linkledger_events', f'"{schema}".linkledger_meta'),
    ).fetchone()
    return bool(row[0]), bool(row[1])


def _postgres_ready(env: dict[str, str]) -> bool:
    """Create the tables once, under an advisory lock; True when they exist."""
    schema = env.get("POSTGRES_SCHEMA", "public")
    with _pg_connect(env) as conn:
        events, meta = _pg_tables(conn, env)
        if events and meta:
            return True
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (TABLE_SETUP_LOCK,))
        try:
            events, meta = _pg_tables(conn, env)
            if events and not meta:
                has_events = conn.execute(f'SELECT 1 FROM "{schema}".linkledger_events LIMIT 1').fetchone()
                if has_events:
                    raise _old_store(None)
            if not (events and meta):
                LinkLedger(env={**env, "CREATE_TABLE": "y"}).close()
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (TABLE_SETUP_LOCK,))
    return True


def _exists(env: dict[str, str]) -> bool:
    if env["PERSISTENCE_MODULE"] != "eventsourcing.postgres":
        path = env["SQLITE_DBNAME"]
        return path == ":memory:" or path.startswith("file:") or Path(path).exists()
    with _pg_connect(env) as conn:
        return _pg_tables(conn, env)[0]


def ledger_env(store: str) -> dict[str, str]:
    env = event_store_env(store)
    if env["PERSISTENCE_MODULE"] == "eventsourcing.postgres":
        from linkledger.infrastructure.postgres_recorder import PostgresLedgerRecorder

        env["APPLICATION_RECORDER_TOPIC"] = get_topic(PostgresLedgerRecorder)
        env["POSTGRES_ENABLE_DB_FUNCTIONS"] = "n"
    else:
        env["APPLICATION_RECORDER_TOPIC"] = get_topic(SQLiteLedgerRecorder)
    return env


class NoStoreError(LedgerError):
    rule = "event store"


def open_ledger(store: str, env: dict[str, Any] | None = None, must_exist: bool = False) -> LinkLedger:
    """Open the event store named by `store` (an SQLite path or a postgresql:// URL). A
    reader passes `must_exist`: a mistyped path is refused instead of made."""
    base = ledger_env(store)
    if must_exist and not _exists(base):
        raise NoStoreError(f"there is no event store at {store}; write one with `linkledger run SCENARIO`")
    if base["PERSISTENCE_MODULE"] == "eventsourcing.postgres":
        _postgres_ready(base)
        base["CREATE_TABLE"] = "n"
    else:
        has_events, fmt = _sqlite_format(base["SQLITE_DBNAME"])
        if (has_events and fmt is None) or (fmt is not None and fmt != STORE_FORMAT):
            raise _old_store(fmt)  # before the library opens it: an old store is left as it was
    ledger = LinkLedger(env={**base, **(env or {})})
    fmt = ledger.recorder.meta("format")
    if fmt is None and ledger.recorder.has_events():
        # Another process opening this fresh store at the same time may have set the
        # format and written events since the read above (it sets the format first):
        # only events still without a format are an old store's.
        fmt = ledger.recorder.meta("format")
        if fmt is None:
            ledger.close()
            raise _old_store(None)
    if fmt is None:
        ledger.recorder.set_meta("format", STORE_FORMAT)
    elif fmt != STORE_FORMAT:
        ledger.close()
        raise _old_store(fmt)
    return ledger


def record_rule_files(ledger: LinkLedger, prices: list[Path], policies: list[Path], at: datetime) -> int:
    """Record the shipped rule files and the given ones that the store does not hold yet."""
    return ledger.record_rules(load_price_book_files(prices), load_policy_files(policies), at)
