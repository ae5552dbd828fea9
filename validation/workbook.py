"""Read a guarded workbook by name: defined names, tables, values and which cells hold formulas.

Tables (dense ranges) are read by python-calamine (fast, Rust). Everything
else comes from the package's XML, already unpacked by the guards: the
defined names and sheets (the workbook part and its relationships), and for
the single cells the batch reads (named inputs, recomputed results) their
cached value, whether they still hold a formula and their cached error
values (#N/A, #NUM!), which calamine reads as empty. That XML is searched
with plain byte searches and regular expressions, which is safe because the
guards refused any DOCTYPE (so only the five predefined entities and
character references occur) and quick because only what is asked for is
read: of a sheet, only the asked-for cells, found by row number and address.
Only the sheets and cells the contract names are touched; a
:class:`Workbook` lives for one extraction and is then dropped.
"""

from __future__ import annotations

import io
import posixpath
import re
import sys
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, cached_property

import python_calamine as calamine

from validation.guards import unpack

CellValue = str | float | int | bool | None
Position = tuple[int, int]
"""(row, column), both from 0: A1 is (0, 0)."""

_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")
_A1 = re.compile(r"^([A-Z]{1,3})(\d+)$")


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
    """A1 address of a 0-based (row, column), interned (see :func:`shared`).

    >>> a1(0, 0), a1(7, 2)
    ('A1', 'C8')
    """
    return shared(f"{column_letters(col)}{row + 1}")


def shared(text: str) -> str:
    """A text that recurs in every file's rows (a sheet, a field, a cell address), as one
    object: a chunk of extractions then pickles it once and the main process holds it once
    (with 10,000 files, about a third of the extracted rows' memory).

    >>> shared("Results") is shared("".join(["Res", "ults"]))
    True
    """
    return sys.intern(text)


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
    return Area(shared(sheet), first, last)


@dataclass(frozen=True)
class TableData:
    """A named Excel table: its sheet, header, first data row and the data rows."""

    sheet: str
    columns: tuple[str, ...]
    first: Position
    rows: list[list[CellValue]]


@dataclass(frozen=True)
class FormulaCell:
    """What the XML says of one cell: whether a formula fills it, its cached error if any
    (then ``value`` is None), and its cached value as :func:`clean` keeps it."""

    formula: bool
    error: str | None
    value: CellValue = None


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


class ReaderError(ValueError):
    """A part is not laid out as the reader needs (reported as a finding, never a crash)."""


_XML_ESCAPE = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def unescape(text: str) -> str:
    """XML character references and the five predefined entities.

    >>> unescape("a &amp; b &#x4E2D;&#25991; &lt;x&gt;")
    'a & b 中文 <x>'
    """
    if "&" not in text:
        return text

    def one(m: re.Match[str]) -> str:
        ref = m.group(1)
        if ref[0] == "#":
            return chr(int(ref[2:], 16) if ref[1] in "xX" else int(ref[1:]))
        return _ENTITIES[ref]

    return _XML_ESCAPE.sub(one, text)


_ATTR = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ROOT_PREFIX = re.compile(rb"\s*(?:<\?[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<(\w+):\w+[\s>]", re.S)


def attributes(tag: bytes) -> dict[str, str]:
    """An element's attributes by local name (a namespace prefix dropped).

    >>> attributes(b'<sheet name="A &amp; B" r:id="rId2"/>')
    {'name': 'A & B', 'id': 'rId2'}
    """
    return {key.decode().rpartition(":")[2]: unescape((double if double is not None else single).decode())
            for key, double, single in _ATTR.findall(tag)}


def unprefixed(xml: bytes) -> bytes:
    """A part whose elements carry a namespace prefix (``<x:c>``), read as if unprefixed."""
    prefix = _ROOT_PREFIX.match(xml)
    if not prefix:
        return xml
    tag = prefix.group(1)
    return xml.replace(b"<" + tag + b":", b"<").replace(b"</" + tag + b":", b"</")


_TYPE = re.compile(rb'\st="(\w+)"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_SHARED_ITEM = re.compile(rb"<si>(.*?)</si>|<si/>", re.S)
_PHONETIC = re.compile(rb"<rPh\b.*?</rPh>", re.S)
_RUN_TEXT = re.compile(rb"<t(?:\s[^>]*)?>([^<]*)</t>")


class Workbook:
    """An open workbook from its bytes (already guarded): read it by names, then drop it."""

    def __init__(self, data: bytes, parts: Mapping[str, bytes] | None = None) -> None:
        """``parts``: the archive's parts already unpacked (:func:`validation.guards.open_archive`);
        unpacked here when not given."""
        self._data = data
        if parts is None:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                parts = {info.filename: unpack(data, info) for info in archive.infolist()}
        self._parts = parts
        self._sheets: dict[str, tuple[bytes, list[tuple[Position, Position]]]] = {}

    @cached_property
    def _book(self) -> calamine.CalamineWorkbook:
        """calamine's view of the workbook, opened when a value or table is first asked for."""
        return calamine.CalamineWorkbook.from_filelike(io.BytesIO(self._data), load_tables=True)

    def close(self) -> None:
        """Release calamine's workbook."""
        if "_book" in self.__dict__:
            self._book.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _part(self, name: str) -> bytes:
        """A part's XML, namespace prefixes read away; KeyError when there is no such part."""
        return unprefixed(self._parts[name])

    @cached_property
    def _workbook_xml(self) -> bytes:
        return self._part("xl/workbook.xml")

    @cached_property
    def names(self) -> dict[str, str]:
        """Defined names (workbook-wide ones win over sheet-local ones) -> their reference text."""
        found: dict[str, str] = {}
        for tag, text in re.findall(rb"<definedName\b([^>]*)>(.*?)</definedName>", self._workbook_xml, re.S):
            attrs = attributes(tag)
            name = attrs.get("name", "")
            if name not in found or "localSheetId" not in attrs:
                found[name] = unescape(text.decode("utf-8")).strip()
        return found

    @cached_property
    def _relationships(self) -> list[tuple[str, str, str]]:
        """The workbook part's relationships: (id, type, path of the target part)."""
        try:
            rels = self._part("xl/_rels/workbook.xml.rels")
        except KeyError:
            return []
        found = []
        for tag in re.findall(rb"<Relationship\b[^>]*>", rels):
            rel = attributes(tag)
            target = rel.get("Target", "")
            found.append((rel.get("Id", ""), rel.get("Type", ""), target.lstrip("/") if target.startswith("/")
                          else posixpath.normpath(posixpath.join("xl", target))))
        return found

    @cached_property
    def sheet_parts(self) -> dict[str, str]:
        """Sheet name -> the path of its XML part in the archive."""
        targets = {rel_id: target for rel_id, _, target in self._relationships}
        sheets = (attributes(tag) for tag in re.findall(rb"<sheet\b[^>]*>", self._workbook_xml))
        return {a.get("name", ""): targets.get(a.get("id", ""), "") for a in sheets}

    @cached_property
    def _shared_strings(self) -> list[str]:
        """The shared string table (read when a cell first refers to it)."""
        parts = [target for _, kind, target in self._relationships if kind.endswith("/sharedStrings")]
        if not parts or parts[0] not in self._parts:
            return []
        return [_text(item) for item in _SHARED_ITEM.findall(self._part(parts[0]))]

    @property
    def table_names(self) -> list[str]:
        """Names of the workbook's Excel tables."""
        return list(self._book.table_names or [])

    def has_sheet(self, sheet: str) -> bool:
        """Whether the workbook has a sheet of this name."""
        return sheet in self.sheet_parts

    def table(self, name: str) -> TableData:
        """A named table's data rows (calamine)."""
        table = self._book.get_table_by_name(name)
        start = table.start or (0, 0)
        return TableData(shared(table.sheet), tuple(str(c).strip() for c in table.columns), start,
                         [list(r) for r in table.to_python()])

    def _sheet(self, sheet: str) -> tuple[bytes, list[tuple[Position, Position]]]:
        """A sheet's XML, once checked that every row and cell begins with its number or
        address, and the ranges its array formulas fill (read once per sheet)."""
        if sheet not in self._sheets:
            xml = self._part(self.sheet_parts[sheet])
            data = xml.find(b"<sheetData"), xml.find(b"</sheetData>")  # in it only rows start "<row", cells "<c"
            if xml.count(b"<row", *data) != xml.count(b'<row r="', *data) or xml.count(
                    b"<c", *data) != xml.count(b'<c r="', *data):
                raise ReaderError("rows or cells without a number or address as their first attribute: "
                                  "save the workbook with Excel")
            self._sheets[sheet] = xml, _spills(xml)
        return self._sheets[sheet]

    def cells(self, sheet: str, positions: Iterable[Position]) -> dict[Position, FormulaCell]:
        """The given cells of a sheet: formula or not (also as part of an array
        formula's range; shared formulas mark every member cell), cached error, cached value.

        Reads only those cells: each row is found by its number (``<row r="N"``),
        each cell within it by its address (``<c r="B7"``); a sheet whose rows or
        cells do not all begin so is refused rather than misread. Values are read
        as stored: numbers as numbers (a date-formatted number too), text
        (shared, inline or a formula's string) as text, booleans as booleans.
        """
        xml, spills = self._sheet(sheet)
        by_row: dict[int, list[int]] = {}
        for row, col in positions:
            by_row.setdefault(row, []).append(col)
        out = {}
        for row, cols in by_row.items():
            span = _row_span(xml, row)
            for col in cols:
                cell = self._cell(xml, row, col, span) if span else _EMPTY
                if not cell.formula and any(a[0] <= row <= b[0] and a[1] <= col <= b[1] for a, b in spills):
                    cell = FormulaCell(True, cell.error, cell.value)
                out[(row, col)] = cell
        return out

    def _cell(self, xml: bytes, row: int, col: int, span: tuple[int, int]) -> FormulaCell:
        """A cell of a row: formula or not, cached error, cached value."""
        at = xml.find(b'<c r="%s%d"' % (column_letters(col).encode(), row + 1), *span)
        if at < 0:
            return _EMPTY
        opened = xml.find(b">", at)
        if xml[opened - 1:opened] == b"/":
            return _EMPTY
        content = xml[opened + 1:xml.find(b"</c>", opened)]
        formula = b"<f" in content
        kind = _TYPE.search(xml, at, opened)
        kind = kind.group(1) if kind else b"n"
        if kind == b"inlineStr":
            return FormulaCell(formula, None, clean(_text(content)))
        stored = _VALUE.search(content)
        text = stored.group(1) if stored else None
        if kind == b"e":
            return FormulaCell(formula, unescape(text.decode()) if text else None)
        return FormulaCell(formula, None, None if text is None else self._typed(kind, text))

    def _typed(self, kind: bytes, text: bytes) -> CellValue:
        """A cell's stored ``<v>`` text as the value its type says."""
        if kind == b"s":
            return clean(self._shared_strings[int(text)])
        if kind == b"b":
            return text.strip() == b"1"
        if kind in (b"str", b"d"):
            return clean(unescape(text.decode()))
        return float(text)


_EMPTY = FormulaCell(False, None)


def _row_span(xml: bytes, row: int) -> tuple[int, int] | None:
    """Where a row's cells lie in a sheet's XML; None for a row that is absent or empty."""
    at = xml.find(b'<row r="%d"' % (row + 1))
    if at < 0:
        return None
    opened = xml.find(b">", at)
    if opened < 0 or xml[opened - 1:opened] == b"/":
        return None
    return opened, xml.find(b"</row>", opened)


def _text(item: bytes) -> str:
    """The text of a rich-text item (a shared string, an inline string): its runs' ``<t>``
    texts joined, phonetic guides (``<rPh>``) left out."""
    return unescape(b"".join(_RUN_TEXT.findall(_PHONETIC.sub(b"", item))).decode())


def _spills(xml: bytes) -> list[tuple[Position, Position]]:
    """The ranges array formulas fill (a dynamic array's spill range, a CSE block)."""
    found = []
    at = xml.find(b't="array"')
    while at >= 0:
        tag = xml[xml.rfind(b"<", 0, at):xml.find(b">", at) + 1]
        ref = attributes(tag).get("ref", "") if tag.startswith((b"<f ", b"<f\t", b"<f\n", b"<f\r")) else ""
        first, _, last = ref.partition(":")
        if _A1.match(first) and (not last or _A1.match(last)):
            found.append((_position(first), _position(last or first)))
        at = xml.find(b't="array"', at + 1)
    return found
