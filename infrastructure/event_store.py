"""Where events are kept: an SQLite file (the embedded default) or PostgreSQL.

A store is named by one string: a file path or `sqlite:///path`, or a
`postgresql://user@host:port/dbname[?schema=NAME]` URL.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

DEFAULT_STORE = "linkledger.db"


class StoreUrlError(ValueError):
    pass


def event_store_env(store: str) -> dict[str, str]:
    if store.startswith(("postgresql://", "postgres://")):
        url = urlparse(store)
        if not url.path.strip("/"):
            raise StoreUrlError(f"{store!r} names no database; write postgresql://user@host:5432/dbname")
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(url.path.strip("/")),
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_ENABLE_DB_FUNCTIONS": "y",
        }
        schema = parse_qs(url.query).get("schema")
        if schema:
            env["POSTGRES_SCHEMA"] = schema[0]
        return env
    path = store.removeprefix("sqlite:///")
    if "://" in path:
        raise StoreUrlError(f"{store!r} is neither a file path, sqlite:///PATH nor postgresql://...")
    if path != ":memory:" and not path.startswith("file:"):
        Path(path).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path}
