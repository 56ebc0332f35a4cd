"""Every event type written by the examples decodes back from the store (pydantic through
orjson, stable topics), and every aggregate rebuilt from stored events equals the one that
wrote them."""

from __future__ import annotations

from linkledger.infrastructure.bootstrap import open_ledger
from linkledger.infrastructure.scenario import parse_scenario, run_scenario

from tests.conftest import EXAMPLES, record_rule_book


def test_every_aggregate_rebuilt_from_stored_events_equals_the_one_that_wrote_them(store, rules):
    with open_ledger(store) as writer:
        record_rule_book(writer, rules)
        for vendor in ("alibaba", "zenlayer"):
            scenario = parse_scenario(EXAMPLES / vendor / "scenario.txt")
            run_scenario(writer, scenario)
        written = {a: writer.account(a) for a in writer.account_names()}
        resources = {r.name: writer.repository.get(r.resource_id) for acct in written.values() for r in acct.resources}
        topics = {n.topic for n in writer.recorder.select_notifications(start=1, limit=100_000)}
    # A second ledger with no aggregate cache reads everything from the store.
    with open_ledger(store, env={"AGGREGATE_CACHE_MAXSIZE": "", "IS_SNAPSHOTTING_ENABLED": "n"}) as reader:
        for name, account in written.items():
            assert reader.account(name) == account
        for name, resource in resources.items():
            assert reader.resource(name) == resource
    assert all(t.startswith("linkledger.") for t in topics)
    assert len(topics) >= 30
