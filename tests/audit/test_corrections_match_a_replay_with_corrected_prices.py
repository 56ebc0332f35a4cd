"""Property: what was charged plus the adjustments equals a fresh replay of the same history
with the corrected prices from their valid-from dates, for every account and month, to the
cent.

Random histories of Zenlayer ports and private connects (raises and cuts between tiers,
deletions) and random corrections of the entries they use, recorded at random points of
the history. The histories keep the balance positive: corrections re-rate charges, they
do not re-decide lifecycle steps (docs/audit.md), so a history whose stages would differ
under other prices is out of this property's scope.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from linkledger.domain.account import Account
from linkledger.domain.billing_day import day_of
from linkledger.domain.errors import LedgerError
from linkledger.domain.invoice import line_period
from linkledger.domain.price_book import PriceEntry
from linkledger.domain.price_correction import PriceCorrection
from linkledger.domain.rule_book import RuleBook
from linkledger.infrastructure.bootstrap import open_ledger
from linkledger.infrastructure.ledger import LinkLedger
from linkledger.infrastructure.rule_files import load_rule_book

from tests.builders import T
from tests.conftest import EXAMPLES, record_rule_book

START = T("2026-01-01T00:00")
END = T("2026-04-01T02:00")  # March is issued
ENTRIES = [
    ("port", {"site": "HKG", "speed": "10G"}, None),
    ("port", {"site": "SIN", "speed": "10G"}, None),
    ("private_connect", {"sites": "HKG~SIN"}, 100),
    ("private_connect", {"sites": "HKG~SIN"}, 200),
    ("private_connect", {"sites": "HKG~SIN"}, 500),
]
RULES: RuleBook = load_rule_book([EXAMPLES / "zenlayer" / "prices.toml"])

hours = st.integers(min_value=0, max_value=24 * 85)
commands = st.lists(
    st.tuples(hours, st.sampled_from(["raise", "cut", "delete", "recover"]), st.sampled_from([100, 200, 500])),
    max_size=6,
)
corrections = st.lists(
    st.tuples(
        st.sampled_from(range(len(ENTRIES))),
        st.integers(min_value=0, max_value=85),
        st.integers(min_value=0, max_value=5000),
        hours,
    ),
    min_size=1,
    max_size=2,
)


def correction_of(n: int, entry: int, days: int, cents: int) -> PriceCorrection:
    item, match, ceiling = ENTRIES[entry]
    return PriceCorrection(
        id=f"c{n}",
        vendor="zenlayer",
        valid_from=date(2026, 1, 1) + timedelta(days=days),
        reason="property",
        entries=[
            PriceEntry(item=item, match=match, up_to_mbps=ceiling, per="day", price={"USD": Decimal(cents) / 100})
        ],
    )


def history(ledger: LinkLedger, steps: list[tuple[int, str, int]], react: dict[int, list[PriceCorrection]]) -> None:
    """Two accounts with two ports and a connect each; `react` maps an hour to the corrections
    recorded then (the actual ledger); every other step is the same in both ledgers."""
    for name in ("A", "B"):
        ledger.open_account(name, "zenlayer", "USD", START)
        ledger.top_up(name, "100000.00", None, START)
        ledger.order_port(name, f"{name}-HKG", "HKG", "10G", START)
        ledger.order_port(name, f"{name}-SIN", "SIN", "10G", START)
        ledger.create_private_connect(name, f"{name}-PC", f"port:{name}-HKG", f"port:{name}-SIN", 100, START)
        ledger.complete_cross_connect(f"{name}-HKG", START + timedelta(hours=3))
        ledger.complete_cross_connect(f"{name}-SIN", START + timedelta(hours=5))
    events = sorted(
        [(s[0], 0, (n, *s)) for n, s in enumerate(steps)] + [(h, 1, c) for h, c in react.items()],
        key=lambda x: (x[0], x[1]),
    )
    for hour, kind, what in events:
        at = START + timedelta(hours=6 + hour)
        if kind == 1:
            for c in what:
                ledger.record_correction(c, "property", at)
            ledger.apply_corrections()
            continue
        n, _, verb, mbps = what
        connect = "A-PC" if n % 2 == 0 else "B-PC"
        try:
            if verb == "raise":
                ledger.raise_bandwidth(connect, mbps, at)
            elif verb == "cut":
                ledger.cut_bandwidth(connect, mbps, at)
            elif verb == "delete":
                ledger.delete_private_connect(connect, at)
            else:
                ledger.recover_private_connect(connect, at)
        except LedgerError:
            pass  # a refused step (not a raise, too many cuts, nothing to recover) writes nothing in both
    ledger.advance_to(END)


def charged_by_month(ledger: LinkLedger, name: str) -> dict[str, Decimal]:
    """Per month: every charge line's amount after its latest adjustment."""
    acct = ledger.account(name)
    out: dict[str, Decimal] = defaultdict(Decimal)
    for e in ledger.events_of(acct.id):
        if isinstance(e, Account.Charged):
            for i, line in enumerate(e.lines):
                amount = acct.rerated.get(f"{e.originator_version}:{i}", line.amount)
                out[line_period(e.reason, line.period_start, day_of(e.at))] += amount
    return dict(out)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=commands, fixes=corrections)
def test_charges_plus_adjustments_equal_a_replay_with_the_corrected_prices(steps, fixes):
    fixes_made = [correction_of(n, entry, days, cents) for n, (entry, days, cents, _) in enumerate(fixes)]
    with tempfile.TemporaryDirectory() as tmp:
        actual, reference = (open_ledger(str(Path(tmp) / f"{n}.db")) for n in ("actual", "reference"))
        with actual, reference:
            for ledger in (actual, reference):
                record_rule_book(ledger, RULES)
            # The reference knows the right prices from the start, recorded in the same order (of
            # two corrections of one entry from one date, the later recorded is in force).
            in_order = sorted(zip(fixes_made, fixes, strict=True), key=lambda cf: cf[1][3])
            for c, _ in in_order:
                reference.record_correction(c, "property", T("2017-01-01T00:00"))
            react: dict[int, list[PriceCorrection]] = defaultdict(list)
            for c, (*_, hour) in zip(fixes_made, fixes, strict=True):
                react[hour].append(c)
            history(actual, steps, dict(react))
            history(reference, steps, {})
            for name in ("A", "B"):
                assert charged_by_month(actual, name) == charged_by_month(reference, name)
                assert actual.account(name).balance == reference.account(name).balance
