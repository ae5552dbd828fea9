"""Progress of a batch on the terminal: a bar on an interactive stderr, silence otherwise (CI)."""

from __future__ import annotations

import sys
from typing import TextIO

BAR = 28


class Progress:
    """Called once per file read: ``progress(done, total, file)``.

    Draws a bar when ``stream`` is a terminal; writes nothing otherwise.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.active = self.stream.isatty()

    def __call__(self, done: int, total: int, file: str) -> None:
        if not self.active:
            return
        filled = BAR * done // max(total, 1)
        name = file if len(file) <= 40 else "…" + file[-39:]
        self.stream.write(f"\r[{'#' * filled}{'.' * (BAR - filled)}] {done}/{total} {name:<40}")
        if done == total:
            self.stream.write("\n")
        self.stream.flush()
