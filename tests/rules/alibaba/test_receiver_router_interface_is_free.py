from decimal import Decimal

import pytest
from linkledger.domain.errors import ReceiverIsFreeError

from tests.builders import T, alibaba_account


def test_receiver_router_interface_is_free(ledger):
    alibaba_account(ledger)
    # A VPC receiver on cn-shanghai, answering an initiator in another account.
    ledger.create_router_interface(
        "GLOBEX",
        T("2017-12-01T09:00"),
        name="RI-1",
        role="receiver",
        connection_type="vpc",
        initiator_region="cn-hangzhou",
        receiver_region="cn-shanghai",
        spec="Small.1",
        months=None,
        auto_renew=False,
        physical_connection=None,
        peer="RI-INIT",
    )
    ri = ledger.resource("RI-1")
    # Created as pay-as-you-go, with no term and nothing to renew.
    assert ri.billing_method == "PayAsYouGo"
    assert ri.expires_at is None
    assert ri.state == "active"
    assert ledger.account("GLOBEX").balance == Decimal("5000.00")
    # Three months on: no charge of any kind, balance unchanged, still active.
    ledger.advance_to(T("2018-03-01T02:00"))
    acct = ledger.account("GLOBEX")
    assert acct.balance == Decimal("5000.00")
    assert [type(e).__name__ for e in ledger.events_of(acct.id) if type(e).__name__ == "Charged"] == []
    assert ledger.resource("RI-1").state == "active"
    # Renewing it or turning on auto renew is refused, and writes nothing.
    ri_version = ledger.resource("RI-1").version
    acct_version = ledger.account("GLOBEX").version
    with pytest.raises(ReceiverIsFreeError):
        ledger.renew_router_interface("RI-1", 1, T("2018-03-01T03:00"))
    with pytest.raises(ReceiverIsFreeError):
        ledger.set_auto_renew("RI-1", True, T("2018-03-01T03:00"))
    assert ledger.resource("RI-1").version == ri_version
    assert ledger.resource("RI-1").auto_renew is False
    assert ledger.account("GLOBEX").version == acct_version
    assert ledger.account("GLOBEX").balance == Decimal("5000.00")
