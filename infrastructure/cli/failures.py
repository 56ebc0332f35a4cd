"""Running a command and turning what it raises into an exit code.

A refusal (LedgerError, a malformed store URL) is exit 2, a stopped view exit 1, Ctrl-C
exit 130 without a traceback; anything else is a bug, reported in one line as an internal
error (exit 70) unless LINKLEDGER_DEBUG=1 asks for the traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from importlib import import_module
from typing import Any

from linkledger.infrastructure.cli.exits import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_REFUSED, EXIT_STOPPED

log = logging.getLogger("linkledger.cli")

DEBUG_HINT = "(rerun with LINKLEDGER_DEBUG=1 for the traceback)"


def debugging() -> bool:
    return os.environ.get("LINKLEDGER_DEBUG", "") not in ("", "0")


def known_faults() -> list[tuple[type[BaseException], int]]:
    """The exceptions that are a user's or an operator's matter, most specific first, with
    their exit codes. Imported only when something was raised."""
    from linkledger.domain.errors import LedgerError
    from linkledger.infrastructure.view_store import ViewStoreError

    return [
        (LedgerError, EXIT_REFUSED),  # a scenario line's refusal too (ScenarioError)
        (ViewStoreError, EXIT_STOPPED),  # a stopped projection too (ProjectionStopped)
    ]


def fault_shown(error: BaseException) -> tuple[BaseException, int] | None:
    """What to say and the exit code: a fault carries its own code (a store, server or
    setting that cannot be used); a driver's error raised mid-command is turned into one."""
    from linkledger.infrastructure.errors import FaultError, fault_of

    if isinstance(error, FaultError):
        return error, error.exit_code
    for kind, code in known_faults():
        if isinstance(error, kind):
            return error, code
    fault = fault_of(error) if isinstance(error, Exception) else None
    return (fault, fault.exit_code) if fault is not None else None


def one_line(text: str) -> str:
    return " ".join(text.split())


def interrupted(error: BaseException | None) -> bool:
    """Ctrl-C, or an error raised while cleaning up after one (a rollback that found no transaction)."""
    while error is not None:
        if isinstance(error, KeyboardInterrupt):
            return True
        error = error.__context__
    return False


def report(error: Exception) -> int:
    if interrupted(error):
        return EXIT_INTERRUPTED
    shown = fault_shown(error)
    if shown is not None:
        log.error("%s", shown[0])
        return shown[1]
    if debugging():
        log.error("internal error", exc_info=error)
    log.error("internal error: %s: %s %s", type(error).__name__, one_line(str(error)), DEBUG_HINT)
    return EXIT_INTERNAL


def settings_for(args: argparse.Namespace) -> Any:
    """The validated settings; --store and --views given on the command line win over them."""
    from linkledger.infrastructure.settings import Settings

    settings = Settings.from_env(options={"store": args.store, "views": args.views})
    args.store, args.views = settings.store, settings.views
    return settings


def run_command(args: argparse.Namespace) -> int:
    module, function = args.func
    try:
        command = getattr(import_module(f"linkledger.infrastructure.cli.{module}"), function)
        return int(command(args, settings_for(args)))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as e:
        return report(e)
