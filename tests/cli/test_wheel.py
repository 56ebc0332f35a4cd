"""The wheel, installed into a fresh virtual environment, runs `linkledger demo` from a folder
outside the checkout, and installs one top-level package, `linkledger`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

SOURCES = ["pyproject.toml", "README.md", "domain", "projections", "infrastructure", "examples"]


def run(*argv: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINKLEDGER_", "VIRTUAL_ENV", "PYTHON"))}
    done = subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{argv}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.mark.wheel
def test_the_installed_wheel_runs_the_demo_outside_the_checkout(tmp_path: Path):
    source = tmp_path / "source"  # a copy: building leaves build/ and egg-info behind
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    wheels = tmp_path / "wheels"
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", ".", "-w", wheels, cwd=source)
    [wheel] = wheels.glob("linkledger-*.whl")
    tops = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"linkledger"}

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel, cwd=tmp_path)
    [site] = (venv / "lib").glob("python3*/site-packages")
    installed = {p.name for p in site.iterdir()}
    assert "linkledger" in installed
    assert not installed & {"domain", "projections", "infrastructure", "examples"}

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    done = run(venv / "bin" / "linkledger", "demo", cwd=outside)
    assert done.stdout.count("Invoice ACME 2026-0") >= 2 and "Invoice GLOBEX 2017-12" in done.stdout
    assert list(outside.iterdir()) == []
    version = run(venv / "bin" / "linkledger", "--version", cwd=outside).stdout
    assert version.startswith("linkledger 0.")
