"""Read a guarded workbook by name: defined names, tables, values and which cells hold formulas.

Values come from python-calamine (fast, Rust). What calamine does not give
comes from the package's XML, parsed with defusedxml: the defined names
(``xl/workbook.xml``), and for the cells the batch recomputes, whether they
still hold a formula and their cached error values (#N/A, #NUM!), which
calamine reads as empty. Only the sheets and cells the contract names are
touched; a :class:`Workbook` lives for one extraction and is then dropped.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import IO
from xml.parsers import expat

import python_calamine as calamine
from defusedxml import DTDForbidden
from defusedxml.ElementTree import fromstring

CellValue = str | float | int | bool | None
Position = tuple[int, int]
"""(row, column), both from 0: A1 is (0, 0)."""

_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")
_A1 = re.compile(r"^([A-Z]{1,3})(\d+)$")
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def column_letters(col: int) -> str:
    """Column letters of a 0-based column index.

    >>> column_letters(0), column_letters(25), column_letters(26), column_letters(51)
    ('A', 'Z', 'AA', 'AZ')
    """
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """The 0-based index of column letters (inverse of :func:`column_letters`).

    >>> column_index("A"), column_index("AZ")
    (0, 51)
    """
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


def a1(row: int, col: int) -> str:
    """A1 address of a 0-based (row, column).

    >>> a1(0, 0), a1(7, 2)
    ('A1', 'C8')
    """
    return f"{column_letters(col)}{row + 1}"


def _position(address: str) -> Position:
    m = _A1.match(address)
    if not m:
        raise ValueError(address)
    return int(m.group(2)) - 1, column_index(m.group(1))


@dataclass(frozen=True)
class Area:
    """A rectangular area of one sheet, as a defined name refers to it."""

    sheet: str
    first: Position
    last: Position

    def cells(self) -> Iterator[Position]:
        """Its cells, row by row."""
        for r in range(self.first[0], self.last[0] + 1):
            for c in range(self.first[1], self.last[1] + 1):
                yield r, c


def parse_area(target: str) -> Area | None:
    """The area a defined name's text refers to, or None if it is no plain area (#REF!, a formula).

    >>> parse_area("Project!$C$4")
    Area(sheet='Project', first=(3, 2), last=(3, 2))
    >>> parse_area("'It''s here'!$B$2:$D$2").sheet
    "It's here"
    >>> parse_area("#REF!") is None, parse_area("Project!#REF!") is None
    (True, True)
    """
    m = _REF.match(target.strip())
    if not m:
        return None
    sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
    first = (int(m.group(4)) - 1, column_index(m.group(3)))
    last = (int(m.group(6)) - 1, column_index(m.group(5))) if m.group(5) else first
    return Area(sheet, first, last)


@dataclass(frozen=True)
class TableData:
    """A named Excel table: its sheet, header, first data row and the data rows."""

    sheet: str
    columns: tuple[str, ...]
    first: Position
    rows: list[list[CellValue]]


@dataclass(frozen=True)
class FormulaCell:
    """What the XML says of one cell: whether a formula fills it, and its cached error if any."""

    formula: bool
    error: str | None


def clean(value: object) -> CellValue:
    """A calamine value as the batch keeps it: blank text is None, dates become ISO text.

    >>> clean("  "), clean(" x "), clean(2.0)
    (None, 'x', 2.0)
    """
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


class Workbook:
    """An open workbook from its bytes (already guarded): read it by names, then drop it."""

    def __init__(self, data: bytes) -> None:
        self._zip = zipfile.ZipFile(io.BytesIO(data))
        self._book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data), load_tables=True)
        self._grids: dict[str, list[list[object]]] = {}

    def close(self) -> None:
        """Release the archive and calamine's workbook."""
        self._book.close()
        self._zip.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @cached_property
    def _workbook_xml(self):  # an ElementTree element
        return fromstring(self._zip.read("xl/workbook.xml"), forbid_dtd=True)

    @cached_property
    def names(self) -> dict[str, str]:
        """Defined names (workbook-wide ones win over sheet-local ones) -> their reference text."""
        found: dict[str, str] = {}
        for node in self._workbook_xml.iterfind("{*}definedNames/{*}definedName"):
            name = node.get("name", "")
            if name not in found or node.get("localSheetId") is None:
                found[name] = (node.text or "").strip()
        return found

    @cached_property
    def sheet_parts(self) -> dict[str, str]:
        """Sheet name -> the path of its XML part in the archive."""
        rels = fromstring(self._zip.read("xl/_rels/workbook.xml.rels"), forbid_dtd=True)
        targets = {r.get("Id"): r.get("Target", "") for r in rels.iterfind("{*}Relationship")}
        parts = {}
        for sheet in self._workbook_xml.iterfind("{*}sheets/{*}sheet"):
            target = targets.get(sheet.get(_REL_NS), "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join("xl", target))
            parts[sheet.get("name", "")] = path
        return parts

    @property
    def table_names(self) -> list[str]:
        """Names of the workbook's Excel tables."""
        return list(self._book.table_names or [])

    def _grid(self, sheet: str) -> list[list[object]]:
        if sheet not in self._grids:
            self._grids[sheet] = self._book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        return self._grids[sheet]

    def has_sheet(self, sheet: str) -> bool:
        """Whether the workbook has a sheet of this name."""
        return sheet in self._book.sheet_names

    def value(self, sheet: str, position: Position) -> CellValue:
        """A cell's (cached) value; None for an empty cell or an error value."""
        grid = self._grid(sheet)
        row, col = position
        if row < len(grid) and col < len(grid[row]):
            return clean(grid[row][col])
        return None

    def table(self, name: str) -> TableData:
        """A named table's data rows (calamine)."""
        table = self._book.get_table_by_name(name)
        start = table.start or (0, 0)
        return TableData(table.sheet, tuple(str(c).strip() for c in table.columns), start,
                         [list(r) for r in table.to_python()])

    def formula_cells(self, sheet: str, positions: Iterable[Position]) -> dict[Position, FormulaCell]:
        """For the given cells of a sheet: formula or not, and the cached error value.

        A cell counts as holding a formula when it has one or lies in the spill
        range of an array formula; shared formulas mark every member cell.
        Streams the sheet's XML with expat (a DOCTYPE, which the guards have
        already ruled out, would raise).
        """
        wanted = {a1(*p): p for p in positions}
        xml = self._zip.read(self.sheet_parts[sheet])
        quick = _quick_formula_scan(xml, wanted)
        if quick is not None:
            return quick
        scan = _FormulaScan(wanted)
        scan.parse(io.BytesIO(xml))
        return scan.result()


_ARRAY_FORMULA = re.compile(rb'<f\b[^>]*\bt="array"[^>]*>')
_ARRAY_REF = re.compile(rb'\bref="([A-Z]{1,3}[0-9]+)(?::([A-Z]{1,3}[0-9]+))?"')
_ERROR_TYPE = re.compile(rb'\bt="e"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")


def _spills(xml: bytes) -> list[tuple[Position, Position]]:
    """The ranges array formulas fill (a dynamic array's spill range, a CSE block)."""
    found = []
    for tag in _ARRAY_FORMULA.finditer(xml):
        ref = _ARRAY_REF.search(tag.group(0))
        if ref:
            first = _position(ref.group(1).decode())
            found.append((first, _position(ref.group(2).decode()) if ref.group(2) else first))
    return found


def _covered(pos: Position, spills: list[tuple[Position, Position]]) -> bool:
    return any(a[0] <= pos[0] <= b[0] and a[1] <= pos[1] <= b[1] for a, b in spills)


def _quick_formula_scan(xml: bytes, wanted: dict[str, Position]) -> dict[Position, FormulaCell] | None:
    """:meth:`Workbook.formula_cells` by regular expressions over the wanted cells only, for
    sheets written the usual way (unprefixed ``<c r="A1" ...>`` elements); None otherwise,
    and the caller parses the whole sheet."""
    if not wanted or b'<c r="' not in xml or b"<x:c " in xml:
        return None
    refs = b"|".join(re.escape(ref.encode()) for ref in wanted)
    cell = re.compile(rb'<c r="(' + refs + rb')"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
    seen = {}
    for match in cell.finditer(xml):
        attrs, body = match.group(2), match.group(3) or b""
        error = None
        if _ERROR_TYPE.search(attrs):
            value = _VALUE.search(body)
            error = value.group(1).decode() if value else None
        seen[match.group(1).decode()] = FormulaCell(b"<f" in body, error)
    spills = _spills(xml)
    return {pos: FormulaCell(seen.get(ref, FormulaCell(False, None)).formula or _covered(pos, spills),
                             seen.get(ref, FormulaCell(False, None)).error)
            for ref, pos in wanted.items()}


class _FormulaScan:
    """One pass of expat over a sheet's XML, noting formulas and error values of wanted cells."""

    def __init__(self, wanted: dict[str, Position]) -> None:
        self.wanted = wanted
        self.seen: dict[Position, FormulaCell] = {}
        self.arrays: list[tuple[Position, Position]] = []
        self.cell: str | None = None
        self.error_type = self.formula = self.in_value = False
        self.value: list[str] = []

    def parse(self, part: IO[bytes]) -> None:
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartDoctypeDeclHandler = _forbid_dtd
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text
        parser.ParseFile(part)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = name.rpartition(" ")[2]
        if tag == "c":
            self.cell = attrs.get("r")
            self.error_type, self.formula, self.value = attrs.get("t") == "e", False, []
        elif tag == "f":
            self.formula = True
            if attrs.get("t") == "array" and attrs.get("ref"):
                first, _, last = attrs["ref"].partition(":")
                self.arrays.append((_position(first), _position(last or first)))
        elif tag == "v":
            self.in_value = True

    def end(self, name: str) -> None:
        tag = name.rpartition(" ")[2]
        if tag == "v":
            self.in_value = False
        elif tag == "c" and self.cell is not None:
            if self.cell in self.wanted:
                error = "".join(self.value) if self.error_type else None
                self.seen[self.wanted[self.cell]] = FormulaCell(self.formula, error)
            self.cell = None

    def text(self, data: str) -> None:
        if self.in_value:
            self.value.append(data)

    def result(self) -> dict[Position, FormulaCell]:
        out = {}
        for pos in self.wanted.values():
            cell = self.seen.get(pos, FormulaCell(False, None))
            out[pos] = FormulaCell(cell.formula or _covered(pos, self.arrays), cell.error)
        return out


def _forbid_dtd(name: str, *args: object) -> None:
    raise DTDForbidden(name, None, None)
