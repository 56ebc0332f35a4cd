from decimal import Decimal

import pytest
from linkledger.domain.errors import InvalidAmountError

from tests.builders import T, zenlayer_account


def test_negative_top_up_is_refused(ledger):
    zenlayer_account(ledger, balance="100.00")
    ledger.advance_to(T("2026-01-02T09:00"))
    version = ledger.account("ACME").version
    # A negative top-up is refused and writes nothing.
    with pytest.raises(InvalidAmountError):
        ledger.top_up("ACME", "-5.00", None, T("2026-01-02T09:00"))
    with pytest.raises(InvalidAmountError):
        ledger.top_up("ACME", Decimal("-0.01"), None, T("2026-01-02T09:00"))
    # So is a float, even a positive one.
    with pytest.raises(InvalidAmountError):
        ledger.top_up("ACME", 5.0, None, T("2026-01-02T09:00"))
    acct = ledger.account("ACME")
    assert acct.version == version
    assert acct.balance == Decimal("100.00")
