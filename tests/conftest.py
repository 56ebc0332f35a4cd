"""Fixtures: a LinkLedger on each real event store (SQLite file, PostgreSQL schema).

A PostgreSQL server that cannot be reached fails the test: it is never skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from linkledger.domain.rule_book import RuleBook
from linkledger.infrastructure.bootstrap import open_ledger
from linkledger.infrastructure.ledger import LinkLedger
from linkledger.infrastructure.rule_files import load_rule_book

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
POSTGRES_URL = os.environ.get("LINKLEDGER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def rules() -> RuleBook:
    """Shipped rules plus the illustrative example prices of both vendors."""
    return load_rule_book([EXAMPLES / "zenlayer" / "prices.toml", EXAMPLES / "alibaba" / "prices.toml"])


@pytest.fixture
def sqlite_store(tmp_path: Path) -> str:
    return str(tmp_path / "ledger.db")


@pytest.fixture
def postgres_store() -> Iterator[str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL.replace("postgresql://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield f"{POSTGRES_URL}?schema={schema}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> str:
    """Every ledger test runs on both event stores."""
    return request.getfixturevalue(f"{request.param}_store")


RULES_RECORDED_AT = datetime(2017, 1, 1, tzinfo=UTC)  # before every test's first command


def record_rule_book(ledger: LinkLedger, rules: RuleBook, at: datetime = RULES_RECORDED_AT) -> None:
    """Record a RuleBook's price books and policies in the ledger's store."""
    ledger.record_rules([(b, "tests") for b in rules.prices.books], [(p, "tests") for p in rules.policies.policies], at)


@pytest.fixture
def ledger(store: str, rules: RuleBook) -> Iterator[LinkLedger]:
    app = open_ledger(store)
    record_rule_book(app, rules)
    yield app
    app.close()
