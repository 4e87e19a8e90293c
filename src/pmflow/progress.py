"""A one-line progress counter for long runs, shown only on a terminal (never in Actions logs)."""

from __future__ import annotations

import sys
from typing import TextIO

# Short runs finish before a counter would help anyone.
MIN_TOTAL = 20


class Progress:
    def __init__(self, what: str, total: int, stream: TextIO | None = None) -> None:
        self.what = what
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.shown = total >= MIN_TOTAL and self.stream.isatty()

    def step(self, done: int, number: int) -> None:
        if self.shown:
            self.stream.write(f"\rpmflow {self.what}: {done}/{self.total} (#{number})\033[K")
            self.stream.flush()

    def finish(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
