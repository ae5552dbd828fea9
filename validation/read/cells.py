"""A worksheet's cells as SpreadsheetML stores them (ECMA-376 Part 1, 18.3 and 18.4).

:class:`Sheet` reads the non-empty cells of one worksheet, all or an area's, with what
it needs from the other parts: :mod:`~validation.read.strings` (the shared string table)
and :mod:`~validation.read.styles` (which cell styles show a number as a date). Followed
from the specification rather than from one writer's habits:

* a row's ``r`` and a cell's ``r`` are optional: a row without one follows the
  previous row, a cell without one the previous cell of its row;
* attributes come in any order, elements in any namespace prefix (Strict and
  Transitional alike: the namespace is taken from the part's root);
* a cell's type (``t``) is ``n`` (the default), ``s`` (shared string), ``str``
  (a formula's text), ``inlineStr``, ``b``, ``e`` (an error) or ``d`` (ISO 8601);
  an empty ``<v/>`` or ``<v></v>`` is no cached value (openpyxl writes it in every
  formula cell);
* text is kept as written, ``xml:space`` or not, ``_xHHHH_`` escapes decoded;
  rich text joins its runs and leaves phonetic guides (``rPh``) out;
* a cell holds a formula when it has an ``<f>`` (also a shared formula's
  member), or lies in the range of an array formula.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass
from functools import cache, lru_cache

from lxml import etree

from validation.read.package import PartError
from validation.read.strings import SharedStrings, rich_text, xstring
from validation.read.styles import serial

CellValue = str | float | bool | None
Position = tuple[int, int]
"""(row, column), both from 0: A1 is (0, 0)."""

_A1 = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


@dataclass(frozen=True, slots=True)
class Cell:
    """What a workbook stores in one cell: its cached value, whether a formula fills it, its
    cached error value (``#N/A``, ``#REF!``...; then ``value`` is None), and whether its
    style shows a number as a date (``value`` is then the date's serial number)."""

    value: CellValue = None
    formula: bool = False
    error: str | None = None
    date: bool = False


EMPTY = Cell()


def column_index(letters: str) -> int:
    """The 0-based index of column letters.

    >>> column_index("A"), column_index("AZ"), column_index("xfd")
    (0, 51, 16383)
    """
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - 64
    return index - 1


@lru_cache(maxsize=1 << 16)
def position(address: str) -> Position:
    """The (row, column) of an A1 address (``$`` allowed).

    >>> position("B7"), position("$C$4")
    ((6, 1), (3, 2))
    """
    m = _A1.match(address.strip())
    if not m:
        raise ValueError(f"not a cell address: {address!r}")
    return int(m.group(2)) - 1, column_index(m.group(1))


def span(ref: str) -> tuple[Position, Position]:
    """The first and last cell of a range (``A1:C3``) or a single cell.

    >>> span("B2:D9"), span("A1")
    (((1, 1), (8, 3)), ((0, 0), (0, 0)))
    """
    first, _, last = ref.partition(":")
    return position(first), position(last or first)


@cache
def column_letters(col: int) -> str:
    """Column letters of a 0-based column index (remembered: a sheet has few columns).

    >>> column_letters(0), column_letters(25), column_letters(26), column_letters(51)
    ('A', 'Z', 'AA', 'AZ')
    """
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def a1_text(row: int, col: int) -> str:
    """The A1 address of a 0-based (row, column).

    >>> a1_text(0, 0), a1_text(6, 27)
    ('A1', 'AB7')
    """
    return f"{column_letters(col)}{row + 1}"


@dataclass(frozen=True)
class SheetContext:
    """What reading a sheet's cells needs from the rest of the workbook."""

    strings: SharedStrings
    dates: frozenset[int]
    date1904: bool


Ranges = list[tuple[Position, Position]]
"""The first and last cell of each range an array formula fills."""


class Sheet:
    """A worksheet's parsed part: its cells read on demand, all or those of an area."""

    def __init__(self, root: etree._Element, context: SheetContext, name: str = "") -> None:
        self.ns = root.tag[:root.tag.index("}") + 1] if root.tag.startswith("{") else ""
        self.data = root.find(f"{self.ns}sheetData")
        self.context, self.name = context, name
        self.arrays: Ranges = [] if self.data is None else [
            span(f.get("ref") or "") for f in self.data.iter(f"{self.ns}f") if f.get("t") == "array" and f.get("ref")]
        """The ranges its array formulas fill (a dynamic array's spill range, a CSE block)."""

    def cells(self, area: tuple[Position, Position] | None = None,
              only: Container[Position] | None = None) -> dict[Position, Cell]:
        """The non-empty cells (a value, a formula or an error) by position: all, or those inside
        ``area`` (first and last cell) and, if given, in ``only``. A stored cell inside an
        array formula's range is a formula cell."""
        (top, left), (bottom, right) = area or ((0, 0), (1 << 20, 1 << 14))
        ns, cells = self.ns, {}
        row_index = -1
        for row in self.data.iterchildren(f"{ns}row") if self.data is not None else ():
            number = row.get("r")
            row_index = int(number) - 1 if number else row_index + 1
            if not top <= row_index <= bottom:
                continue
            anchor, steps = None, 0  # the last cell with an address, and the cells after it
            for c in row.iterchildren(f"{ns}c"):
                ref = c.get("r")
                if ref:
                    anchor, steps = ref, 0
                else:
                    steps += 1
                if not len(c):  # no <v>, <f> or <is>: a styled empty cell (most of a template's cells)
                    continue
                at = (row_index, (position(anchor)[1] if anchor else -1) + steps) if steps else position(ref)
                if not left <= at[1] <= right or (only is not None and at not in only):
                    continue
                cell = _cell(c, ns, self.context, f"{self.name}!{ref or a1_text(*at)}")
                if cell is not None:
                    cells[at] = cell
        for first, last in self.arrays:
            for at, cell in cells.items():
                if not cell.formula and first[0] <= at[0] <= last[0] and first[1] <= at[1] <= last[1]:
                    cells[at] = Cell(cell.value, True, cell.error, cell.date)
        return cells

    def in_array(self, at: Position) -> bool:
        """Whether a position lies in an array formula's range."""
        return any(a[0] <= at[0] <= b[0] and a[1] <= at[1] <= b[1] for a, b in self.arrays)


def _cell(c: etree._Element, ns: str, context: SheetContext, where: str) -> Cell | None:
    """One ``<c>`` (None when it holds nothing: a styled empty cell)."""
    kind = c.get("t") or "n"
    formula, stored, inline, has_v = None, None, None, False
    for child in c:
        tag = child.tag
        if tag == f"{ns}f":
            formula = child
        elif tag == f"{ns}v":
            stored, has_v = child.text, True
        elif tag == f"{ns}is":
            inline = child
    return _value(kind, stored, has_v=has_v, inline=inline, style=c.get("s"), has_formula=formula is not None,
                  context=context, where=where)


def _value(kind: str, stored: str | None, *, has_v: bool, inline: etree._Element | None, style: str | None,
           has_formula: bool, context: SheetContext, where: str) -> Cell | None:
    """A cell from its type, its stored ``<v>`` text (``has_v``: whether it has a ``<v>``),
    its inline string and its style."""
    if kind == "inlineStr":
        text = rich_text(inline) if inline is not None else None
        return Cell(text, has_formula) if text is not None or has_formula else None
    if kind == "e":
        error = stored.strip() if stored and stored.strip() else None
        return Cell(None, has_formula, error) if error or has_formula else None
    if kind == "str":
        return Cell(xstring(stored or ""), has_formula) if has_v else (Cell(None, True) if has_formula else None)
    if stored is None or (kind != "s" and not stored.strip()):
        return Cell(None, True) if has_formula else None
    try:
        if kind == "s":
            return Cell(context.strings[int(stored)], has_formula)
        if kind == "b":
            return Cell(stored.strip() in ("1", "true"), has_formula)
        if kind == "d":
            return Cell(serial(stored, context.date1904), has_formula, date=True)
        return Cell(float(stored), has_formula, date=bool(style and int(style) in context.dates))
    except (ValueError, IndexError) as exc:
        raise PartError(f"单元格 {where} 存储的值“{stored}”不符合其类型 {kind}",
                        f"cell {where}: the stored value {stored!r} does not fit its type {kind}") from exc
