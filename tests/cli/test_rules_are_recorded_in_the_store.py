"""Rule files live in the event store: every write command records the shipped price
books and policies plus the given ones (`@prices`, `--prices`, `--policies`,
LINKLEDGER_PRICES) with version, effective date, digest and the time they were loaded;
later commands price with what the store holds; a version is recorded once."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from linkledger.domain.rule_library import digest
from linkledger.infrastructure.bootstrap import open_ledger
from linkledger.infrastructure.rule_files import load_policy_files, load_price_book_files

from tests.builders import run_cli as run
from tests.conftest import EXAMPLES, ROOT

ZEN_PRICES = EXAMPLES / "zenlayer" / "prices.toml"
ZEN_VERSION = "example-zenconsole-2026-01-01"
ZEN_POLICY = ROOT / "domain" / "policies" / "zenlayer" / "2020-01-01.toml"
ZEN_POLICY_VERSION = "zenlayer-lifecycle-2020-01-01"

# The first lines of examples/zenlayer/two_years.txt: 2 ports and a 500M connect, 40.00 USD a day.
SETUP = """@prices prices.toml
2026-01-01T00:00Z open_account ACME vendor=zenlayer
2026-01-01T00:00Z top_up ACME amount=100000.00
2026-01-01T09:00Z order_port ACME HKG-1 site=HKG speed=10G
2026-01-01T09:00Z order_port ACME SIN-1 site=SIN speed=10G
2026-01-01T09:00Z complete_cross_connect HKG-1
2026-01-01T09:00Z complete_cross_connect SIN-1
2026-01-02T00:00Z create_private_connect ACME PC-1 a=port:HKG-1 z=port:SIN-1 bandwidth=500M
"""


@pytest.fixture(autouse=True)
def no_rule_files_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LINKLEDGER_PRICES", raising=False)
    monkeypatch.delenv("LINKLEDGER_POLICIES", raising=False)


def head(store: str) -> int | None:
    with open_ledger(store) as ledger:
        return ledger.recorder.max_notification_id()


def where(store: str, tmp_path: Path) -> list[str]:
    """The event store and a view store of the test's own (a PostgreSQL store's default
    views would land in the working directory)."""
    return ["--store", store, "--views", str(tmp_path / "views.db")]


def rules_json(capsys, store: str, tmp_path: Path) -> list[dict[str, str]]:
    code, out, err = run(capsys, *where(store, tmp_path), "rules", "--json")
    assert code == 0, err
    return json.loads(out)


def setup_scenario(folder: Path, extra: str = "") -> Path:
    """SETUP (plus `extra` lines) with a copy of the example prices next to it."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ZEN_PRICES, folder / "prices.toml")
    scenario = folder / "setup.txt"
    scenario.write_text(SETUP + extra)
    return scenario


def later_book(path: Path, version: str, effective_on: str, port_price: str) -> Path:
    """A zenlayer price book of its own version, effective later, with new port prices only."""
    path.write_text(f"""vendor = "zenlayer"
version = "{version}"
effective_on = {effective_on}
currencies = ["USD"]
entries = [
  {{ item = "port", match = {{ site = "HKG", speed = "10G" }}, per = "day", price = {{ USD = "{port_price}" }} }},
  {{ item = "port", match = {{ site = "SIN", speed = "10G" }}, per = "day", price = {{ USD = "{port_price}" }} }},
]
""")
    return path


def invoice_json(capsys, store: str, tmp_path: Path, period: str, *source: str) -> dict:
    code, out, err = run(capsys, *where(store, tmp_path), "invoice", "ACME", "--period", period, "--json", *source)
    assert code == 0, err
    return json.loads(out)


def port_prices(invoice: dict) -> set[str]:
    return {line["unit_price"] for line in invoice["lines"] if line["item"] == "port"}


def test_a_store_without_rules_says_so(capsys, tmp_path: Path):
    empty = str(tmp_path / "empty.db")
    open_ledger(empty).close()
    code, out, _ = run(capsys, "--store", empty, "rules")
    assert code == 0 and "this store holds no price books or policies yet" in out
    code, out, _ = run(capsys, "--store", empty, "rules", "--json")
    assert code == 0 and json.loads(out) == []


def test_first_run_records_shipped_and_given_rule_files_at_the_first_line_time(capsys, tmp_path: Path, store: str):
    scenario = setup_scenario(tmp_path / "s")
    code, _, err = run(capsys, *where(store, tmp_path), "run", str(scenario))
    assert code == 0, err
    rows = rules_json(capsys, store, tmp_path)

    given = (tmp_path / "s" / "prices.toml").resolve()
    expected = [("price book", b, src) for b, src in load_price_book_files([given])] + [
        ("policy", p, src) for p, src in load_policy_files([])
    ]
    assert sorted((r["kind"], r["version"]) for r in rows) == sorted((k, r.version) for k, r, _ in expected)
    by_version = {r["version"]: r for r in rows}
    for kind, rules, source in expected:
        row = by_version[rules.version]
        assert row == {
            "kind": kind,
            "vendor": rules.vendor,
            "version": rules.version,
            "effective_on": rules.effective_on.isoformat(),
            "digest": digest(rules),
            "source": source,
            "recorded_at": "2026-01-01T00:00:00+00:00",  # the ledger time of the scenario's first line
        }
        assert re.fullmatch(r"sha256:[0-9a-f]{64}", row["digest"])
    assert by_version[ZEN_VERSION]["source"] == str(given)
    assert by_version[ZEN_VERSION]["effective_on"] == "2026-01-01"
    assert any(r["source"].startswith("domain/price_books/") for r in rows)
    assert any(r["source"].startswith("domain/policies/") for r in rows)

    # The text listing names every version with its effective date and where it came from.
    code, out, _ = run(capsys, *where(store, tmp_path), "rules")
    assert code == 0
    for r in rows:
        line = next(ln for ln in out.splitlines() if r["version"] in ln)
        assert r["kind"] in line and f"effective {r['effective_on']}" in line and r["source"] in line
        assert f"recorded {r['recorded_at']}" in line and r["digest"][:19] in line


def test_a_store_is_continued_with_advance_without_naming_its_price_files(capsys, tmp_path: Path, store: str):
    scenario = setup_scenario(tmp_path / "s")
    assert run(capsys, *where(store, tmp_path), "run", str(scenario))[0] == 0
    (tmp_path / "s" / "prices.toml").unlink()  # the file is gone: only the store knows the prices

    code, out, err = run(capsys, *where(store, tmp_path), "advance", "--to", "2026-03-01T01:00Z")
    assert code == 0, err
    assert "left undone" not in err
    assert "every account settled up to 2026-03-01T01:00:00+00:00" in out

    # February: 28 days x (10.00 + 10.00 ports + 20.00 for the 500M connect).
    february = invoice_json(capsys, store, tmp_path, "2026-02")
    assert february["total"] == "1120.00"
    assert invoice_json(capsys, store, tmp_path, "2026-02", "--from-log") == february

    # The same as a store that ran it in one go, with the price file at hand.
    straight = setup_scenario(tmp_path / "straight", "2026-03-01T01:00Z advance\n")
    straight_store = str(tmp_path / "straight.db")
    assert run(capsys, *where(straight_store, tmp_path / "straight"), "run", str(straight))[0] == 0
    assert invoice_json(capsys, straight_store, tmp_path / "straight", "2026-02") == february


def test_later_rule_files_given_by_option_or_environment_are_recorded_and_priced_with(
    capsys, tmp_path: Path, store: str, monkeypatch: pytest.MonkeyPatch
):
    scenario = setup_scenario(tmp_path / "s")
    assert run(capsys, *where(store, tmp_path), "run", str(scenario))[0] == 0
    march = later_book(tmp_path / "march.toml", "example-2026-03-01", "2026-03-01", "11.00")
    april = later_book(tmp_path / "april.toml", "example-2026-04-01", "2026-04-01", "12.00")

    code, _, err = run(capsys, *where(store, tmp_path), "advance", "--to", "2026-03-01T00:00Z", "--prices", str(march))
    assert code == 0, err
    monkeypatch.setenv("LINKLEDGER_PRICES", str(april))
    code, _, err = run(capsys, *where(store, tmp_path), "advance", "--to", "2026-04-01T00:00Z")
    assert code == 0, err
    monkeypatch.delenv("LINKLEDGER_PRICES")
    march.unlink()
    april.unlink()
    code, _, err = run(capsys, *where(store, tmp_path), "advance", "--to", "2026-05-01T01:00Z")
    assert code == 0, err

    rows = {r["version"]: r for r in rules_json(capsys, store, tmp_path)}
    assert rows["example-2026-03-01"]["source"] == str(march)
    assert rows["example-2026-03-01"]["recorded_at"] == "2026-03-01T00:00:00+00:00"
    assert rows["example-2026-04-01"]["source"] == str(april)
    assert rows["example-2026-04-01"]["recorded_at"] == "2026-04-01T00:00:00+00:00"

    assert port_prices(invoice_json(capsys, store, tmp_path, "2026-02")) == {"10.00"}
    assert port_prices(invoice_json(capsys, store, tmp_path, "2026-03")) == {"11.00"}
    april_invoice = invoice_json(capsys, store, tmp_path, "2026-04")
    assert port_prices(april_invoice) == {"12.00"}
    # 30 days x (2 x 12.00 + 20.00 for the connect, still from the first book).
    assert april_invoice["total"] == "1320.00"


def changed_prices(path: Path) -> Path:
    text = ZEN_PRICES.read_text()
    changed = text.replace(
        'speed = "10G" }, per = "day", price = { USD = "10.00" }',
        'speed = "10G" }, per = "day", price = { USD = "11.00" }',
    )
    assert changed != text and f'version = "{ZEN_VERSION}"' in changed
    path.write_text(changed)
    return path


def changed_policy(path: Path) -> Path:
    text = ZEN_POLICY.read_text()
    changed = text.replace("deduct_at_hour = 1", "deduct_at_hour = 2")
    assert changed != text and f'version = "{ZEN_POLICY_VERSION}"' in changed
    path.write_text(changed)
    return path


# How the changed file is given: each write command and each way of naming a rule file.
GIVEN = ["advance --prices", "run --prices", "LINKLEDGER_PRICES", "@prices line", "advance --policies"]


@pytest.mark.parametrize("given", GIVEN)
def test_different_content_under_a_recorded_version_is_refused_and_nothing_is_recorded(
    capsys, tmp_path: Path, store: str, given: str, monkeypatch: pytest.MonkeyPatch
):
    scenario = setup_scenario(tmp_path / "s")
    assert run(capsys, *where(store, tmp_path), "run", str(scenario))[0] == 0
    rules_before, head_before = rules_json(capsys, store, tmp_path), head(store)

    later = tmp_path / "later"
    later.mkdir()
    # Lines that would write (a top-up, a month of deductions) if the rules were not refused.
    more = "2026-03-01T00:00Z top_up ACME amount=5.00\n2026-03-01T01:00Z advance\n"
    if given == "advance --policies":
        version, bad = ZEN_POLICY_VERSION, changed_policy(later / "policy.toml")
        argv = ["advance", "--to", "2026-03-01T01:00Z", "--policies", str(bad)]
    else:
        version, bad = ZEN_VERSION, changed_prices(later / "prices.toml")
        (later / "more.txt").write_text(more)
        argv = {
            "advance --prices": ["advance", "--to", "2026-03-01T01:00Z", "--prices", str(bad)],
            "run --prices": ["run", str(later / "more.txt"), "--prices", str(bad)],
            "LINKLEDGER_PRICES": ["advance", "--to", "2026-03-01T01:00Z"],
            "@prices line": ["run", str(later / "more.txt")],
        }[given]
        if given == "LINKLEDGER_PRICES":
            monkeypatch.setenv("LINKLEDGER_PRICES", str(bad))
        if given == "@prices line":
            (later / "more.txt").write_text("@prices prices.toml\n" + more)

    code, out, err = run(capsys, *where(store, tmp_path), *argv)
    assert code == 2
    assert f"version '{version}' is already recorded in this store with different content" in err
    assert "applied" not in out and "ran " not in out
    assert head(store) == head_before
    assert rules_json(capsys, store, tmp_path) == rules_before


def test_different_content_under_one_version_in_a_fresh_store_is_refused_and_nothing_is_recorded(
    capsys, tmp_path: Path
):
    scenario = setup_scenario(tmp_path / "s")
    bad = changed_prices(tmp_path / "changed.toml")
    store = str(tmp_path / "fresh.db")
    code, _, err = run(capsys, "--store", store, "run", str(scenario), "--prices", str(bad))
    assert code == 2
    assert ZEN_VERSION in err
    assert head(store) is None or head(store) == 0
    assert rules_json(capsys, store, tmp_path) == []


def test_the_same_rule_content_again_records_nothing(capsys, tmp_path: Path, store: str):
    scenario = setup_scenario(tmp_path / "s")
    assert run(capsys, *where(store, tmp_path), "run", str(scenario))[0] == 0
    rules_before, head_before = rules_json(capsys, store, tmp_path), head(store)

    # The same file, and a copy elsewhere with its comments and indentation gone: the
    # digest is of the rules, not of the file's bytes.
    same = tmp_path / "s" / "prices.toml"
    reformatted = tmp_path / "elsewhere" / "prices.toml"
    reformatted.parent.mkdir()
    reformatted.write_text("\n".join(ln.strip() for ln in same.read_text().splitlines() if not ln.startswith("#")))
    assert reformatted.read_text() != same.read_text()
    policy_copy = tmp_path / "elsewhere" / "policy.toml"
    shutil.copy(ZEN_POLICY, policy_copy)

    # Advancing to where the ledger already is: nothing is due, so any write would be the rules'.
    code, _, err = run(
        capsys,
        *where(store, tmp_path),
        "advance",
        "--to",
        "2026-01-02T00:00Z",
        "--prices",
        str(same),
        "--prices",
        str(reformatted),
        "--policies",
        str(policy_copy),
    )
    assert code == 0, err
    assert head(store) == head_before
    assert rules_json(capsys, store, tmp_path) == rules_before

    # Running the whole scenario again records nothing either.
    assert run(capsys, *where(store, tmp_path), "run", str(scenario))[0] == 0
    assert head(store) == head_before
    assert rules_json(capsys, store, tmp_path) == rules_before
