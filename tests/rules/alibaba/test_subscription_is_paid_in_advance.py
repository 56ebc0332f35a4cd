from decimal import Decimal

import pytest
from linkledger.domain.errors import InsufficientBalanceError, UnknownResourceError

from tests.builders import T, alibaba_account


def vpc_initiator(ledger, name, months, at):
    ledger.create_router_interface(
        "GLOBEX",
        T(at),
        name=name,
        role="initiator",
        connection_type="vpc",
        initiator_region="cn-hangzhou",
        receiver_region="cn-shanghai",
        spec="Small.1",
        months=months,
        auto_renew=False,
    )


def test_subscription_is_paid_in_advance(ledger):
    alibaba_account(ledger, paid="100.00")
    # Two months of Small.1 intra-country cost 120.00: more than the 100.00 paid.
    version = ledger.account("GLOBEX").version
    with pytest.raises(InsufficientBalanceError):
        vpc_initiator(ledger, "RI-1", 2, "2017-12-01T09:00")
    assert ledger.account("GLOBEX").version == version
    assert ledger.account("GLOBEX").balance == Decimal("100.00")
    with pytest.raises(UnknownResourceError):
        ledger.resource("RI-1")
    # One month (60.00) is covered: paid at creation.
    vpc_initiator(ledger, "RI-1", 1, "2017-12-01T09:00")
    assert ledger.account("GLOBEX").balance == Decimal("40.00")
    # Renewing for another month needs 60.00 up front; 40.00 is not enough.
    ri_version = ledger.resource("RI-1").version
    acct_version = ledger.account("GLOBEX").version
    with pytest.raises(InsufficientBalanceError):
        ledger.renew_router_interface("RI-1", 1, T("2017-12-20T09:00"))
    assert ledger.resource("RI-1").version == ri_version
    assert ledger.account("GLOBEX").version == acct_version
    assert ledger.account("GLOBEX").balance == Decimal("40.00")
    assert ledger.resource("RI-1").expires_at == T("2018-01-01T09:00")
