"""The downstream feed on the real Redis server, read the way the docs say: a
consumer group, ack only after the consumer's own commit, dedupe by notification
id, and claim what a dead consumer left pending."""

from __future__ import annotations

from pathlib import Path

import pytest
from linkledger.infrastructure.event_log import EventLog
from linkledger.infrastructure.feed import FeedConsumer, SeenStore
from linkledger.infrastructure.projection_runner import ProjectionRunner
from linkledger.infrastructure.redis_views import RedisViewStore
from linkledger.projections.catalog import PROJECTIONS


@pytest.fixture
def fed(example_log: EventLog, redis_views_url: str):
    store = RedisViewStore(redis_views_url)
    ProjectionRunner(example_log, store, [PROJECTIONS["invoices"]]).catch_up()
    yield store, [nid for nid, _ in store.feed("invoices", count=10**6)]
    store.close()


def test_the_feed_entry_id_is_the_event_notification_id(fed, example_log: EventLog):
    store, nids = fed
    entries = store.r.xrange(store.feed_key("invoices"))
    assert [e[0] for e in entries] == [f"{nid}-0" for nid in nids]
    charged = {r.nid for r in example_log.read(0, 10**6, {"linkledger.Account.Charged"}).records}
    assert charged <= set(nids)


def test_a_consumer_that_crashes_before_its_commit_gets_the_entry_again(fed, tmp_path: Path):
    store, nids = fed
    seen = SeenStore(str(tmp_path / "mailer.db"))
    handled: list[int] = []

    def crash_on_third(nid, message, db):
        if len(handled) == 2:
            raise RuntimeError("mailer crashed before committing")
        handled.append(nid)

    consumer = FeedConsumer(store.r, store.feed_key("invoices"), "mailer", "m-1", seen)
    consumer.ensure_group()
    with pytest.raises(RuntimeError):
        consumer.poll(crash_on_third, count=10)
    # A new process of the same consumer: its unacked entries come back first.
    again = FeedConsumer(store.r, store.feed_key("invoices"), "mailer", "m-1", seen)
    while again.poll(lambda nid, message, db: handled.append(nid), count=10, block_ms=10):
        pass
    assert handled == nids  # every change once, none lost, none twice
    assert store.r.xpending(store.feed_key("invoices"), "mailer")["pending"] == 0


def test_a_redelivered_entry_is_acked_but_not_handled_twice(fed, tmp_path: Path):
    store, nids = fed
    seen = SeenStore(str(tmp_path / "mailer.db"))
    handled: list[int] = []
    consumer = FeedConsumer(store.r, store.feed_key("invoices"), "mailer", "m-1", seen)
    consumer.ensure_group()
    consumer.poll(lambda nid, message, db: handled.append(nid), count=3)
    # The group is rewound (as after restoring Redis from an older snapshot): old entries come again.
    store.r.xgroup_setid(store.feed_key("invoices"), "mailer", "0")
    while consumer.poll(lambda nid, message, db: handled.append(nid), count=10, block_ms=10):
        pass
    assert handled == nids


def test_entries_left_pending_by_a_dead_consumer_are_claimed(fed, tmp_path: Path):
    store, nids = fed
    key = store.feed_key("invoices")
    dead = FeedConsumer(store.r, key, "mailer", "dead", SeenStore(str(tmp_path / "dead.db")))
    dead.ensure_group()
    store.r.xreadgroup("mailer", "dead", {key: ">"}, count=2)  # read, then died before acking
    alive = FeedConsumer(store.r, key, "mailer", "alive", SeenStore(str(tmp_path / "alive.db")), claim_idle_ms=0)
    handled: list[int] = []
    while alive.poll(lambda nid, message, db: handled.append(nid), count=10, block_ms=10):
        pass
    assert sorted(handled) == nids
    assert store.r.xpending(key, "mailer")["pending"] == 0
