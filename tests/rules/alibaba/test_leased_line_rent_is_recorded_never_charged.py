from decimal import Decimal

from tests.builders import T, alibaba_account, invoice_of


def test_leased_line_rent_is_recorded_never_charged(ledger):
    alibaba_account(ledger)
    # The leased line costs 1200.00 a month, billed by China Telecom, not by Alibaba.
    ledger.create_physical_connection(
        "GLOBEX", "PC-HK-1", "cn-hongkong", "1G", "China Telecom", "1200.00", T("2017-12-01T10:00")
    )
    ledger.advance_to(T("2018-01-02T02:00"))
    acct = ledger.account("GLOBEX")
    items = {line.item for e in ledger.events_of(acct.id) if type(e).__name__ == "Charged" for line in e.lines}
    assert items == {"setup_fee", "port_reservation"}
    # Only the setup fee and 32 days at 20.00 (1 Dec to 1 Jan); none of the rent.
    assert acct.balance == Decimal("5000.00") - Decimal("500.00") - 32 * Decimal("20.00")
    invoice = invoice_of(ledger, "GLOBEX", "2017-12")
    assert Decimal(invoice["total"]) == Decimal("500.00") + 31 * Decimal("20.00")
    memos = invoice["memos"]
    assert len(memos) == 1
    assert memos[0]["resource"] == "PC-HK-1"
    assert memos[0]["item"] == "leased_line_rent"
    assert memos[0]["charged_by"] == "China Telecom"
    assert Decimal(memos[0]["monthly_rent"]) == Decimal("1200.00")
    assert memos[0]["currency"] == "USD"
