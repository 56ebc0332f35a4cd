"""The PostgreSQL twin of `recorders.SQLiteLedgerRecorder`: the same rows, in the events'
transaction, written before the library's table lock. Needs POSTGRES_ENABLE_DB_FUNCTIONS=n
(that insert path never calls the hook, and skips the lock that keeps ids in commit order)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ProgrammingError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from linkledger.infrastructure.recorders import InvoiceRow, Probe, StuckRow
from psycopg.sql import SQL, Identifier


class PostgresLedgerRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        if datastore.enable_db_functions:  # that insert path never calls _insert_events()
            raise ProgrammingError("PostgresLedgerRecorder needs POSTGRES_ENABLE_DB_FUNCTIONS=n")
        prefix = self.events_table_name.removesuffix("_events")
        schema = Identifier(datastore.schema)
        self.t = {
            name: SQL("{}.{}").format(schema, Identifier(f"{prefix}_{name}"))
            for name in ("accounts", "commands", "stuck", "meta", "invoices", "price_usage")
        }
        self.sql_create_statements += [
            SQL(
                "CREATE TABLE IF NOT EXISTS {} (account_id uuid PRIMARY KEY, name text NOT NULL, "
                "next_due_at timestamptz)"
            ).format(self.t["accounts"]),
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} (next_due_at, account_id)").format(
                Identifier(f"{prefix}_accounts_due"), self.t["accounts"]
            ),
            SQL(
                "CREATE TABLE IF NOT EXISTS {} (command_id text PRIMARY KEY, account_id uuid, outcome text NOT NULL)"
            ).format(self.t["commands"]),
            SQL(
                "CREATE TABLE IF NOT EXISTS {} (account_id uuid PRIMARY KEY, name text NOT NULL, rule text NOT NULL, "
                "due_at timestamptz NOT NULL, message text NOT NULL)"
            ).format(self.t["stuck"]),
            SQL("CREATE TABLE IF NOT EXISTS {} (key text PRIMARY KEY, value text NOT NULL)").format(self.t["meta"]),
            SQL(
                "CREATE TABLE IF NOT EXISTS {} (number text PRIMARY KEY, account_id uuid NOT NULL, "
                "period text NOT NULL, issued_at timestamptz NOT NULL)"
            ).format(self.t["invoices"]),
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} (account_id, period)").format(
                Identifier(f"{prefix}_invoices_account"), self.t["invoices"]
            ),
            SQL(
                "CREATE TABLE IF NOT EXISTS {} (entry text NOT NULL, account_id uuid NOT NULL, "
                "first_day text NOT NULL, last_day text NOT NULL, PRIMARY KEY (entry, account_id))"
            ).format(self.t["price_usage"]),
        ]

    def _insert_events(self, curs: Any, stored_events: Sequence[StoredEvent], **kw: Any) -> None:
        super()._insert_events(curs, stored_events, **kw)
        with curs.connection.pipeline():  # a duplicate key raises here, not as a later pipeline abort
            for row in sorted(kw.get("accounts", ()), key=lambda r: str(r.account_id)):
                curs.execute(
                    SQL(
                        "INSERT INTO {} VALUES (%s, %s, %s) ON CONFLICT (account_id) "
                        "DO UPDATE SET next_due_at = EXCLUDED.next_due_at"
                    ).format(self.t["accounts"]),
                    (row.account_id, row.name, row.next_due_at),
                )
                if row.stuck:
                    curs.execute(SQL("DELETE FROM {} WHERE account_id = %s").format(self.t["stuck"]), (row.account_id,))
            if (cmd := kw.get("command")) is not None:
                curs.execute(SQL("INSERT INTO {} VALUES (%s, %s, %s)").format(self.t["commands"]), cmd)
            for inv in kw.get("invoices", ()):
                curs.execute(
                    SQL("INSERT INTO {} VALUES (%s, %s, %s, %s)").format(self.t["invoices"]),
                    (inv.number, inv.account_id, inv.period, inv.issued_at),
                )
            for u in sorted(kw.get("usage", ()), key=lambda u: (u.entry, str(u.account_id))):
                curs.execute(
                    SQL(
                        "INSERT INTO {t} VALUES (%s, %s, %s, %s) ON CONFLICT (entry, account_id) DO UPDATE "
                        "SET first_day = LEAST({t}.first_day, EXCLUDED.first_day), "
                        "last_day = GREATEST({t}.last_day, EXCLUDED.last_day)"
                    ).format(t=self.t["price_usage"]),
                    (u.entry, u.account_id, u.first_day, u.last_day),
                )

    def _read(self, sql: Any, params: Iterable[Any] = ()) -> list[Any]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(sql, tuple(params))
            return [tuple(r.values()) for r in curs.fetchall()]

    def _write(self, statements: list[tuple[Any, tuple[Any, ...]]]) -> None:
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            for sql, params in statements:
                curs.execute(sql, params)

    def due_accounts(
        self, upto: datetime, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[tuple[datetime, UUID]]:
        if after is None:
            rows = self._read(
                SQL(
                    "SELECT next_due_at, account_id FROM {} WHERE next_due_at <= %s "
                    "ORDER BY next_due_at, account_id LIMIT %s"
                ).format(self.t["accounts"]),
                (upto, limit),
            )
        else:
            rows = self._read(
                SQL(
                    "SELECT next_due_at, account_id FROM {} WHERE next_due_at <= %s "
                    "AND (next_due_at, account_id) > (%s, %s) "
                    "ORDER BY next_due_at, account_id LIMIT %s"
                ).format(self.t["accounts"]),
                (upto, after[0], after[1], limit),
            )
        return [(r[0], r[1]) for r in rows]

    def probe(self, ids: list[UUID], command_id: str | None, account_id: UUID | None) -> Probe:
        events = SQL("{}.{}").format(Identifier(self.datastore.schema), Identifier(self.events_table_name))
        # One MAX per id (an index-only backward scan each), whatever the aggregate's length.
        rows = self._read(
            SQL(
                "SELECT 'v' AS k, i::text AS a, (SELECT MAX(originator_version) FROM {} WHERE originator_id = i) AS n "
                "FROM unnest(%s::uuid[]) AS i "
                "UNION ALL SELECT 'c', outcome, NULL FROM {} WHERE command_id = %s "
                "UNION ALL SELECT 's', NULL, NULL FROM {} WHERE account_id = %s"
            ).format(events, self.t["commands"], self.t["stuck"]),
            (ids, command_id, account_id),
        )
        return Probe(
            versions={UUID(r[1]): r[2] for r in rows if r[0] == "v" and r[2] is not None},
            outcome=next((r[1] for r in rows if r[0] == "c"), None),
            stuck=any(r[0] == "s" for r in rows),
        )

    def outcome(self, command_id: str) -> str | None:
        rows = self._read(SQL("SELECT outcome FROM {} WHERE command_id = %s").format(self.t["commands"]), (command_id,))
        return rows[0][0] if rows else None

    def account_names(self) -> list[str]:
        return [r[0] for r in self._read(SQL("SELECT name FROM {} ORDER BY name").format(self.t["accounts"]))]

    def record_stuck(self, rows: list[StuckRow]) -> None:
        self._write(
            [
                (
                    SQL(
                        "INSERT INTO {} VALUES (%s, %s, %s, %s, %s) ON CONFLICT (account_id) DO UPDATE SET "
                        "rule = EXCLUDED.rule, due_at = EXCLUDED.due_at, message = EXCLUDED.message"
                    ).format(self.t["stuck"]),
                    (r.account_id, r.name, r.rule, r.due_at, r.message),
                )
                for r in rows
            ]
        )

    def stuck(self) -> list[StuckRow]:
        rows = self._read(
            SQL("SELECT account_id, name, rule, due_at, message FROM {} ORDER BY name").format(self.t["stuck"])
        )
        return [StuckRow(*r) for r in rows]

    def meta(self, key: str) -> str | None:
        rows = self._read(SQL("SELECT value FROM {} WHERE key = %s").format(self.t["meta"]), (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str, only_if_greater: bool = False) -> None:
        guard = " WHERE EXCLUDED.value > {t}.value" if only_if_greater else ""
        stmt = SQL(
            "INSERT INTO {t} VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value" + guard
        ).format(t=self.t["meta"])
        self._write([(stmt, (key, value))])

    def invoice(self, number: str) -> InvoiceRow | None:
        rows = self._read(
            SQL("SELECT number, account_id, period, issued_at FROM {} WHERE number = %s").format(self.t["invoices"]),
            (number,),
        )
        return InvoiceRow(*rows[0]) if rows else None

    def invoices(self) -> list[InvoiceRow]:
        return [
            InvoiceRow(*r)
            for r in self._read(
                SQL("SELECT number, account_id, period, issued_at FROM {} ORDER BY account_id, period").format(
                    self.t["invoices"]
                )
            )
        ]

    def price_users(self, entries: list[str], from_day: str) -> list[UUID]:
        if not entries:
            return []
        rows = self._read(
            SQL(
                "SELECT DISTINCT account_id FROM {} WHERE entry = ANY(%s) AND last_day >= %s ORDER BY account_id"
            ).format(self.t["price_usage"]),
            (entries, from_day),
        )
        return [r[0] for r in rows]

    def notification_ids(self, originator_id: UUID, versions: list[int]) -> dict[int, int]:
        events = SQL("{}.{}").format(Identifier(self.datastore.schema), Identifier(self.events_table_name))
        rows = self._read(
            SQL(
                "SELECT originator_version, notification_id FROM {} WHERE originator_id = %s "
                "AND originator_version = ANY(%s)"
            ).format(events),
            (originator_id, versions),
        )
        return {r[0]: r[1] for r in rows}

    def has_events(self) -> bool:
        stmt = SQL("SELECT 1 FROM {}.{} LIMIT 1").format(
            Identifier(self.datastore.schema), Identifier(self.events_table_name)
        )
        return bool(self._read(stmt))
