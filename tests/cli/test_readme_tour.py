"""The README's tour on PostgreSQL and Redis runs as written: each of its commands exits 0
(in a schema and a Redis key prefix of the test's own, so runs never meet)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

from tests.conftest import POSTGRES_URL, ROOT
from tests.views.conftest import REDIS_URL, unlink_prefix

# What the tour asks of a fresh clone that the test's own environment already has.
ALREADY_INSTALLED = [".venv/bin/pip install --quiet .[postgres]"]


def tour_lines() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## A tour on PostgreSQL and Redis") :]
    block = section[section.index("```sh\n") + len("```sh\n") :]
    block = block[: block.index("```")]
    return [line for line in block.splitlines() if line.strip()]


def test_the_tour_names_only_what_a_clone_has():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../" not in text
    for target in re.findall(r"\]\(([^)#]+)\)", text):
        if not target.startswith("http"):
            assert (ROOT / target).exists(), target
    for line in tour_lines():
        for word in shlex.split(line, comments=True):
            if word.startswith(("examples/", "docs/", "scripts/")):
                assert (ROOT / word).exists(), word


@pytest.mark.postgres
def test_the_readme_tour_runs_as_written(tmp_path: Path):
    name = f"tour_{uuid.uuid4().hex[:10]}"
    (tmp_path / "examples").symlink_to(ROOT / "examples")  # the tour runs from the top of a clone
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINKLEDGER_")}
    linkledger = str(Path(sys.executable).with_name("linkledger"))
    ran = 0
    try:
        for line in tour_lines():
            words = [re.sub(r"\btour\b", name, w) for w in shlex.split(line, comments=True)]
            if " ".join(words) in ALREADY_INSTALLED:
                continue
            if words[0] == "export":
                key, _, value = words[1].partition("=")
                env[key] = value
                continue
            if words[0] == ".venv/bin/linkledger":
                words[0] = linkledger
                ran += 1
            else:
                assert words[0] == "psql", f"the test does not know how to run: {line}"
            done = subprocess.run(words, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
        assert ran >= 15
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        unlink_prefix(REDIS_URL, name)
