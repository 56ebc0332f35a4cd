"""The exit codes of `linkledger` (docs/cli.md lists them with what to do about each)."""

EXIT_OK = 0
EXIT_DIFFERS = 1  # `audit`: an issued invoice differs from its recomputation
EXIT_STOPPED = 1  # a view (projection) stopped on an error
EXIT_REFUSED = 2  # a refusal: nothing was written for the command
EXIT_UNDONE = 3  # some accounts could not be settled (a due rule could not run); the others were
EXIT_UNAVAILABLE = 4  # the store or a server is unavailable or unusable (infrastructure/errors.py)
EXIT_INTERNAL = 70  # an internal error (EX_SOFTWARE): a bug, reported in one line
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
