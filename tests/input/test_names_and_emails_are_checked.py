"""Names (accounts, resources, users, roles) and e-mail addresses are checked in the
domain, so the Python API and scenario files refuse the same things."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from linkledger.domain.errors import InvalidInputError, InvalidNameError
from linkledger.domain.names import check_email, check_name
from linkledger.infrastructure.bootstrap import open_ledger
from linkledger.infrastructure.ledger import LinkLedger

from tests.conftest import record_rule_book
from tests.input.scenarios import refusal_of

AT = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (
            '2026-01-02T00:00Z order_port ACME "" site=HKG speed=10G',
            "[names] resource name is empty; give a name",
        ),
        (
            '2026-01-02T00:00Z order_port ACME "HKG 1" site=HKG speed=10G',
            "[names] resource name 'HKG 1' has ' '; a name has no spaces",
        ),
        (
            "2026-01-02T00:00Z add_user ACME name=bob email=bob@acme role=Finance",
            "[names] email 'bob@acme' needs a domain of dot-separated letters, digits and hyphens",
        ),
        (
            "2026-01-02T00:00Z add_user ACME name=bob email=acme.test role=Finance",
            "[names] email 'acme.test' needs exactly one @",
        ),
        (
            "2026-01-02T00:00Z add_user ACME name=bob email=a@b@acme.test role=Finance",
            "[names] email 'a@b@acme.test' needs exactly one @",
        ),
        (
            '2026-01-02T00:00Z add_user ACME name="" email=bob@acme.test role=Finance',
            "[names] user name is empty",
        ),
        (
            f"2026-01-02T00:00Z add_user ACME name={'b' * 65} email=bob@acme.test role=Finance",
            "[names] user name is 65 characters long; at most 64",
        ),
        (
            "2026-01-02T00:00Z open_account bad:name vendor=zenlayer",
            "[names] account name 'bad:name' has ':'",
        ),
    ],
)
def test_a_bad_name_or_email_in_a_scenario_is_refused_and_nothing_is_written(
    capsys, tmp_path: Path, line: str, reason: str
):
    assert refusal_of(capsys, tmp_path, line).startswith(reason)


@pytest.fixture
def ledger(tmp_path: Path, rules) -> LinkLedger:
    with open_ledger(str(tmp_path / "api.db")) as ledger:
        record_rule_book(ledger, rules)
        ledger.open_account("ACME", "zenlayer", "USD", AT)
        yield ledger


def test_the_python_api_refuses_the_same_names_and_emails(ledger: LinkLedger):
    head = ledger.recorder.max_notification_id()
    with pytest.raises(InvalidNameError, match=r"email 'bob @acme\.test' has spaces"):
        ledger.add_user("ACME", "bob", "bob @acme.test", "Finance", AT)
    with pytest.raises(InvalidNameError, match=r"user name 'bo\\x00b' has"):
        ledger.add_user("ACME", "bo\x00b", "bob@acme.test", "Finance", AT)
    with pytest.raises(InvalidNameError, match="resource name is empty"):
        ledger.order_port("ACME", "", "HKG", "10G", AT)
    with pytest.raises(InvalidNameError, match="account name is empty"):
        ledger.open_account("", "zenlayer", "USD", AT)
    assert ledger.recorder.max_notification_id() == head


def test_names_of_any_script_and_ordinary_emails_are_accepted():
    assert check_name("香港-1") == "香港-1"
    assert check_name("PC_HK.1") == "PC_HK.1"
    assert check_email("bob+billing@acme.test") == "bob+billing@acme.test"
    assert check_email("bob#billing@mail.acme-corp.example") == "bob#billing@mail.acme-corp.example"


def test_an_argument_of_the_wrong_type_is_refused_in_plain_words_not_a_pydantic_error(ledger: LinkLedger):
    head = ledger.recorder.max_notification_id()
    with pytest.raises(InvalidInputError) as refused:
        ledger.order_port("ACME", "HKG-1", 10, "10G", AT)  # type: ignore[arg-type]
    assert str(refused.value).startswith("[input] order_port: ")
    assert "site: must be text, got 10" in str(refused.value)
    assert "https://" not in str(refused.value) and "Input should" not in str(refused.value)
    assert ledger.recorder.max_notification_id() == head
