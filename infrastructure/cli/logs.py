"""Logging for the command line: library modules log through `logging.getLogger(__name__)`;
`main()` sends those records to stderr as `linkledger: <message>`."""

from __future__ import annotations

import logging
import sys

ROOT_LOGGER = "linkledger"


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is when a record is emitted (a test may swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass


def configure_logging(verbosity: int, debug: bool = False) -> None:
    """WARNING and above by default, INFO with -v, DEBUG with -vv or LINKLEDGER_DEBUG=1."""
    logger = logging.getLogger(ROOT_LOGGER)
    for handler in [h for h in logger.handlers if isinstance(h, StderrHandler)]:
        logger.removeHandler(handler)
    handler = StderrHandler()
    handler.setFormatter(logging.Formatter("linkledger: %(message)s"))
    logger.addHandler(handler)
    level = logging.DEBUG if debug or verbosity >= 2 else logging.INFO if verbosity == 1 else logging.WARNING
    logger.setLevel(level)
