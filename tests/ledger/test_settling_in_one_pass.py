"""Settling many days at once runs the same rules, in the same order, as settling them one
day at a time: the same events, whatever falls due in between (a stage, a lock, a purge)."""

from __future__ import annotations

from datetime import timedelta

from linkledger.infrastructure.bootstrap import open_ledger

from tests.builders import T, two_active_ports, zenlayer_account
from tests.conftest import record_rule_book


def history(ledger, names: list[str]) -> list[tuple[str, int, str, dict]]:
    from linkledger.domain.events import account_id, resource_id

    out = []
    for oid in [account_id("ACME"), *(resource_id(n) for n in names)]:
        for e in ledger.events_of(oid):
            data = e.model_dump(mode="json", exclude={"timestamp"})
            out.append((type(e).__name__, e.originator_version, str(oid), data))
    return out


def story(ledger) -> None:
    """Ports and connects billed daily; the balance runs out (protection, suspension, recycle),
    a connect is deleted meanwhile (purged after 2 days)."""
    zenlayer_account(ledger, balance="600.00")
    two_active_ports(ledger)
    ledger.create_private_connect("ACME", "PC-1", "port:HKG-1", "port:SIN-1", 200, T("2026-01-02T00:00"))
    ledger.create_private_connect("ACME", "PC-2", "port:HKG-1", "port:SIN-1", 100, T("2026-01-02T00:00"))
    ledger.delete_private_connect("PC-2", T("2026-01-05T10:00"))


def test_settling_weeks_at_once_writes_what_settling_day_by_day_writes(tmp_path, rules):
    names = ["HKG-1", "SIN-1", "PC-1", "PC-2"]
    with open_ledger(str(tmp_path / "once.db")) as once, open_ledger(str(tmp_path / "daily.db")) as daily:
        for ledger in (once, daily):
            record_rule_book(ledger, rules)
            story(ledger)
        once.advance_to(T("2026-03-01T00:00"))
        at = T("2026-01-05T10:00")
        while at < T("2026-03-01T00:00"):
            at += timedelta(hours=7)  # not aligned with the deduction hour
            daily.advance_to(min(at, T("2026-03-01T00:00")))
        assert once.account("ACME").stage == "recycled"
        assert history(once, names) == history(daily, names)
