"""The library's recorders, plus the rows an account-at-a-time ledger keeps beside its
events, written in the same transaction as the events they describe.

- `accounts`: one row per account: its name and when its next due rule falls due
  (NULL: nothing will fall due without a command). `advance` reads only the rows due.
- `commands`: the id of every command applied, with its outcome: a command id is
  applied once (its PRIMARY KEY is the idempotency key).
- `stuck`: accounts whose due rule could not run (rule, time, message); deleted when
  the account is next saved.
- `invoices`: every issued invoice's number (its PRIMARY KEY: unique in the store), account
  and month, so `audit NUMBER` finds it without reading the log.
- `price_usage`: which accounts used which price entry, and their first and last day
  (the index a price correction reads to touch only the accounts it affects).
- `meta`: the store format and the watermark (every account settled up to it).

Rows are passed to `Application.save(..., accounts=[...], command=(...))` and
written by the recorders' `_insert_events` hook (PostgreSQL's is in `postgres_recorder`,
imported only for a PostgreSQL store), inside the events' transaction: on
SQLite after the events, on PostgreSQL before the library's table lock (the nested
pipeline makes a duplicate key raise there, not later as a pipeline abort).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder

STORE_FORMAT = "3"


def utc_text(dt: datetime) -> str:
    """Fixed-width UTC text: sorts as time in SQLite."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_utc_text(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


@dataclass(frozen=True)
class AccountRow:
    account_id: UUID
    name: str
    next_due_at: datetime | None
    stuck: bool = True  # False when the writer knows the account has no `stuck` row to clear


@dataclass(frozen=True)
class InvoiceRow:
    number: str
    account_id: UUID
    period: str
    issued_at: datetime


@dataclass(frozen=True)
class UsageRow:
    """An account charged at `entry` (`vendor:entry`) for days from `first_day` to `last_day`."""

    entry: str
    account_id: UUID
    first_day: str
    last_day: str


@dataclass(frozen=True)
class Probe:
    """What a unit of work needs to know before it decides, read in one round trip: the
    stored version of each aggregate it may use, the command id's outcome, and whether the
    account is stuck."""

    versions: dict[UUID, int]
    outcome: str | None
    stuck: bool


@dataclass(frozen=True)
class StuckRow:
    account_id: UUID
    name: str
    rule: str
    due_at: datetime
    message: str


class SQLiteLedgerRecorder(SQLiteApplicationRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS linkledger_accounts (account_id TEXT PRIMARY KEY, name TEXT NOT NULL, "
            "next_due_at TEXT)",
            "CREATE INDEX IF NOT EXISTS linkledger_accounts_due ON linkledger_accounts (next_due_at, account_id)",
            "CREATE TABLE IF NOT EXISTS linkledger_commands (command_id TEXT PRIMARY KEY, account_id TEXT, "
            "outcome TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS linkledger_stuck (account_id TEXT PRIMARY KEY, name TEXT NOT NULL, "
            "rule TEXT NOT NULL, due_at TEXT NOT NULL, message TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS linkledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS linkledger_invoices (number TEXT PRIMARY KEY, account_id TEXT NOT NULL, "
            "period TEXT NOT NULL, issued_at TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS linkledger_invoices_account ON linkledger_invoices (account_id, period)",
            "CREATE TABLE IF NOT EXISTS linkledger_price_usage (entry TEXT NOT NULL, account_id TEXT NOT NULL, "
            "first_day TEXT NOT NULL, last_day TEXT NOT NULL, PRIMARY KEY (entry, account_id)) WITHOUT ROWID",
        ]

    def _insert_events(self, c: Any, stored_events: Sequence[StoredEvent], **kw: Any) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kw)
        for row in sorted(kw.get("accounts", ()), key=lambda r: str(r.account_id)):
            c.execute(
                "INSERT INTO linkledger_accounts VALUES (?, ?, ?) ON CONFLICT (account_id) "
                "DO UPDATE SET next_due_at = excluded.next_due_at",
                (row.account_id.hex, row.name, utc_text(row.next_due_at) if row.next_due_at else None),
            )
            if row.stuck:
                c.execute("DELETE FROM linkledger_stuck WHERE account_id = ?", (row.account_id.hex,))
        if (cmd := kw.get("command")) is not None:
            command_id, aid, outcome = cmd
            c.execute(
                "INSERT INTO linkledger_commands VALUES (?, ?, ?)", (command_id, aid.hex if aid else None, outcome)
            )
        for inv in kw.get("invoices", ()):
            c.execute(
                "INSERT INTO linkledger_invoices VALUES (?, ?, ?, ?)",
                (inv.number, inv.account_id.hex, inv.period, utc_text(inv.issued_at)),
            )
        for u in kw.get("usage", ()):
            c.execute(
                "INSERT INTO linkledger_price_usage VALUES (?, ?, ?, ?) ON CONFLICT (entry, account_id) DO UPDATE "
                "SET first_day = min(first_day, excluded.first_day), last_day = max(last_day, excluded.last_day)",
                (u.entry, u.account_id.hex, u.first_day, u.last_day),
            )
        return ids

    def _read(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(sql, tuple(params))
            return list(c.fetchall())

    def _write(self, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
        with self.datastore.transaction(commit=True) as c:
            for sql, params in statements:
                c.execute(sql, params)

    def due_accounts(
        self, upto: datetime, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[tuple[datetime, UUID]]:
        if after is None:
            rows = self._read(
                "SELECT next_due_at, account_id FROM linkledger_accounts WHERE next_due_at <= ? "
                "ORDER BY next_due_at, account_id LIMIT ?",
                (utc_text(upto), limit),
            )
        else:
            rows = self._read(
                "SELECT next_due_at, account_id FROM linkledger_accounts WHERE next_due_at <= ? "
                "AND (next_due_at > ? OR (next_due_at = ? AND account_id > ?)) "
                "ORDER BY next_due_at, account_id LIMIT ?",
                (utc_text(upto), utc_text(after[0]), utc_text(after[0]), after[1].hex, limit),
            )
        return [(from_utc_text(r[0]), UUID(r[1])) for r in rows]

    def probe(self, ids: list[UUID], command_id: str | None, account_id: UUID | None) -> Probe:
        # One MAX per id: each reads the primary key's last entry for that aggregate, whatever
        # its length (a GROUP BY over the ids would walk every version).
        ids_cte = "WITH ids(i) AS (VALUES " + ", ".join("(?)" for _ in ids) + ") " if ids else ""
        versions = (
            (
                "SELECT 'v', i, (SELECT MAX(originator_version) FROM stored_events WHERE originator_id = i) "
                "FROM ids UNION ALL "
            )
            if ids
            else ""
        )
        rows = self._read(
            ids_cte + versions + "SELECT 'c', outcome, NULL FROM linkledger_commands WHERE command_id = ? "
            "UNION ALL SELECT 's', NULL, NULL FROM linkledger_stuck WHERE account_id = ?",
            [*(i.hex for i in ids), command_id, account_id.hex if account_id else None],
        )
        return Probe(
            versions={UUID(r[1]): r[2] for r in rows if r[0] == "v" and r[2] is not None},
            outcome=next((r[1] for r in rows if r[0] == "c"), None),
            stuck=any(r[0] == "s" for r in rows),
        )

    def outcome(self, command_id: str) -> str | None:
        rows = self._read("SELECT outcome FROM linkledger_commands WHERE command_id = ?", (command_id,))
        return rows[0][0] if rows else None

    def account_names(self) -> list[str]:
        return [r[0] for r in self._read("SELECT name FROM linkledger_accounts ORDER BY name")]

    def record_stuck(self, rows: list[StuckRow]) -> None:
        self._write(
            [
                (
                    "INSERT INTO linkledger_stuck VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id) DO UPDATE SET "
                    "rule = excluded.rule, due_at = excluded.due_at, message = excluded.message",
                    (r.account_id.hex, r.name, r.rule, utc_text(r.due_at), r.message),
                )
                for r in rows
            ]
        )

    def stuck(self) -> list[StuckRow]:
        return [
            StuckRow(UUID(r[0]), r[1], r[2], from_utc_text(r[3]), r[4])
            for r in self._read("SELECT account_id, name, rule, due_at, message FROM linkledger_stuck ORDER BY name")
        ]

    def meta(self, key: str) -> str | None:
        rows = self._read("SELECT value FROM linkledger_meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str, only_if_greater: bool = False) -> None:
        guard = " WHERE excluded.value > linkledger_meta.value" if only_if_greater else ""
        self._write(
            [
                (
                    "INSERT INTO linkledger_meta VALUES (?, ?) ON CONFLICT (key) "
                    f"DO UPDATE SET value = excluded.value{guard}",
                    (key, value),
                )
            ]
        )

    def has_events(self) -> bool:
        return bool(self._read("SELECT 1 FROM stored_events LIMIT 1"))

    def invoice(self, number: str) -> InvoiceRow | None:
        rows = self._read(
            "SELECT number, account_id, period, issued_at FROM linkledger_invoices WHERE number = ?", (number,)
        )
        return InvoiceRow(rows[0][0], UUID(rows[0][1]), rows[0][2], from_utc_text(rows[0][3])) if rows else None

    def invoices(self) -> list[InvoiceRow]:
        """Every issued invoice, by account and month."""
        return [
            InvoiceRow(r[0], UUID(r[1]), r[2], from_utc_text(r[3]))
            for r in self._read(
                "SELECT number, account_id, period, issued_at FROM linkledger_invoices ORDER BY account_id, period"
            )
        ]

    def price_users(self, entries: list[str], from_day: str) -> list[UUID]:
        """The accounts charged at any of `entries` on `from_day` or later (index only)."""
        if not entries:
            return []
        marks = ", ".join("?" for _ in entries)
        rows = self._read(
            f"SELECT DISTINCT account_id FROM linkledger_price_usage WHERE entry IN ({marks}) "
            "AND last_day >= ? ORDER BY account_id",
            (*entries, from_day),
        )
        return [UUID(r[0]) for r in rows]

    def notification_ids(self, originator_id: UUID, versions: list[int]) -> dict[int, int]:
        """{version: notification id} of one aggregate's events."""
        if not versions:
            return {}
        marks = ", ".join("?" for _ in versions)
        rows = self._read(
            f"SELECT originator_version, rowid FROM stored_events WHERE originator_id = ? "
            f"AND originator_version IN ({marks})",
            (originator_id.hex, *versions),
        )
        return {r[0]: r[1] for r in rows}
