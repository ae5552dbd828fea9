"""A worksheet's cells as SpreadsheetML stores them (ECMA-376 Part 1, 18.3 and 18.4).

One function per part the cells need: :func:`shared_strings` (the shared
string table), :func:`date_styles` (which cell styles show a number as a
date), :func:`sheet_cells` (every non-empty cell of one worksheet). Followed
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

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from validation.package import PartError, local

CellValue = str | float | bool | None
Position = tuple[int, int]
"""(row, column), both from 0: A1 is (0, 0)."""

_A1 = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_XSTRING = re.compile(r"_x([0-9A-Fa-f]{4})_")


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


def a1_text(row: int, col: int) -> str:
    """The A1 address of a 0-based (row, column).

    >>> a1_text(0, 0), a1_text(6, 27)
    ('A1', 'AB7')
    """
    letters, col = "", col + 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def xstring(text: str) -> str:
    """Text with SpreadsheetML's ``_xHHHH_`` escapes decoded (a line feed is ``_x000A_``, an
    underscore before such a pattern ``_x005F_``).

    >>> xstring("a_x000A_b"), xstring("keep_x005F_x0041_"), xstring("plain_x")
    ('a\\nb', 'keep_x0041_', 'plain_x')
    """
    if "_x" not in text:
        return text
    return _XSTRING.sub(lambda m: chr(int(m.group(1), 16)), text)


def rich_text(item: etree._Element) -> str:
    """The text of a string item (``<si>``, ``<is>``): its ``<t>`` and its runs' ``<t>``
    joined, phonetic guides (``<rPh>``) left out."""
    texts = []
    for child in item:
        name = local(child.tag)
        if name == "t":
            texts.append(child.text or "")
        elif name == "r":
            texts.extend(t.text or "" for t in child if local(t.tag) == "t")
    return xstring("".join(texts))


def shared_strings(root: etree._Element) -> list[str]:
    """The shared string table, in order."""
    return [rich_text(item) for item in root if local(item.tag) == "si"]


BUILTIN_DATE_FORMATS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
"""Built-in number formats that show dates or times (ECMA-376 Part 1, 18.8.30; 27-36 and
50-58 are the East Asian date formats, such as 31, ``yyyy"年"m"月"d"日"``)."""
_LITERAL = re.compile(r'"[^"]*"|\\.|\[(?!h+\]|m+\]|s+\])[^\]]*\]|_.|\*.')


def is_date_format(code: str) -> bool:
    """Whether a number format code shows a date or time (its first section, quoted text,
    escapes, colours and locales left out).

    >>> is_date_format('yyyy"年"m"月"d"日"'), is_date_format("[h]:mm"), is_date_format("#,##0.00")
    (True, True, False)
    >>> is_date_format('0.0" days"'), is_date_format("[Red]0%"), is_date_format("General")
    (False, False, False)
    >>> is_date_format("0.00E+00"), is_date_format("[$-F800]dddd, mmmm dd, yyyy"), is_date_format("[$¥-804]#,##0")
    (False, True, False)
    """
    first = _LITERAL.sub("", code.split(";", maxsplit=1)[0])
    return re.search(r"[dmyhsDMYHS]", first.replace("General", "")) is not None


def date_styles(root: etree._Element | None) -> frozenset[int]:
    """The indexes of the cell formats (``cellXfs``) whose number format is a date or time."""
    if root is None:
        return frozenset()
    custom = {}
    formats: list[int] = []
    for child in root:
        name = local(child.tag)
        if name == "numFmts":
            for fmt in child:
                if (num := fmt.get("numFmtId")) is not None and num.isdigit():
                    custom[int(num)] = is_date_format(fmt.get("formatCode") or "")
        elif name == "cellXfs":
            formats = [int(xf.get("numFmtId") or 0) for xf in child if local(xf.tag) == "xf"]
    return frozenset(i for i, num in enumerate(formats)
                     if custom.get(num, num in BUILTIN_DATE_FORMATS))


def serial(iso: str, date1904: bool) -> float:
    """The serial number of an ISO 8601 date or time (``t="d"`` cells), in the workbook's
    date system (Excel's 1900 system counts 29 February 1900, so later dates are +1).

    >>> serial("2024-03-01", False), serial("1900-01-01T12:00:00", False), serial("1904-01-02", True)
    (45352.0, 1.5, 1.0)
    """
    when = dt.datetime.fromisoformat(iso.strip().replace("Z", "+00:00")).replace(tzinfo=None)
    base = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 31)
    days = (when - base).total_seconds() / 86400
    return days + 1 if not date1904 and days >= 60 else days


@dataclass(frozen=True)
class SheetContext:
    """What reading a sheet's cells needs from the rest of the workbook."""

    strings: list[str]
    dates: frozenset[int]
    date1904: bool


Ranges = list[tuple[Position, Position]]
"""The first and last cell of each range an array formula fills."""


def sheet_cells(root: etree._Element, context: SheetContext, name: str = "") -> tuple[dict[Position, Cell], Ranges]:
    """Every non-empty cell of a worksheet (a value, a formula or an error), by position, and
    the ranges its array formulas fill (their stored cells are marked as formula cells)."""
    ns = root.tag[:root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    data = root.find(f"{ns}sheetData")
    cells: dict[Position, Cell] = {}
    arrays: Ranges = []
    row_index = -1
    for row in data.iterchildren(f"{ns}row") if data is not None else ():
        number = row.get("r")
        row_index = int(number) - 1 if number else row_index + 1
        col = -1
        for c in row.iterchildren(f"{ns}c"):
            ref = c.get("r")
            if ref:
                row_at, col = position(ref)
            else:
                row_at, col = row_index, col + 1
            cell, array = _cell(c, ns, context, f"{name}!{ref or a1_text(row_at, col)}")
            if array:
                arrays.append(span(array))
            if cell is not None and cell != EMPTY:
                cells[(row_at, col)] = cell
    for first, last in arrays:
        for at in _inside(cells, first, last):
            cells[at] = Cell(cells[at].value, True, cells[at].error, cells[at].date)
    return cells, arrays


def _inside(cells: dict[Position, Cell], first: Position, last: Position) -> Iterable[Position]:
    return [at for at in cells if first[0] <= at[0] <= last[0] and first[1] <= at[1] <= last[1]
            and not cells[at].formula]


def _cell(c: etree._Element, ns: str, context: SheetContext, where: str) -> tuple[Cell | None, str | None]:
    """One ``<c>`` (None when it holds nothing: a styled empty cell), and the range its array
    formula fills, if it has one."""
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
    has_formula = formula is not None
    array = formula.get("ref") if has_formula and formula.get("t") == "array" else None
    return _value(kind, stored, has_v=has_v, inline=inline, style=c.get("s"), has_formula=has_formula,
                  context=context, where=where), array


def _value(kind: str, stored: str | None, *, has_v: bool, inline: etree._Element | None, style: str | None,
           has_formula: bool, context: SheetContext, where: str) -> Cell | None:
    """A cell from its type, its stored ``<v>`` text (``has_v``: whether it has a ``<v>``),
    its inline string and its style."""
    if kind == "inlineStr":
        return Cell(rich_text(inline) if inline is not None else None, has_formula)
    if kind == "e":
        return Cell(None, has_formula, stored.strip() if stored and stored.strip() else None)
    if kind == "str":
        return Cell(xstring(stored or "") if has_v else None, has_formula)
    if stored is None or (kind != "s" and not stored.strip()):
        return Cell(None, True) if has_formula else None
    try:
        if kind == "s":
            return Cell(context.strings[int(stored)], has_formula)
        if kind == "b":
            return Cell(stored.strip() in ("1", "true"), has_formula)
        if kind == "d":
            return Cell(serial(stored, context.date1904), has_formula, date=True)
        return Cell(float(stored), has_formula, date=bool(style) and int(style) in context.dates)
    except (ValueError, IndexError) as exc:
        raise PartError(f"单元格 {where} 存储的值“{stored}”不符合其类型 {kind}",
                        f"cell {where}: the stored value {stored!r} does not fit its type {kind}") from exc
