"""Fixtures for the views: each view store on its real server (Redis is never faked,
and a Redis that cannot be reached fails the test), and ledgers with the examples."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from linkledger.infrastructure.bootstrap import open_ledger, record_rule_files
from linkledger.infrastructure.event_log import EventLog
from linkledger.infrastructure.ledger import LinkLedger
from linkledger.infrastructure.redis_views import RedisViewStore
from linkledger.infrastructure.scenario import parse_scenario, run_scenario
from linkledger.infrastructure.sqlite_views import SQLiteViewStore
from linkledger.infrastructure.view_store import ViewStore

from tests.conftest import EXAMPLES

REDIS_URL = "redis://127.0.0.1:6379/0"


def unlink_prefix(url: str, prefix: str) -> None:
    r = redis.Redis.from_url(url)
    keys = list(r.scan_iter(match=f"{prefix}:*", count=1000))
    for i in range(0, len(keys), 1000):
        r.unlink(*keys[i : i + 1000])
    r.close()


@pytest.fixture
def redis_views_url() -> Iterator[str]:
    """A key prefix of its own on the shared Redis server, removed afterwards."""
    prefix = f"lltest-{uuid.uuid4().hex[:10]}"
    redis.Redis.from_url(REDIS_URL).ping()  # unreachable Redis: the test fails here
    yield f"{REDIS_URL}?prefix={prefix}"
    unlink_prefix(REDIS_URL, prefix)


@pytest.fixture
def sqlite_views_path(tmp_path: Path) -> str:
    return str(tmp_path / "views.db")


@pytest.fixture(params=["sqlite", "redis"])
def views_location(request: pytest.FixtureRequest) -> str:
    """Every view test runs on both view stores."""
    return request.getfixturevalue("sqlite_views_path" if request.param == "sqlite" else "redis_views_url")


def open_views(location: str) -> ViewStore:
    return RedisViewStore(location) if location.startswith("redis://") else SQLiteViewStore(location)


@pytest.fixture
def view_store(views_location: str) -> Iterator[ViewStore]:
    store = open_views(views_location)
    yield store
    store.close()


def ledger_with(store: str, *scenarios: str) -> LinkLedger:
    """A ledger on `store` with the named example scenarios applied in order (e.g.
    'alibaba/scenario.txt', 2017, before 'zenlayer/scenario.txt', 2026: time only moves on)."""
    parsed = [parse_scenario(EXAMPLES / name) for name in scenarios]
    ledger = open_ledger(store)
    record_rule_files(
        ledger, [p for s in parsed for p in s.prices], [p for s in parsed for p in s.policies], parsed[0].lines[0].at
    )
    for scenario in parsed:
        run_scenario(ledger, scenario)
    return ledger


@pytest.fixture(params=["zenlayer/scenario.txt", "alibaba/scenario.txt"])
def example_log(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EventLog]:
    """One shipped example in a fresh SQLite event store."""
    ledger = ledger_with(str(tmp_path / "events.db"), request.param)
    log = EventLog(ledger)
    yield log
    log.close()
    ledger.close()
