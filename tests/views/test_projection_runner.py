"""The runner: batches, checkpoints, failures that stop a projection, competing
runners, side-by-side rebuilds and the status report."""

from __future__ import annotations

import random
import uuid

import orjson
import pytest
from eventsourcing.persistence import StoredEvent
from linkledger.domain.account import Account
from linkledger.infrastructure.event_log import EventLog
from linkledger.infrastructure.projection_runner import ProjectionRunner
from linkledger.infrastructure.rebuild import rebuild
from linkledger.infrastructure.status import status
from linkledger.infrastructure.view_queries import Views
from linkledger.infrastructure.view_store import Build, ViewStore, ViewStoreError
from linkledger.projections.catalog import PROJECTIONS
from linkledger.projections.invoice_view import InvoiceProjection


def from_zero(log: EventLog, store: ViewStore, name: str) -> dict:
    """The view a fresh build from zero gives, in a build of its own."""
    build = store.new_build(name, PROJECTIONS[name].version)
    ProjectionRunner(log, store, [PROJECTIONS[name]], builds={name: build}).catch_up()
    return store.dump(build)


def active(store: ViewStore, name: str) -> Build:
    return Build(name, store.active(name))


def test_catching_up_in_steps_gives_the_view_a_build_from_zero_gives(example_log: EventLog, view_store: ViewStore):
    rng = random.Random(7)
    head = example_log.head()
    at = 0
    while at < head:
        at = min(head, at + rng.randint(1, 15))
        ProjectionRunner(example_log, view_store, PROJECTIONS.values(), page_size=rng.randint(1, 6)).catch_up(at)
    for name in PROJECTIONS:
        assert view_store.checkpoint(active(view_store, name)) == head
        assert view_store.dump(active(view_store, name)) == from_zero(example_log, view_store, name)


def test_a_second_runner_on_the_same_build_never_doubles_a_write(example_log: EventLog, view_store: ViewStore):
    invoices = [PROJECTIONS["invoices"]]
    slow = ProjectionRunner(example_log, view_store, invoices, page_size=3)  # starts at 0, caches as it goes
    slow.catch_up(10)
    ProjectionRunner(example_log, view_store, invoices, page_size=5).catch_up()  # another runner takes it to the head
    slow.catch_up()  # its next batch is refused; it re-reads the checkpoint and carries on from there
    view = view_store.dump(active(view_store, "invoices"))
    assert view == from_zero(example_log, view_store, "invoices")
    nids = [nid for nid, _ in view_store.feed("invoices")]
    assert nids == sorted(set(nids))


def poison(log: EventLog) -> int:
    """Append an Account.Charged whose line lacks its `kind` (as a schema drift would)."""
    line = {
        "resource": "GHOST",
        "item": "port",
        "period_start": "2026-02-28",
        "period_end": "2026-02-28",
        "quantity": "1",
        "unit": "day",
        "unit_price": "1.00",
        "amount": "1.00",
        "currency": "USD",
        "price_ref": "x",
        "basis": "y",
    }
    bad = {
        "at": "2026-03-01T01:00:00Z",
        "timestamp": "2026-03-01T01:00:00Z",
        "reason": "daily",
        "service_day": "2026-02-28",
        "lines": [line],
        "total": "1.00",
        "balance_after": "-1.00",
    }
    log.recorder.insert_events(
        [
            StoredEvent(
                originator_id=uuid.uuid4(), originator_version=2, topic=Account.Charged.TOPIC, state=orjson.dumps(bad)
            )
        ]
    )
    return log.head()


def test_a_failing_event_stops_its_projection_and_the_last_good_view_keeps_serving(
    example_log: EventLog, view_store: ViewStore
):
    ProjectionRunner(example_log, view_store, PROJECTIONS.values()).catch_up()
    good = view_store.dump(active(view_store, "invoices"))
    bad_nid = poison(example_log)

    report = ProjectionRunner(example_log, view_store, PROJECTIONS.values()).catch_up()

    [failure] = report.failures
    assert f"stopped at event {bad_nid}" in failure and "linkledger.Account.Charged" in failure
    assert "KeyError" in failure and "'kind'" in failure
    assert view_store.dump(active(view_store, "invoices")) == good
    assert view_store.checkpoint(active(view_store, "invoices")) == bad_nid - 1
    assert report.checkpoints["balances"] == bad_nid  # the other projections go on
    rows = {r["projection"]: r for r in status(example_log, view_store)}
    assert rows["invoices"]["stopped"] and f"event {bad_nid}" in rows["invoices"]["stopped"]
    assert rows["invoices"]["lag_events"] == 1 and rows["balances"]["lag_events"] == 0
    # Running again retries the same event, and stops again: never a silent skip.
    again = ProjectionRunner(example_log, view_store, [PROJECTIONS["invoices"]]).catch_up()
    assert len(again.failures) == 1 and view_store.checkpoint(active(view_store, "invoices")) == bad_nid - 1


def test_rebuild_side_by_side_compares_switches_and_drops_the_old_build(example_log: EventLog, view_store: ViewStore):
    ProjectionRunner(example_log, view_store, PROJECTIONS.values()).catch_up()
    old = active(view_store, "invoices")
    feed_before = view_store.feed("invoices", count=100_000)
    result = rebuild(example_log, view_store, PROJECTIONS["invoices"], page_size=4)
    assert result.comparison is not None and result.comparison.identical
    assert result.comparison.equal > 0 and result.comparison.checkpoint == example_log.head()
    assert view_store.active("invoices") == result.new != old.build
    assert view_store.builds("invoices") == [result.new]
    assert view_store.dump(old) == {}
    assert view_store.feed("invoices", count=100_000) == feed_before  # nothing announced twice


def test_rebuild_reports_a_damaged_old_view_and_serves_the_rebuilt_one(example_log: EventLog, view_store: ViewStore):
    ProjectionRunner(example_log, view_store, [PROJECTIONS["balances"]]).catch_up()
    old = active(view_store, "balances")
    name = example_log.ledger.account_names()[0]
    key = f"account:{example_log.ledger.account(name).id}"
    right = view_store.hget(old, key, "balance")
    # Damage the old view by hand (as a bad deploy of the mapping might have).
    if view_store.kind == "redis":
        view_store.r.hset(f"{view_store._b(old)}:v:{key}", "balance", "999999")  # type: ignore[attr-defined]
    else:
        view_store.db.execute(
            "UPDATE view_values SET value='999999' WHERE ns=? AND key=? AND field='balance'",  # type: ignore[attr-defined]
            (old.ns, key),
        )
    result = rebuild(example_log, view_store, PROJECTIONS["balances"])
    assert result.comparison is not None and result.comparison.changed == [key]
    assert Views(view_store).balance(name)["balance"] == right


def test_status_shows_checkpoint_head_and_lag(example_log: EventLog, view_store: ViewStore):
    half = example_log.head() // 2
    ProjectionRunner(example_log, view_store, PROJECTIONS.values()).catch_up(half)
    rows = status(example_log, view_store)
    assert {r["projection"] for r in rows} == set(PROJECTIONS)
    for r in rows:
        assert (r["checkpoint"], r["head"], r["lag_events"]) == (half, example_log.head(), example_log.head() - half)
        assert r["lag_seconds"] is not None and r["lag_seconds"] >= 0 and r["stopped"] is None


def test_a_new_mapping_version_is_not_mixed_into_the_old_build(example_log: EventLog, view_store: ViewStore):
    ProjectionRunner(example_log, view_store, [PROJECTIONS["invoices"]]).catch_up(example_log.head() // 2)

    class InvoiceProjectionV2(InvoiceProjection):
        version = InvoiceProjection.version + 1

    with pytest.raises(ViewStoreError, match="run `linkledger rebuild invoices`"):
        ProjectionRunner(example_log, view_store, [InvoiceProjectionV2()])
    result = rebuild(example_log, view_store, InvoiceProjectionV2())
    new = f"v{InvoiceProjectionV2.version}.2"
    assert result.new == new and view_store.active("invoices") == new
    assert ProjectionRunner(example_log, view_store, [InvoiceProjectionV2()]).catch_up().failures == []
