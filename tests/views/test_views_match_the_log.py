"""Every view, built by the runner into each view store, says what a fold of the
event log says: the same invoices (byte for byte), balances, timelines and notices."""

from __future__ import annotations

from linkledger.domain.account import Account
from linkledger.domain.physical_connection import PhysicalConnection
from linkledger.infrastructure import queries
from linkledger.infrastructure.event_log import EventLog
from linkledger.infrastructure.projection_runner import ProjectionRunner
from linkledger.infrastructure.view_queries import Views
from linkledger.infrastructure.view_store import ViewStore
from linkledger.projections.catalog import PROJECTIONS
from linkledger.projections.rendering import to_json


def periods_of(ledger, account) -> list[str]:
    found = set()
    for e in ledger.events_of(account.id):
        if isinstance(e, Account.Charged):
            found |= {line.period_start.isoformat()[:7] for line in e.lines} | {e.at.date().isoformat()[:7]}
    return sorted(found)


def test_views_equal_the_fold_of_the_log(example_log: EventLog, view_store: ViewStore):
    ledger = example_log.ledger
    report = ProjectionRunner(example_log, view_store, PROJECTIONS.values(), page_size=7).catch_up()
    assert report.failures == []
    assert set(report.checkpoints.values()) == {example_log.head()}
    views = Views(view_store)
    for name in ledger.account_names():
        account = ledger.account(name)
        for period in periods_of(ledger, account):
            assert to_json(views.invoice(name, period)) == to_json(queries.invoice(ledger, name, period))
        assert to_json(views.balance(name)) == to_json(queries.balance(ledger, name))
        sent = [e for e in ledger.events_of(account.id) if isinstance(e, Account.NoticeSent)]
        notices = views.notices(name)["notices"] if sent else []
        assert [(n["notice"], [r["name"] for r in n["recipients"]]) for n in notices] == [
            (e.notice, [u.name for u in e.recipients]) for e in sent
        ]
        for ref in account.resources:
            assert to_json(views.timeline(ref.name)) == to_json(queries.timeline(ledger, ref.name))


def test_the_balance_view_keeps_the_balance_at_the_close_of_each_day(example_log: EventLog, view_store: ViewStore):
    ledger = example_log.ledger
    ProjectionRunner(example_log, view_store, [PROJECTIONS["balances"]]).catch_up()
    for name in ledger.account_names():
        expected: dict[str, str] = {}
        for e in ledger.events_of(ledger.account(name).id):
            if isinstance(e, (Account.Charged, Account.Credited)):
                expected[e.at.date().isoformat()] = str(e.balance_after)
        assert Views(view_store).balance_days(name) == expected


def test_the_zenlayer_notices_go_to_administrator_and_finance_users(tmp_path, view_store: ViewStore):
    from tests.views.conftest import ledger_with

    ledger = ledger_with(str(tmp_path / "z.db"), "zenlayer/scenario.txt")
    ProjectionRunner(EventLog(ledger), view_store, [PROJECTIONS["notices"]]).catch_up()
    notices = Views(view_store).notices("ACME")["notices"]
    # The example runs out of balance twice: a top-up ends the first protection stage.
    assert [n["notice"] for n in notices] == [
        "protection_reminder",
        "protection_reminder",
        "suspension_notice",
        "final_notice",
    ]
    for n in notices:  # carol (ReadOnly) is never told
        assert sorted(r["role"] for r in n["recipients"]) == ["AdministratorAccess", "Finance"]
    ledger.close()


def test_a_leased_line_memo_appears_on_invoices_from_the_month_it_was_applied(
    example_log: EventLog, view_store: ViewStore
):
    ledger = example_log.ledger
    applied = [
        e
        for name in ledger.account_names()
        for ref in ledger.account(name).resources
        if ref.kind == PhysicalConnection.KIND
        for e in ledger.events_of(ref.resource_id)
        if isinstance(e, PhysicalConnection.Applied)
    ]
    ProjectionRunner(example_log, view_store, [PROJECTIONS["invoices"]]).catch_up()
    for e in applied:
        name = ledger.repository.get(e.account_id).name
        month = e.at.date().isoformat()[:7]
        before = f"{e.at.year - 1}-12"
        assert [m["resource"] for m in Views(view_store).invoice(name, month)["memos"]] == [e.name]
        assert Views(view_store).invoice(name, before)["memos"] == []
