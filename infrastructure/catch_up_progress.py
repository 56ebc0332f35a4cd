"""How far a catch-up has got: a bar on a terminal, a line every few seconds otherwise."""

from __future__ import annotations

import time
from typing import TextIO


class Progress:
    """A progress bar on a terminal, a line every few seconds otherwise."""

    def __init__(self, total: int, out: TextIO | None = None, label: str = "catching up") -> None:
        self.total = max(total, 1)
        self.out = out
        self.label = label
        self.started = time.monotonic()
        self.last_print = 0.0
        self.tty = bool(out and out.isatty())

    def update(self, done: int, final: bool = False) -> None:
        if self.out is None:
            return
        now = time.monotonic()
        if not final and now - self.last_print < (0.2 if self.tty else 5.0):
            return
        self.last_print = now
        self._write(self._text(done, now), final)

    def _text(self, done: int, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = done / elapsed
        share = min(done / self.total, 1.0)
        eta = (self.total - done) / rate if rate > 0 else 0.0
        bar = "#" * int(share * 30)
        return (
            f"{self.label} [{bar:<30}] {share:4.0%} {done:,}/{self.total:,} events, {rate:,.0f} ev/s, ETA {eta:,.0f}s"
        )

    def _write(self, text: str, final: bool) -> None:
        assert self.out is not None
        if self.tty:
            self.out.write("\r" + text + ("\n" if final else ""))
        else:
            self.out.write(text + "\n")
        self.out.flush()
