"""The arrows point scripts -> infrastructure -> projections -> domain, and domain/
imports nothing that does I/O."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

ALLOWED = {
    "domain": {"linkledger.domain", "pydantic", "pydantic_core", "eventsourcing.domain"},
    "projections": {
        "linkledger.domain",
        "linkledger.projections",
        "pydantic",
        "eventsourcing.domain",
        "eventsourcing.persistence",
        "eventsourcing.projection",
        "eventsourcing.utils",
        "orjson",
    },  # topics and JSON encoding: no I/O
}
FORBIDDEN_EVERYWHERE_IN_DOMAIN = {
    "os",
    "io",
    "redis",
    "sqlite3",
    "psycopg",
    "socket",
    "pathlib",
    "time",
    "random",
    "subprocess",
    "tomllib",
    "importlib",
    "urllib",
    "requests",
    "shutil",
}
STDLIB_OK = {
    "__future__",
    "collections",
    "dataclasses",
    "datetime",
    "decimal",
    "enum",
    "functools",
    "ipaddress",
    "itertools",
    "json",
    "re",
    "typing",
    "uuid",
    "abc",
    "math",
    "hashlib",
}  # content digests of rule files: pure computation


def imports_of(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append(node.module)
    return out


def allowed(name: str, package: str) -> bool:
    top = name.split(".")[0]
    if top in STDLIB_OK:
        return True
    return any(name == a or name.startswith(a + ".") for a in ALLOWED[package])


@pytest.mark.parametrize("package", ["domain", "projections"])
def test_imports_point_inwards_and_domain_does_no_io(package: str) -> None:
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in imports_of(path):
            if not allowed(name, package) or name.split(".")[0] in FORBIDDEN_EVERYWHERE_IN_DOMAIN:
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    assert bad == []


def test_domain_never_reads_the_wall_clock() -> None:
    offenders = []
    for path in sorted((ROOT / "domain").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for needle in (
            r"datetime\.now\(",
            r"\.utcnow\(",
            r"date\.today\(",
            r"time\.time\(",
            r"(?<![.\w])(?<!def )open\(",
        ):
            if re.search(needle, text):
                offenders.append(f"{path.relative_to(ROOT)}: {needle}")
    assert offenders == []
