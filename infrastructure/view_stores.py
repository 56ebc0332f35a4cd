"""Choosing a view store from one string: an SQLite file, or a redis:// URL."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from linkledger.infrastructure.errors import SettingsError, StoreUnavailable, one_line
from linkledger.infrastructure.event_store import event_store_env
from linkledger.infrastructure.view_store import ViewStore, ViewStoreError

REDIS_SHAPE = "redis://host:6379/0?prefix=NAME"


class ViewsUrlError(SettingsError, ViewStoreError):
    rule = "view store"


class ViewStoreUnavailable(StoreUnavailable, ViewStoreError):
    rule = "view store"


def default_views_for(store: str) -> str:
    """The embedded default keeps the views in SQLite next to the event store."""
    env = event_store_env(store)
    if "POSTGRES_DBNAME" in env:
        schema = env.get("POSTGRES_SCHEMA")
        return f"linkledger-{env['POSTGRES_DBNAME']}{'-' + schema if schema else ''}.views.db"
    path = env["SQLITE_DBNAME"]
    p = Path(path)
    return str(p.with_name(p.stem + ".views.db")) if p.suffix else path + ".views.db"


def is_redis(views: str) -> bool:
    return views.startswith(("redis://", "rediss://", "unix://"))


def check_views_location(views: str) -> None:
    """Refuse a view store location that cannot be read, naming the part that is wrong."""
    if not is_redis(views):
        if "://" in views.removeprefix("sqlite:///"):
            raise ViewsUrlError(f"{views!r} is neither a file path, sqlite:///PATH nor {REDIS_SHAPE}")
        return
    url = urlsplit(views)
    try:
        port = url.port
    except ValueError:
        port = -1
    if port is not None and not 0 < port < 65536:
        raise ViewsUrlError(
            f"{views!r}: the port {url.netloc.rsplit(':', 1)[-1]!r} is not a port (1-65535); write {REDIS_SHAPE}"
        )
    db = url.path.strip("/")
    if url.scheme != "unix" and db and not db.isdigit():
        raise ViewsUrlError(f"{views!r}: the database {db!r} is not a number; write {REDIS_SHAPE}")
    unknown = sorted(set(parse_qs(url.query)) - {"prefix"})
    if unknown:
        raise ViewsUrlError(f"{views!r}: unknown URL option(s) {', '.join(unknown)}; write {REDIS_SHAPE}")


def open_view_store(views: str) -> ViewStore:
    check_views_location(views)
    if is_redis(views):
        import redis
        from linkledger.infrastructure.redis_views import REDIS_CONNECT_TIMEOUT, RedisViewStore

        store = RedisViewStore(views)
        try:
            store.ping(timeout=REDIS_CONNECT_TIMEOUT)
        except redis.RedisError as e:
            store.close()
            raise ViewStoreUnavailable(
                f"cannot reach Redis at {views}: {one_line(e)}; start it, or check the host and port in "
                "--views (or LINKLEDGER_VIEWS)"
            ) from None
        return store
    from linkledger.infrastructure.sqlite_views import SQLiteViewStore

    return SQLiteViewStore(views.removeprefix("sqlite:///"))
