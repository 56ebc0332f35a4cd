"""Names and e-mail addresses a user gives: accounts, resources, users, roles.

A name is 1 to 64 characters, printable, with no whitespace and none of `= : @ # " ' \\`
(a scenario line separates words by spaces and options by `=`; a private connect's end is
written `port:NAME` or `aws:NAME@SITE`; `#` after a space starts a comment). Letters of any
script are allowed. An e-mail address is at most 254 characters: one `@`, a local part of 1
to 64 printable characters, a domain of dot-separated labels (letters, digits, `-`) with at
least one dot; no whitespace or control characters. The checks are pure: the Python API and
scenario files get the same refusals.
"""

from __future__ import annotations

import re
from typing import Any

from linkledger.domain.errors import InvalidNameError

MAX_NAME_LENGTH = 64
MAX_EMAIL_LENGTH = 254
MAX_TEXT_LENGTH = 200  # free text kept with a resource, such as a leased line's operator

_FORBIDDEN = frozenset("=:@#\"'\\")
_DOMAIN_LABEL = re.compile(r"[^\W_](?:[\w-]*[^\W_])?")


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise InvalidNameError(f"{what} {value!r} is not text")
    if not value:
        raise InvalidNameError(f"{what} is empty; give a name")
    return value


def check_name(value: Any, what: str = "name") -> str:
    """A name as the module docstring says, or a refusal naming `what` and the rule."""
    name = _text(value, what)
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidNameError(f"{what} is {len(name)} characters long; at most {MAX_NAME_LENGTH}")
    bad = sorted({c for c in name if not c.isprintable() or c.isspace() or c in _FORBIDDEN})
    if bad:
        shown = " ".join(repr(c) for c in bad)
        raise InvalidNameError(
            f"{what} {name!r} has {shown}; a name has no spaces, control characters or any of = : @ # \" ' \\"
        )
    return name


def check_text(value: Any, what: str) -> str:
    """Free text (an operator's name): 1 to MAX_TEXT_LENGTH printable characters, spaces allowed."""
    text = _text(value, what)
    if len(text) > MAX_TEXT_LENGTH:
        raise InvalidNameError(f"{what} is {len(text)} characters long; at most {MAX_TEXT_LENGTH}")
    if not text.isprintable():
        raise InvalidNameError(f"{what} {text!r} has control characters")
    return text


def _email_problem(email: str) -> str | None:
    if len(email) > MAX_EMAIL_LENGTH:
        return f"is {len(email)} characters long; at most {MAX_EMAIL_LENGTH}"
    if any(c.isspace() or not c.isprintable() for c in email):
        return "has spaces or control characters"
    local, at, domain = email.rpartition("@")
    if not at or not local or "@" in local:
        return "needs exactly one @ with something before it, such as bob@acme.test"
    if len(local) > MAX_NAME_LENGTH:
        return f"has more than {MAX_NAME_LENGTH} characters before the @"
    labels = domain.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.fullmatch(label) for label in labels):
        return "needs a domain of dot-separated letters, digits and hyphens, such as acme.test"
    return None


def check_email(value: Any, what: str = "email") -> str:
    """An e-mail address as the module docstring says (a pragmatic check, not RFC 5322)."""
    email = _text(value, what)
    problem = _email_problem(email)
    if problem is not None:
        raise InvalidNameError(f"{what} {email!r} {problem}")
    return email
