"""Choosing a view store from one string: an SQLite file, or a redis:// URL."""

from __future__ import annotations

from pathlib import Path

from linkledger.infrastructure.event_store import event_store_env
from linkledger.infrastructure.view_store import ViewStore, ViewStoreError


def default_views_for(store: str) -> str:
    """The embedded default keeps the views in SQLite next to the event store."""
    env = event_store_env(store)
    if "POSTGRES_DBNAME" in env:
        schema = env.get("POSTGRES_SCHEMA")
        return f"linkledger-{env['POSTGRES_DBNAME']}{'-' + schema if schema else ''}.views.db"
    path = env["SQLITE_DBNAME"]
    p = Path(path)
    return str(p.with_name(p.stem + ".views.db")) if p.suffix else path + ".views.db"


def open_view_store(views: str) -> ViewStore:
    if views.startswith(("redis://", "rediss://", "unix://")):
        import redis
        from linkledger.infrastructure.redis_views import RedisViewStore

        store = RedisViewStore(views)
        try:
            store.ping()
        except redis.RedisError as e:
            raise ViewStoreError(f"cannot reach Redis at {views}: {e}") from e
        return store
    from linkledger.infrastructure.sqlite_views import SQLiteViewStore

    path = views.removeprefix("sqlite:///")
    Path(path).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
    return SQLiteViewStore(path)
