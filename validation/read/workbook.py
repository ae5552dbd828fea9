"""Read a guarded workbook by name: its sheets, defined names, tables and cells.

The workbook part is found through the package's relationships
(:mod:`validation.read.package`), its sheets, shared strings and styles through the
workbook part's, each sheet's tables through the sheet's. Every part is
parsed by lxml and read as the specification says (:mod:`validation.read.cells`),
Transitional and Strict alike, whatever prefixes, attribute order or
optional attributes its writer chose. Each part is parsed once, when first
needed; a :class:`Workbook` lives for one extraction and is then dropped.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property

from lxml import etree

from validation.read.cells import (
    EMPTY,
    Cell,
    CellValue,
    Position,
    Sheet,
    SheetContext,
    a1_text,
    column_index,
    column_letters,
    span,
)
from validation.read.guards import unpack
from validation.read.package import Package, PartError, attribute, local
from validation.read.strings import SharedStrings, xstring
from validation.read.styles import date_styles

__all__ = ["Area", "Cell", "CellValue", "PartError", "Position", "TableData", "Workbook", "a1", "clean",
           "column_letters", "interned", "parse_area"]

_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Za-z]{1,3})\$?(\d+)(?::\$?([A-Za-z]{1,3})\$?(\d+))?$")


def interned(text: str) -> str:
    """A text that recurs in every file's rows (a sheet, a field, a cell address), as one
    object: a chunk of extractions then pickles it once and the main process holds it once
    (with 10,000 files, about a third of the extracted rows' memory).

    >>> interned("Results") is interned("".join(["Res", "ults"]))
    True
    """
    return sys.intern(text)


def a1(row: int, col: int) -> str:
    """A1 address of a 0-based (row, column), interned.

    >>> a1(0, 0), a1(7, 2)
    ('A1', 'C8')
    """
    return interned(a1_text(row, col))


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
    return Area(interned(sheet), first, last)


@dataclass(frozen=True)
class TableInfo:
    """A named Excel table as its part declares it: sheet, range, columns, header and totals rows."""

    name: str
    sheet: str
    ref: str
    columns: tuple[str, ...]
    header_rows: int
    totals_rows: int


@dataclass(frozen=True)
class TableData:
    """A named Excel table's data: its sheet, column names, first data cell, how many data
    rows it has, and its non-empty data cells by (row, column) from the first data cell."""

    sheet: str
    columns: tuple[str, ...]
    first: Position
    height: int
    cells: dict[Position, Cell]

    @property
    def rows(self) -> list[list[Cell]]:
        """The data rows, one :class:`Cell` per column, empty cells included."""
        return [[self.cells.get((r, c), EMPTY) for c in range(len(self.columns))] for r in range(self.height)]


def clean(value: object) -> CellValue:
    """A value as the batch keeps it: blank text is None, text is stripped.

    >>> clean("  "), clean(" x "), clean(2.0)
    (None, 'x', 2.0)
    """
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)


class Workbook:
    """An open workbook from its parts (already guarded): read it by names, then drop it."""

    def __init__(self, data: bytes, parts: Mapping[str, bytes] | None = None) -> None:
        """``parts``: the archive's parts already unpacked (:func:`validation.guards.open_archive`);
        unpacked from ``data`` here when not given."""
        if parts is None:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                parts = {info.filename: unpack(data, info) for info in archive.infolist()}
        self.package = Package(parts)
        self._sheets: dict[str, Sheet] = {}

    def close(self) -> None:
        """Drop the parsed sheets."""
        self._sheets.clear()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @cached_property
    def _main(self) -> tuple[str, etree._Element]:
        part = self.package.main_part
        return part, self.package.xml(part)

    def _children(self, name: str) -> list[etree._Element]:
        """The children of the workbook part's element ``name`` (``sheets``, ``definedNames``)."""
        for child in self._main[1]:
            if local(child.tag) == name:
                return list(child)
        return []

    @cached_property
    def _relationships(self) -> dict[str, tuple[str, str]]:
        """The workbook part's relationships: id -> (kind, target part)."""
        return {r.id: (r.kind, r.target) for r in self.package.relationships(self._main[0])}

    def _related(self, kind: str) -> etree._Element | None:
        """The first part of a kind the workbook part relates to (shared strings, styles)."""
        for found, target in self._relationships.values():
            if found == kind and self.package.has(target):
                return self.package.xml(target)
        return None

    @cached_property
    def names(self) -> dict[str, str]:
        """Defined names (workbook-wide ones win over sheet-local ones) -> their reference text."""
        found: dict[str, str] = {}
        for item in self._children("definedNames"):
            name = item.get("name") or ""
            if local(item.tag) == "definedName" and (name not in found or item.get("localSheetId") is None):
                found[name] = (item.text or "").strip()
        return found

    @cached_property
    def sheet_parts(self) -> dict[str, str]:
        """Sheet name -> the path of its part in the archive, in the workbook's order."""
        parts = {}
        for sheet in self._children("sheets"):
            if local(sheet.tag) == "sheet":
                target = self._relationships.get(attribute(sheet, "id") or "", ("", ""))[1]
                parts[interned(sheet.get("name") or "")] = target
        return parts

    def has_sheet(self, sheet: str) -> bool:
        """Whether the workbook has a sheet of this name."""
        return sheet in self.sheet_parts

    @cached_property
    def _context(self) -> SheetContext:
        strings = self._related("sharedStrings")
        pr = next((c for c in self._main[1] if local(c.tag) == "workbookPr"), None)
        date1904 = pr is not None and (pr.get("date1904") or "").lower() in ("1", "true")
        return SheetContext(SharedStrings(strings),
                            date_styles(self._related("styles")), date1904)

    def _sheet(self, sheet: str) -> Sheet:
        """A sheet's part, parsed once (an empty sheet where its part is missing)."""
        if sheet not in self._sheets:
            part = self.sheet_parts[sheet]
            root = self.package.xml(part) if part else etree.Element("worksheet")
            self._sheets[sheet] = Sheet(root, self._context, sheet)
        return self._sheets[sheet]

    def sheet(self, sheet: str) -> dict[Position, Cell]:
        """Every non-empty cell of a sheet."""
        return self._sheet(sheet).cells()

    def cells(self, sheet: str, positions: Iterable[Position]) -> dict[Position, Cell]:
        """The given cells of a sheet: an empty :class:`Cell` where nothing is stored, one
        marked as a formula cell where nothing is stored inside an array formula's range."""
        wanted = set(positions)
        if not wanted:
            return {}
        area = ((min(r for r, _ in wanted), min(c for _, c in wanted)),
                (max(r for r, _ in wanted), max(c for _, c in wanted)))
        found = self._sheet(sheet)
        cells = found.cells(area, wanted)
        return {at: cells.get(at) or (_ARRAY_MEMBER if found.in_array(at) else EMPTY) for at in wanted}

    @cached_property
    def tables(self) -> dict[str, TableInfo]:
        """The workbook's Excel tables by name (``displayName``, as formulas refer to them)."""
        found = {}
        for sheet, part in self.sheet_parts.items():
            if not part:
                continue
            related = {r.id: r.target for r in self.package.relationships(part) if r.kind == "table"}
            for target in related.values():
                if self.package.has(target):
                    info = _table_info(self.package.xml(target), sheet)
                    found[info.name] = info
        return found

    @property
    def table_names(self) -> list[str]:
        """Names of the workbook's Excel tables."""
        return list(self.tables)

    def table(self, name: str) -> TableData:
        """A named table's data rows (header and totals rows left out)."""
        info = self.tables[name]
        (top, left), (bottom, right) = span(info.ref)
        first = top + info.header_rows
        last = bottom - info.totals_rows
        cells = self._sheet(info.sheet).cells(((first, left), (last, right)))
        return TableData(info.sheet, info.columns, (first, left), max(last - first + 1, 0),
                         {(r - first, c - left): cell for (r, c), cell in cells.items()})


_ARRAY_MEMBER = Cell(None, True)


def _table_info(root: etree._Element, sheet: str) -> TableInfo:
    columns: tuple[str, ...] = ()
    for child in root:
        if local(child.tag) == "tableColumns":
            columns = tuple(xstring(c.get("name") or "").strip() for c in child if local(c.tag) == "tableColumn")
    header = root.get("headerRowCount")
    totals = root.get("totalsRowCount")
    return TableInfo(interned(root.get("displayName") or root.get("name") or ""), sheet, root.get("ref") or "",
                     columns, int(header) if header else 1, int(totals) if totals else 0)
