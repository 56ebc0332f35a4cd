"""What every benchmark prints about where it ran: the machine and the code measured."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def machine(*extra: str) -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    parts = [
        f"{os.cpu_count()} CPUs (load average {load})",
        f"Python {sys.version.split()[0]}",
        f"SQLite {sqlite3.sqlite_version}",
        *extra,
    ]
    return ", ".join(parts)


def code_state() -> str:
    """The commit measured, and whether tracked files differ from it."""
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return f"unknown ({ROOT} is not a git checkout)"
    return f"commit {head}" + (f" + {len(dirty)} modified file(s): {' '.join(d[3:] for d in dirty)}" if dirty else "")
