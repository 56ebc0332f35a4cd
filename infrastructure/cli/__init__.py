"""`linkledger`, the command line: `main()` parses the arguments, sets up logging, runs the
command and turns what it raises into an exit code (docs/cli.md).

Modules: `parser` (the arguments, one function per command), `stores` (opening the event
store and the views; a read makes nothing), `rendering` (text and JSON on stdout),
`progress` (the progress bar), `feed_changes` (what a feed message changed),
`commands_write`, `commands_read`, `commands_views`, `commands_demo` (the commands),
`failures` (exceptions to exit codes) and `exits` (the codes).
"""

from __future__ import annotations

from collections.abc import Sequence

from linkledger.infrastructure.cli.exits import (
    EXIT_DIFFERS,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_STOPPED,
    EXIT_UNAVAILABLE,
    EXIT_UNDONE,
)

__all__ = [
    "EXIT_DIFFERS",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_REFUSED",
    "EXIT_STOPPED",
    "EXIT_UNAVAILABLE",
    "EXIT_UNDONE",
    "main",
]


def main(argv: Sequence[str] | None = None) -> int:
    try:
        from linkledger.infrastructure.cli.failures import debugging, run_command
        from linkledger.infrastructure.cli.logs import configure_logging
        from linkledger.infrastructure.cli.parser import parse

        args = parse(argv)
        configure_logging(args.log_verbosity, debug=debugging())
    except KeyboardInterrupt:  # Ctrl-C while starting up
        return EXIT_INTERRUPTED
    return run_command(args)
