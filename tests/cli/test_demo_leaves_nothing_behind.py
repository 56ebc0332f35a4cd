"""`linkledger demo` without --workdir works in a temporary folder and removes it (and says
so); with --workdir it keeps its stores there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CLI = [sys.executable, "-m", "linkledger.infrastructure.cli"]


def demo(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], Path, Path]:
    tmp, cwd = tmp_path / "tmp", tmp_path / "cwd"
    tmp.mkdir()
    cwd.mkdir()
    done = subprocess.run(
        [*CLI, "demo", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "TMPDIR": str(tmp)},
        timeout=300,
        check=False,
    )
    return done, tmp, cwd


def test_demo_removes_its_temporary_folder(tmp_path: Path):
    done, tmp, cwd = demo(tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Invoice ACME 2026-01" in done.stdout and "Invoice GLOBEX 2017-12" in done.stdout
    assert "now removed" in done.stdout and str(tmp) in done.stdout
    assert list(tmp.iterdir()) == [] and list(cwd.iterdir()) == []


def test_demo_keeps_its_stores_in_the_workdir(tmp_path: Path):
    done, tmp, _ = demo(tmp_path, "--workdir", str(tmp_path / "kept"))
    assert done.returncode == 0, done.stderr
    assert {"zenlayer.db", "alibaba.db", "zenlayer.views.db"} <= {p.name for p in (tmp_path / "kept").iterdir()}
    assert list(tmp.iterdir()) == [] and f"kept in {tmp_path / 'kept'}" in done.stdout
