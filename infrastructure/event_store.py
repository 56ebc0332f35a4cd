"""Where events are kept: an SQLite file (the embedded default) or PostgreSQL.

A store is named by one string: a file path or `sqlite:///path`, or a
`postgresql://user[:password]@host[:port]/dbname?schema=NAME` URL. A URL that cannot
be read is refused (exit 2) naming the part that is wrong.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from linkledger.infrastructure.errors import SettingsError

DEFAULT_STORE = "linkledger.db"
POSTGRES_SHAPE = "postgresql://user@host:5432/dbname?schema=NAME"
# Seconds a connection attempt to PostgreSQL may take before its cause is reported.
POSTGRES_CONNECT_TIMEOUT = 4
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,62}")


class StoreUrlError(SettingsError, ValueError):
    rule = "event store"


def _port(store: str, url: SplitResult) -> int:
    try:
        port = url.port
    except ValueError:
        port = -1
    if port is None:
        return 5432
    if not 0 < port < 65536:
        raw = url.netloc.rsplit(":", 1)[-1]
        raise StoreUrlError(f"{store!r}: the port {raw!r} is not a port (1-65535); write {POSTGRES_SHAPE}")
    return port


def _schema(store: str, url: SplitResult) -> str:
    query = parse_qs(url.query, keep_blank_values=True)
    unknown = sorted(set(query) - {"schema"})
    if unknown:
        raise StoreUrlError(f"{store!r}: unknown URL option(s) {', '.join(unknown)}; write {POSTGRES_SHAPE}")
    schema = query.get("schema", [""])[0]
    if not schema:
        raise StoreUrlError(
            f"{store!r} names no schema: add ?schema=NAME (the ledger keeps its tables in a schema of its own), "
            f"as in {POSTGRES_SHAPE}"
        )
    if not IDENTIFIER.fullmatch(schema):
        raise StoreUrlError(f"{store!r}: the schema {schema!r} is not a plain name (letters, digits, _)")
    return schema


def postgres_env(store: str) -> dict[str, str]:
    url = urlsplit(store)
    dbname = unquote(url.path.strip("/"))
    if not dbname:
        raise StoreUrlError(f"{store!r} names no database; write {POSTGRES_SHAPE}")
    port = _port(store, url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(port),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_SCHEMA": _schema(store, url),
        "POSTGRES_ENABLE_DB_FUNCTIONS": "y",
        "POSTGRES_CONNECT_TIMEOUT": str(POSTGRES_CONNECT_TIMEOUT),
    }


def event_store_env(store: str) -> dict[str, str]:
    if store.startswith(("postgresql://", "postgres://")):
        return postgres_env(store)
    path = store.removeprefix("sqlite:///")
    if "://" in path:
        raise StoreUrlError(f"{store!r} is neither a file path, sqlite:///PATH nor {POSTGRES_SHAPE}")
    if not path.strip():
        raise StoreUrlError("the event store is named by an empty path; give a file path or a postgresql:// URL")
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path}
