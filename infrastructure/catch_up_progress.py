"""How far a catch-up has got, drawn by tqdm (the project's one progress library): a bar on a
terminal, a line every few seconds otherwise."""

from __future__ import annotations

from typing import TextIO


class Progress:
    """The events a catch-up has folded out of `total`, on `out` (nothing when `out` is None)."""

    def __init__(self, total: int, out: TextIO | None = None, label: str = "catching up") -> None:
        from tqdm import tqdm

        tty = bool(out and out.isatty())
        self.bar = tqdm(
            total=max(total, 1),
            desc=label,
            unit=" events",
            unit_scale=True,
            file=out,
            disable=out is None,
            mininterval=0.2 if tty else 5.0,
            ascii=not tty,
        )

    def update(self, done: int, final: bool = False) -> None:
        self.bar.update(done - self.bar.n)
        if final:
            self.bar.close()
