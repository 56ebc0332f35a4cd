"""Load price books and policies: the shipped ones (package data under domain/)
and any the user supplies (a .toml file or a folder of them), and price corrections.

A file must be UTF-8 TOML (infrastructure/text_files.py); every problem of every file --
unreadable, not TOML, or refused by the rules of its kind -- is listed in one refusal."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from linkledger.domain.errors import RuleFileError
from linkledger.domain.policies import Policy, PolicyBook, policy_from_mapping
from linkledger.domain.price_book import PriceBook, PriceCatalog
from linkledger.domain.price_correction import PriceCorrection
from linkledger.domain.rule_book import RuleBook
from linkledger.infrastructure.text_files import problem_reading, read_text_file

M = TypeVar("M")


def _toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise RuleFileError(source, [f"not valid TOML: {e}"]) from None


def _shipped(folder: str) -> list[tuple[str, str]]:
    root = resources.files("linkledger.domain").joinpath(folder)
    out = []
    for vendor_dir in sorted(root.iterdir(), key=lambda p: p.name):
        if not vendor_dir.is_dir():
            continue
        for f in sorted(vendor_dir.iterdir(), key=lambda p: p.name):
            if f.name.endswith(".toml"):
                out.append((f"domain/{folder}/{vendor_dir.name}/{f.name}", f.read_text(encoding="utf-8")))
    return out


def _user_files(paths: list[Path]) -> tuple[list[tuple[str, str]], list[str]]:
    """The text of every given file (a folder: its *.toml files), and every file that cannot be read."""
    out: list[tuple[str, str]] = []
    problems: list[str] = []
    for p in paths:
        files = sorted(p.glob("*.toml")) if p.is_dir() else [p]
        for f in files:
            text, problem = problem_reading(f)
            if text is None:
                problems.append(f"{f}: {problem}")
            else:
                out.append((str(f), text))
    return out, problems


def _load(
    folder: str, parse: Callable[[dict[str, Any], str], M], extra: list[Path] | None, what: str
) -> list[tuple[M, str]]:
    """Every shipped file of `folder` and every given file, each with its source; every
    problem of every file listed at once."""
    out: list[tuple[M, str]] = []
    files, problems = _user_files(extra or [])
    for source, text in _shipped(folder) + files:
        try:
            out.append((parse(_toml(text, source), source), source))
        except RuleFileError as e:
            problems += [f"{source}: {p}" for p in e.problems]
    if problems:
        raise RuleFileError(what, problems)
    return out


def load_price_book_files(extra: list[Path] | None = None) -> list[tuple[PriceBook, str]]:
    return _load("price_books", PriceBook.from_mapping, extra, "price books")


def load_policy_files(extra: list[Path] | None = None) -> list[tuple[Policy, str]]:
    return _load("policies", policy_from_mapping, extra, "policies")


def load_price_books(extra: list[Path] | None = None) -> list[PriceBook]:
    return [b for b, _ in load_price_book_files(extra)]


def load_policies(extra: list[Path] | None = None) -> list[Policy]:
    return [p for p, _ in load_policy_files(extra)]


def load_rule_book(prices: list[Path] | None = None, policies: list[Path] | None = None) -> RuleBook:
    return RuleBook(prices=PriceCatalog(load_price_books(prices)), policies=PolicyBook(load_policies(policies)))


def load_correction(path: Path, reason: str) -> tuple[PriceCorrection, str]:
    """A price correction file (TOML: id, vendor, valid_from, [[entries]]) with the reason given
    on the command line."""
    text = read_text_file(path, "price correction file")
    data = _toml(text, str(path))
    if "reason" in data and data["reason"] != reason:
        raise RuleFileError(str(path), ["reason: give the reason once, with --reason (the file has its own)"])
    return PriceCorrection.from_mapping({**data, "reason": reason}, str(path)), str(path)
