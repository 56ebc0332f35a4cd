"""A small, fixed piece of work to time one version of linkledger against another.

    python scripts/paired_probe.py settle   CODE_ROOT   # 60 accounts x 5 resources, advance a year
    python scripts/paired_probe.py commands CODE_ROOT   # 300 accounts x 7 commands

CODE_ROOT is a checkout of the version to run (e.g. a `git worktree` of an older commit),
from the package move on (the code imports itself as `linkledger.*`). The checkout's
folders (domain/, projections/, infrastructure/, examples/) are what setuptools installs as
linkledger.domain, ...: the probe links them under a temporary linkledger/ folder put first
on sys.path, so CODE_ROOT needs no install and wins over any installed linkledger (run it
with an interpreter that has linkledger's dependencies, e.g. this checkout's venv). Run two
versions in turn, several times, and compare the times pair by pair: pairing keeps the
ratio meaningful when the machine's speed drifts.
Prints the seconds of the measured part (the settlement, or the commands).
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path


def T(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


PACKAGES = ("domain", "projections", "infrastructure", "examples")


def put_first_on_path(root: Path, into: Path) -> None:
    """Make `linkledger.X` the checkout's X/ folder for this process: link the folders under
    `into`/linkledger and put `into` first on sys.path."""
    package = into / "linkledger"
    package.mkdir()
    for name in PACKAGES:
        if (root / name).is_dir():
            (package / name).symlink_to((root / name).resolve(), target_is_directory=True)
    sys.path.insert(0, str(into))


def main() -> None:
    what, root = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as code, tempfile.TemporaryDirectory() as d:
        put_first_on_path(Path(root), Path(code))
        from linkledger.infrastructure.bootstrap import open_ledger, record_rule_files

        assert Path(sys.modules["linkledger.infrastructure.bootstrap"].__file__ or "").is_relative_to(code)
        ledger = open_ledger(str(Path(d) / "probe.db"))
        record_rule_files(ledger, [Path(root) / "examples/zenlayer/prices.toml"], [], T("2026-01-01T00:00"))
        accounts, ports = (60, 2) if what == "settle" else (300, 1)
        started = time.perf_counter()
        for i in range(accounts):
            n = f"A{i}"
            ledger.open_account(n, "zenlayer", "USD", T("2026-01-01T00:00"))
            ledger.top_up(n, "1000000.00", None, T("2026-01-01T00:00"))
            for j in range(ports):
                ledger.order_port(n, f"{n}-H{j}", "HKG", "10G", T("2026-01-01T00:00"))
                ledger.order_port(n, f"{n}-S{j}", "SIN", "10G", T("2026-01-01T00:00"))
            for j in range(ports):
                ledger.complete_cross_connect(f"{n}-H{j}", T("2026-01-01T01:00"))
                ledger.complete_cross_connect(f"{n}-S{j}", T("2026-01-01T01:00"))
            ledger.create_private_connect(n, f"{n}-PC", f"port:{n}-H0", f"port:{n}-S0", 100, T("2026-01-01T02:00"))
        if what == "settle":
            started = time.perf_counter()
            ledger.advance_to(T("2027-01-01T02:00"))
        print(f"{what}: {time.perf_counter() - started:.2f} s")
        ledger.close()


if __name__ == "__main__":
    main()
