import pytest
from linkledger.domain.errors import DuplicateNameError

from tests.builders import T, zenlayer_account


def test_resource_names_are_unique_across_accounts(ledger):
    zenlayer_account(ledger)
    ledger.open_account("INITECH", "zenlayer", "USD", T("2026-01-01T00:00"))
    ledger.order_port("ACME", "HKG-1", "HKG", "10G", T("2026-01-01T09:00"))
    # Ids derive from names, so another account cannot take the name; nothing is written.
    version = ledger.account("INITECH").version
    with pytest.raises(DuplicateNameError, match="HKG-1"):
        ledger.order_port("INITECH", "HKG-1", "HKG", "1G", T("2026-01-01T10:00"))
    assert ledger.account("INITECH").version == version
    assert ledger.resource("HKG-1").account_id == ledger.account("ACME").id
