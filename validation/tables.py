"""Plain-text tables for the terminal, aligned for Chinese (wide) characters."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence


def display_width(text: str) -> int:
    """Columns a string takes in a terminal: East Asian wide characters take two.

    >>> display_width("abc"), display_width("劲松")
    (3, 4)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def render(header: Sequence[str], rows: Sequence[Sequence[str]],
           right: Sequence[bool] | None = None) -> str:
    """Rows under a header, columns padded to the widest cell, numbers right-aligned.

    >>> print(render(["case", "So"], [["劲松", "-3,100"], ["x", "0"]], right=[False, True]))
    case  So
    ----  ------
    劲松  -3,100
    x          0
    """
    right = right or [False] * len(header)
    widths = [max(display_width(str(r[j])) for r in [header, *rows]) for j in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        out = []
        for j, cell in enumerate(cells):
            pad = " " * (widths[j] - display_width(str(cell)))
            out.append(pad + str(cell) if right[j] else str(cell) + pad)
        return "  ".join(out).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])
