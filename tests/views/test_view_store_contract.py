"""The one contract both view stores keep, run on SQLite and on the real Redis server."""

from __future__ import annotations

import threading

import pytest
from eventsourcing.persistence import IntegrityError, Tracking
from linkledger.infrastructure.view_store import Build, ViewStore, ViewStoreError


def tracking(nid: int) -> Tracking:
    return Tracking("LinkLedger", nid)


def msg(nid: int) -> tuple[int, str]:
    return nid, f'{{"nid": {nid}}}'


def test_a_batch_is_written_with_its_checkpoint(view_store: ViewStore):
    b = view_store.new_build("invoices", 1)
    assert view_store.checkpoint(b) == 0
    got = view_store.apply(b, 0, tracking(7), {("inv:A", "total"): "10.00", ("inv:A", "line:1"): "x"}, [msg(5)])
    assert got == 7
    assert view_store.checkpoint(b) == 7
    assert view_store.hgetall(b, "inv:A") == {"total": "10.00", "line:1": "x"}
    assert view_store.hget(b, "inv:A", "total") == "10.00"
    assert [nid for nid, _ in view_store.feed("invoices")] == [5]


def test_a_repeated_or_overlapping_batch_writes_nothing(view_store: ViewStore):
    b = view_store.new_build("invoices", 1)
    view_store.apply(b, 0, tracking(10), {("k", "f"): "first"}, [msg(10)])
    # The same batch again (a runner that crashed before it saw the reply) ...
    assert view_store.apply(b, 0, tracking(10), {("k", "f"): "again"}, [msg(10)]) == 10
    # ... and an overlapping one from a second runner that started at 5.
    assert view_store.apply(b, 5, tracking(12), {("k", "f"): "other", ("k2", "g"): "y"}, [msg(11)]) == 10
    assert view_store.dump(b) == {"k": {"f": "first"}}
    assert view_store.checkpoint(b) == 10
    assert [nid for nid, _ in view_store.feed("invoices")] == [10]


def test_a_delete_removes_the_field(view_store: ViewStore):
    b = view_store.new_build("timelines", 1)
    view_store.apply(b, 0, tracking(1), {("t", "a"): "1", ("t", "b"): "2"}, [])
    view_store.apply(b, 1, tracking(2), {("t", "a"): None}, [])
    assert view_store.hgetall(b, "t") == {"b": "2"}


def test_each_change_is_emitted_once_across_builds(view_store: ViewStore):
    old = view_store.new_build("balances", 1)
    view_store.apply(old, 0, tracking(3), {("a", "x"): "1"}, [msg(1), msg(3)])
    # A rebuild replays history under its own keys: the feed announces only what is new.
    new = view_store.new_build("balances", 2)
    view_store.apply(new, 0, tracking(4), {("a", "x"): "1"}, [msg(1), msg(3), msg(4)])
    assert [nid for nid, _ in view_store.feed("balances")] == [1, 3, 4]
    assert view_store.feed_high_water("balances") == 4 and view_store.feed_high_water("timelines") == 0
    assert view_store.feed("balances", after=3) == [(4, {"nid": 4})]


def test_builds_are_versioned_and_readers_switch_with_one_flip(view_store: ViewStore):
    v1 = view_store.new_build("notices", 1)
    view_store.activate(v1)
    view_store.apply(v1, 0, tracking(2), {("n", "f"): "old"}, [])
    v2 = view_store.new_build("notices", 1)
    assert (v1.build, v2.build) == ("v1.1", "v1.2")
    view_store.apply(v2, 0, tracking(2), {("n", "f"): "new"}, [])
    assert view_store.active("notices") == "v1.1"  # the old build serves while the new one builds
    view_store.activate(v2)
    assert view_store.active("notices") == "v1.2"
    with pytest.raises(ViewStoreError, match="active build"):
        view_store.drop(v2)
    view_store.drop(v1)
    assert view_store.builds("notices") == ["v1.2"]
    assert view_store.dump(v1) == {} and view_store.checkpoint(v1) == 0
    assert view_store.dump(v2) == {"n": {"f": "new"}}


def test_a_dropped_build_refuses_late_batches(view_store: ViewStore):
    v1 = view_store.new_build("invoices", 1)
    v2 = view_store.new_build("invoices", 1)
    view_store.activate(v2)
    view_store.drop(v1)
    view_store.apply(v1, 0, tracking(3), {("k", "f"): "late"}, [])
    assert view_store.dump(v1) == {}


def test_readers_can_wait_for_their_write(view_store: ViewStore):
    b = view_store.new_build("invoices", 1)
    view_store.activate(b)
    tracked = view_store.tracked("invoices")
    with pytest.raises(TimeoutError):
        tracked.wait("LinkLedger", 5, timeout=0.3)
    timer = threading.Timer(0.2, lambda: view_store.apply(b, 0, tracking(5), {}, []))
    timer.start()
    tracked.wait("LinkLedger", 5, timeout=5)
    timer.join()
    assert tracked.max_tracking_id("LinkLedger") == 5
    with pytest.raises(IntegrityError):
        tracked.insert_tracking(tracking(5))


def test_meta_is_kept_per_build(view_store: ViewStore):
    b = Build("invoices", view_store.new_build("invoices", 1).build)
    view_store.set_meta(b, {"heartbeat": "2026-11-25T00:00:00Z"})
    assert view_store.meta(b)["heartbeat"] == "2026-11-25T00:00:00Z"
