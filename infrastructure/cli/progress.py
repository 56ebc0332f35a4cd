"""The progress bar of the commands run, advance, audit --all and correct-prices (tqdm, on stderr).

Shown when stderr is a terminal, or always with `--progress`; never with `--json` output.
"""

from __future__ import annotations

import sys
from typing import Any


def wanted(args: Any) -> bool | None:
    """tqdm's `disable`: None lets tqdm show the bar only on a terminal; True hides it."""
    if getattr(args, "json", False):
        return True
    if getattr(args, "progress", False):
        return False
    return None


class Progress:
    """A progress bar advanced one step per call with the total of the work; made on the
    first call and made again when the total changes (the next correction, say)."""

    def __init__(self, unit: str, quiet: bool = False, disable: bool | None = None) -> None:
        self.unit = unit
        self.disable = True if quiet else disable
        self.bar: Any = None

    def __call__(self, total: int | None) -> None:
        self._ensure(total)
        self.bar.update(1)

    def to(self, done: int, total: int | None = None) -> None:
        """Move the bar to `done` (for work that reports how far it is, not each step)."""
        self._ensure(total)
        self.bar.update(done - self.bar.n)

    def _ensure(self, total: int | None) -> None:
        if self.bar is None or self.bar.total != total:
            self.close()
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit=f" {self.unit}", file=sys.stderr, disable=self.disable, mininterval=0.5)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
