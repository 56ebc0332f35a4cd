"""Step 4's story: March is issued; in April a correction valid from 1 March is recorded.

The issued March invoice stays as issued and is reproduced byte for byte as known on
1 April; its audit passes; the adjustment lands on the next invoice with its
explanation; the balance moves by exactly the difference; the same correction again,
or a replay, changes nothing; a dry run writes nothing.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from linkledger.domain.account import Account
from linkledger.domain.documents import canonical
from linkledger.domain.errors import PriceCorrectionError, RuleFileError
from linkledger.domain.price_book import PriceEntry
from linkledger.domain.price_correction import PriceCorrection
from linkledger.domain.rule_library import RULE_LIBRARY_ID
from linkledger.infrastructure.history import AccountHistory, audit_account, audit_invoice
from linkledger.infrastructure.ledger import LinkLedger

from tests.builders import T, events_named

PC_200M = "private_connect/sites=HKG~SIN/up_to_mbps=200"


def correction(cid: str = "fix-200m", price: str = "12.00", valid_from: str = "2026-03-01") -> PriceCorrection:
    return PriceCorrection(
        id=cid,
        vendor="zenlayer",
        valid_from=valid_from,
        reason="the 200M HKG~SIN price was 12.00 all along",
        entries=[
            PriceEntry(
                item="private_connect",
                match={"sites": "HKG~SIN"},
                up_to_mbps=200,
                per="day",
                price={"USD": Decimal(price)},
            )
        ],
    )


def connected_account(
    ledger: LinkLedger,
    name: str,
    names: tuple[str, str, str],
    mbps: int = 200,
    balance: str = "5000.00",
    active: str = "2026-02-20T00:00",
) -> None:
    """`name`, opened and topped up on 1 February, with ports at HKG and SIN and a private
    connect between them (`names`: the two ports and the connect), billing from `active`."""
    hkg, sin, connect = names
    ledger.open_account(name, "zenlayer", "USD", T("2026-02-01T00:00"))
    ledger.top_up(name, balance, None, T("2026-02-01T00:00"))
    ledger.order_port(name, hkg, "HKG", "10G", T("2026-02-01T00:00"))
    ledger.order_port(name, sin, "SIN", "10G", T("2026-02-01T00:00"))
    ledger.create_private_connect(name, connect, f"port:{hkg}", f"port:{sin}", mbps, T("2026-02-01T00:00"))
    ledger.complete_cross_connect(hkg, T(active))
    ledger.complete_cross_connect(sin, T(active))


def acme_with_a_200m_connect(ledger: LinkLedger, balance: str = "5000.00", active: str = "2026-02-20T00:00") -> None:
    connected_account(ledger, "ACME", ("HKG-1", "SIN-1", "PC"), balance=balance, active=active)


def log_of(ledger: LinkLedger) -> list[tuple[int, str, bytes]]:
    return [(n.id, n.topic, n.state) for n in ledger.recorder.select_notifications(start=1, limit=10**7)]


def issued(ledger: LinkLedger, period: str) -> Account.InvoiceIssued:
    [event] = [e for e in events_named(ledger, ledger.account("ACME").id, "InvoiceIssued") if e.period == period]
    return event


def test_march_issued_then_corrected_in_april(ledger: LinkLedger):
    acme_with_a_200m_connect(ledger)
    ledger.advance_to(T("2026-04-10T00:00"))
    march = issued(ledger, "2026-03")
    assert march.number == "INV-ACME-000002" and march.at == T("2026-04-01T01:00")
    [pc_line] = [line for line in march.document["lines"] if line["resource"] == "PC"]
    assert (pc_line["quantity"], pc_line["unit_price"], pc_line["amount"]) == ("31", "9.00", "279.00")
    before = ledger.account("ACME").balance

    # The dry run shows March's line and April's days so far, and writes nothing.
    log = log_of(ledger)
    [(acct, lines)] = ledger.preview_correction(correction())
    assert acct.name == "ACME"
    assert [(x.invoice, x.line_id, x.old_amount, x.new_amount, x.difference) for x in lines] == [
        ("INV-ACME-000002", pc_line["line_id"], Decimal("279.00"), Decimal("372.00"), Decimal("93.00")),
        (None, "L002", Decimal("72.00"), Decimal("96.00"), Decimal("24.00")),  # 1-8 April, not yet issued
    ]
    assert log_of(ledger) == log

    assert ledger.record_correction(correction(), "tests", T("2026-04-10T00:00"))
    assert ledger.apply_corrections().re_rated == {"fix-200m": 1}
    after = ledger.account("ACME")
    [adjusted] = events_named(ledger, after.id, "PricesAdjusted")
    assert adjusted.total == Decimal("117.00") and adjusted.correction == "fix-200m"
    assert after.balance == before - Decimal("117.00")  # exactly the difference

    # March stays as issued, and is reproduced byte for byte as known on 1 April and now.
    assert issued(ledger, "2026-03").document == march.document
    as_known = AccountHistory(ledger, "ACME", T("2026-04-01T12:00")).invoice("2026-03")
    assert canonical(as_known) == canonical(march.document)
    assert canonical(AccountHistory(ledger, "ACME").invoice("2026-03")) == canonical(march.document)
    assert audit_invoice(ledger, march.number).passed

    # The April invoice carries both adjustments, each naming its original line and the correction.
    ledger.advance_to(T("2026-05-01T01:00"))
    april = issued(ledger, "2026-04").document
    assert [
        (a["invoice"], a["line_id"], a["old_amount"], a["new_amount"], a["difference"], a["correction"])
        for a in april["adjustments"]
    ] == [
        ("INV-ACME-000002", pc_line["line_id"], "279.00", "372.00", "93.00", "fix-200m"),
        (None, "L002", "72.00", "96.00", "24.00", "fix-200m"),
    ]
    assert april["adjustments_total"] == "117.00"
    assert april["balance"]["adjustments"] == "117.00"
    # Days from 9 April on were charged at the corrected price.
    [april_pc] = [line for line in april["lines"] if line["resource"] == "PC" and line["from"] == "2026-04-09"]
    assert april_pc["unit_price"] == "12.00" and april_pc["price_ref"] == "correction:fix-200m"
    assert all(r.passed for r in audit_account(ledger, after.id))

    # The same correction again, or its reaction replayed, adds nothing.
    log = log_of(ledger)
    assert not ledger.record_correction(correction(), "tests", T("2026-05-01T01:00"))
    ledger.recorder.set_meta("correction:fix-200m", "pending")  # as if the reaction had crashed before its end
    assert ledger.apply_corrections().re_rated == {"fix-200m": 0}
    assert log_of(ledger) == log


def test_a_correction_twice_with_other_content_is_refused(ledger: LinkLedger):
    acme_with_a_200m_connect(ledger)
    ledger.advance_to(T("2026-04-10T00:00"))
    assert ledger.record_correction(correction(), "tests", T("2026-04-10T00:00"))
    with pytest.raises(PriceCorrectionError, match="already recorded with different content"):
        ledger.record_correction(correction(price="13.00"), "tests", T("2026-04-10T00:00"))


def test_a_correction_of_an_entry_no_book_prices_is_refused_and_writes_nothing(ledger: LinkLedger):
    acme_with_a_200m_connect(ledger)
    log = log_of(ledger)
    bad = PriceCorrection(
        id="nope",
        vendor="zenlayer",
        valid_from="2026-03-01",
        reason="x",
        entries=[
            PriceEntry(
                item="private_connect",
                match={"sites": "HKG~TYO"},
                up_to_mbps=200,
                per="day",
                price={"USD": Decimal("1.00")},
            )
        ],
    )
    with pytest.raises(PriceCorrectionError, match="not priced by any zenlayer price book"):
        ledger.record_correction(bad, "tests", T("2026-04-10T00:00"))
    assert log_of(ledger) == log


def test_a_correction_of_a_lifecycle_policy_is_refused_as_out_of_scope():
    with pytest.raises(PriceCorrectionError, match=r"corrections of lifecycle policies .* are out of scope"):
        PriceCorrection.from_mapping(
            {"id": "p", "vendor": "zenlayer", "valid_from": "2026-03-01", "negative_balance": {"protection_hours": 24}},
            "fix.toml",
        )
    with pytest.raises(RuleFileError, match="float"):
        PriceCorrection.from_mapping(
            {
                "id": "p",
                "vendor": "zenlayer",
                "valid_from": "2026-03-01",
                "reason": "r",
                "entries": [{"item": "port", "per": "day", "price": {"USD": 1.5}}],
            },
            "fix.toml",
        )


def test_a_debit_adjustment_below_zero_starts_the_protection_stage(ledger: LinkLedger):
    acme_with_a_200m_connect(ledger, balance="400.00", active="2026-03-01T00:00")
    ledger.advance_to(T("2026-03-10T00:00"))  # 1-8 March, 8 days x 29.00 = 232.00: 168.00 left
    assert ledger.account("ACME").balance == Decimal("168.00") and ledger.account("ACME").stage == "active"
    ledger.record_correction(correction(price="31.00"), "tests", T("2026-03-10T00:00"))
    ledger.apply_corrections()  # 8 days x 22.00 more = 176.00: the balance goes below zero
    acct = ledger.account("ACME")
    assert acct.balance == Decimal("-8.00")
    assert acct.stage == "protection"
    assert [type(e).__name__ for e in ledger.events_of(acct.id)][-3:] == [
        "PricesAdjusted",
        "BalanceExhausted",
        "NoticeSent",
    ]


def test_a_correction_reads_and_writes_only_the_accounts_that_used_the_corrected_price(ledger: LinkLedger):
    acme_with_a_200m_connect(ledger)  # ACME uses the 200M tier; the others only 100M
    for name in ("B", "C"):
        connected_account(ledger, name, (f"{name}-HKG", f"{name}-SIN", f"{name}-PC"), mbps=100)
    ledger.advance_to(T("2026-04-10T00:00"))
    others = {name: log_of_account(ledger, name) for name in ("B", "C")}
    loaded: set[str] = set()
    read, get = ledger.events.get, ledger.repository.get

    def reading(originator_id, *args, **kwargs):
        loaded.add(str(originator_id))
        return read(originator_id, *args, **kwargs)

    def getting(aggregate_id, *args, **kwargs):
        loaded.add(str(aggregate_id))
        return get(aggregate_id, *args, **kwargs)

    # The library's event store and repository, watched: which aggregates are read at all.
    ledger.events.get, ledger.repository.get = reading, getting  # type: ignore[method-assign]
    ledger.preview_correction(correction())
    ledger.record_correction(correction(), "tests", T("2026-04-10T00:00"))
    ledger.apply_corrections()
    ledger.events.get, ledger.repository.get = read, get  # type: ignore[method-assign]
    acme = ledger.account("ACME")
    touched = {str(acme.id), *(str(r.resource_id) for r in acme.resources)}
    assert str(ledger.account("B").id) not in loaded and str(ledger.account("C").id) not in loaded
    assert loaded - touched <= {str(RULE_LIBRARY_ID)}
    assert {name: log_of_account(ledger, name) for name in ("B", "C")} == others


def log_of_account(ledger: LinkLedger, name: str) -> list[tuple[int, str]]:
    return [(e.originator_version, type(e).__name__) for e in ledger.events_of(ledger.account(name).id)]


def test_an_account_that_cannot_be_settled_is_left_undone_and_the_others_are_re_rated(ledger: LinkLedger):
    from tests.ledger.test_isolation import port_priced_by_rules_the_store_never_held

    acme_with_a_200m_connect(ledger)
    connected_account(ledger, "B", ("B-HKG", "B-SIN", "B-PC"))
    ledger.advance_to(T("2026-04-10T00:00"))
    port_priced_by_rules_the_store_never_held(ledger, "B", "B-FRA")  # B's next deduction cannot run
    b_before = log_of_account(ledger, "B")
    ledger.record_correction(correction(), "tests", T("2026-04-12T00:00"))
    report = ledger.apply_corrections()
    assert report.re_rated == {"fix-200m": 1} and report.pending == ["fix-200m"]
    [stuck] = report.stuck
    assert stuck.name == "B" and "FRA" in stuck.message
    assert [s.name for s in ledger.stuck()] == ["B"]
    assert events_named(ledger, ledger.account("ACME").id, "PricesAdjusted")  # ACME is re-rated
    assert log_of_account(ledger, "B") == b_before  # B is left as it was, wholly
    assert ledger.recorder.meta("correction:fix-200m") != "done"  # it runs again for B once B is fixed


def test_subscriptions_and_setup_fees_are_re_rated_too(ledger: LinkLedger):
    """Alibaba: a setup fee and a router interface's monthly subscription, both corrected
    from the day they were charged; each becomes an adjustment line of its own."""
    ledger.open_account("GLOBEX", "alibaba", "USD", T("2017-11-20T00:00"))
    ledger.top_up("GLOBEX", "5000.00", None, T("2017-11-20T00:00"), kind="payment")
    ledger.create_physical_connection("GLOBEX", "PC-HK-1", "cn-hongkong", "1G", "HKBN", None, T("2017-11-20T06:00"))
    ledger.create_router_interface(
        "GLOBEX",
        T("2017-11-20T06:30"),
        name="RI-HK-1",
        role="initiator",
        connection_type="physical",
        initiator_region="cn-hongkong",
        receiver_region="cn-hongkong",
        spec="Large.1",
        months=2,
        physical_connection="PC-HK-1",
    )
    ledger.advance_to(T("2017-12-05T00:00"))
    fix = PriceCorrection(
        id="ali-fix",
        vendor="alibaba",
        valid_from="2017-11-01",
        reason="list prices were wrong",
        entries=[
            PriceEntry(item="setup_fee", match={"spec": "1G"}, per="once", price={"USD": Decimal("450")}),
            PriceEntry(
                item="router_interface",
                per="month",
                price={"USD": Decimal("200")},
                match={
                    "connection_type": "physical",
                    "spec": "Large.1",
                    "initiator_region": "cn-hongkong",
                    "receiver_region": "cn-hongkong",
                },
            ),
        ],
    )
    before = ledger.account("GLOBEX").balance
    ledger.record_correction(fix, "tests", T("2017-12-05T00:00"))
    ledger.apply_corrections()
    [adjusted] = events_named(ledger, ledger.account("GLOBEX").id, "PricesAdjusted")
    assert sorted((x.item, x.old_amount, x.new_amount, x.invoice) for x in adjusted.lines) == [
        ("router_interface", Decimal("460.00"), Decimal("400.00"), "INV-GLOBEX-000001"),  # 2 months x 230 -> 200
        ("setup_fee", Decimal("500.00"), Decimal("450.00"), "INV-GLOBEX-000001"),
    ]
    assert ledger.account("GLOBEX").balance == before + Decimal("110.00")
