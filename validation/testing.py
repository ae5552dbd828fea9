"""Defective copies of a good workbook, made byte by byte, to show what the batch finds.

The tests take a real generated workbook and change one thing: a cell's
value (found by the template's defined names or table positions, never by a
hard-coded address), a defined name, a part of the package. Everything else
keeps its bytes, including the cached results, so a changed input also leaves
stale results behind, as a hand edit saved without recalculation would.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from renewal.cases import reference_cases
from validation.batch import discover
from validation.read.extract import extract
from validation.read.workbook import Workbook, a1, parse_area


def rebuild(data: bytes, replace: Mapping[str, bytes | None] | None = None,
            add: Mapping[str, bytes] | None = None) -> bytes:
    """The package with some parts replaced (None: removed) and others added."""
    replace, add = replace or {}, add or {}
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in replace:
                if replace[info.filename] is not None:
                    target.writestr(info, replace[info.filename])
            else:
                target.writestr(info, source.read(info.filename))
        for name, content in add.items():
            target.writestr(name, content)
    return out.getvalue()


def part(data: bytes, name: str) -> bytes:
    """One part of the package."""
    return zipfile.ZipFile(io.BytesIO(data)).read(name)


def named_cell(data: bytes, name: str) -> tuple[str, str]:
    """(sheet, A1 cell) a defined name refers to (its first cell)."""
    with Workbook(data) as book:
        area = parse_area(book.names[name])
    if area is None:
        raise KeyError(name)
    return area.sheet, a1(*area.first)


def table_cell(data: bytes, table: str, row: int, column: str) -> tuple[str, str]:
    """(sheet, A1 cell) of data row ``row`` (from 1) and ``column`` of a named table."""
    with Workbook(data) as book:
        found = book.table(table)
    first_row, first_col = found.first
    return found.sheet, a1(first_row + row - 1, first_col + found.columns.index(column))


def sheet_part(data: bytes, sheet: str) -> str:
    """The package path of a sheet's XML."""
    with Workbook(data) as book:
        return book.sheet_parts[sheet]


def _cell_xml(ref: str, style: str, value: object) -> str:
    if value is None:
        return f'<c r="{ref}"{style}/>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"{style}><v>{value!r}</v></c>'
    return f'<c r="{ref}"{style} t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def _edit_cell(data: bytes, sheet: str, ref: str, edit: Callable[[re.Match[str]], str]) -> bytes:
    """The workbook with one cell's XML replaced by ``edit(match)``; the cell must exist."""
    path = sheet_part(data, sheet)
    xml = part(data, path).decode("utf-8")
    found = re.search(rf'<c r="{ref}"(?P<attrs>[^>]*?)(?:/>|>(?P<body>.*?)</c>)', xml, re.S)
    if not found:
        raise KeyError(f"{sheet}!{ref} is not in {path}")
    return rebuild(data, {path: (xml[:found.start()] + edit(found) + xml[found.end():]).encode("utf-8")})


def set_cell(data: bytes, sheet: str, ref: str, value: object) -> bytes:
    """The workbook with one cell holding ``value`` (number, text, bool or None for empty)
    and no formula, keeping the cell's style."""
    def edit(found: re.Match[str]) -> str:
        style = re.search(r'\ss="\d+"', found.group("attrs"))
        return _cell_xml(ref, style.group(0) if style else "", value)

    return _edit_cell(data, sheet, ref, edit)


def set_error(data: bytes, sheet: str, ref: str, formula: str, error: str) -> bytes:
    """The workbook with one cell holding ``formula`` whose cached result is the error value
    ``error`` (as Excel saves ``=#REF!*1.02``), keeping the cell's style."""
    def edit(found: re.Match[str]) -> str:
        style = re.search(r'\ss="\d+"', found.group("attrs"))
        return f'<c r="{ref}"{style.group(0) if style else ""} t="e"><f>{escape(formula)}</f><v>{error}</v></c>'

    return _edit_cell(data, sheet, ref, edit)


def drop_cached_value(data: bytes, sheet: str, ref: str) -> bytes:
    """The workbook with one formula cell's cached value removed (as if never calculated)."""
    def edit(found: re.Match[str]) -> str:
        attrs = re.sub(r'\st="[^"]*"', "", found.group("attrs"))
        return f'<c r="{ref}"{attrs}>{re.sub(r"<v>.*?</v>|<v */>", "", found.group("body") or "")}</c>'

    return _edit_cell(data, sheet, ref, edit)


def set_cached_text(data: bytes, sheet: str, ref: str, text: str) -> bytes:
    """The workbook with one formula cell's cached value replaced by ``text``, its formula kept
    (as the last calculation on the submitter's computer left it)."""
    def edit(found: re.Match[str]) -> str:
        attrs = re.sub(r'\st="[^"]*"', "", found.group("attrs"))
        body = re.sub(r"<v>.*?</v>|<v */>", "", found.group("body") or "")
        return f'<c r="{ref}"{attrs} t="str">{body}<v>{escape(text)}</v></c>'

    return _edit_cell(data, sheet, ref, edit)


def set_named(data: bytes, name: str, value: object) -> bytes:
    """The workbook with the cell of defined name ``name`` holding ``value``."""
    return set_cell(data, *named_cell(data, name), value)


def drop_name(data: bytes, name: str) -> bytes:
    """The workbook without the defined name ``name``."""
    xml = part(data, "xl/workbook.xml").decode("utf-8")
    cut = re.sub(rf'<definedName name="{name}"[^>]*>[^<]*</definedName>', "", xml)
    if cut == xml:
        raise KeyError(name)
    return rebuild(data, {"xl/workbook.xml": cut.encode("utf-8")})


def workbooks_by_project_id(folder: str | Path) -> dict[str, Path]:
    """The workbooks below ``folder`` that the batch can read, by their project id (in_project_id)."""
    found = {}
    for file in discover(folder):
        rows = extract(folder, file).rows.get("fields", [])
        ids = [value for _, field, _, _, value in rows if field == "in_project_id" and value]
        if ids:
            found[str(ids[0])] = Path(folder, file)
    return found


def write_folder(folder: Path, files: Mapping[str, bytes]) -> Path:
    """``folder`` with these files (relative paths, subfolders made) written into it."""
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


@cache
def case_workbooks(samples: Path) -> dict[str, bytes]:
    """The bytes of each of the paper's cases as a generated sample workbook, by case id, from
    the folder ``samples`` (a checkout's ``samples/``, written by ``workbook_templates.build``;
    found by project id, whatever the file names)."""
    found = workbooks_by_project_id(samples)
    return {c.id: found[c.project_id].read_bytes() for c in reference_cases()}
