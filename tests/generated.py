"""The generated workbooks the template tests look at: which files the generator writes, how two
workbooks are compared (every part of the package; on a difference, what a person or a program
sees differently), and a committed workbook read as a :class:`Book` of names and values. The
session fixtures ``regenerated``, ``recalculated`` and ``books`` (tests/conftest.py) build on it."""

from __future__ import annotations

import json
import math
import re
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from checkout import ROOT
from openpyxl import load_workbook
from openpyxl.worksheet.formula import ArrayFormula

from workbook_templates.build import INVALID_DIR, MANIFEST, build_all, jobs
from workbook_templates.engine import Values
from workbook_templates.layout import cells_of

GENERATED = [job.path for job in jobs() if job.kind != "invalid"]
REL = 1e-9
DIGITS = 13
"""Cached numbers compare to this many significant digits (see :func:`package_parts`)."""


def invalid_files() -> list[Path]:
    return [INVALID_DIR / entry["file"] for entry in manifest()["files"]]


@cache
def manifest() -> dict:
    return json.loads((ROOT / MANIFEST).read_text("utf-8"))


ALL = [*GENERATED, *invalid_files()]


_CACHED_NUMBER = re.compile(rb"<v>(-?[0-9.]+(?:[eE][-+]?[0-9]+)?)</v>")


def _rounded(m: re.Match[bytes]) -> bytes:
    return b"<v>%s</v>" % f"{float(m.group(1)):.{DIGITS}g}".encode()


def package_parts(path: Path) -> dict[str, bytes]:
    """The package's parts, cached numbers rounded to :data:`DIGITS` significant digits (their
    last bits follow the numpy build's libm: expm1 and log1p differ by an ulp between versions)."""
    with zipfile.ZipFile(path) as z:
        return {name: _CACHED_NUMBER.sub(_rounded, z.read(name)) for name in z.namelist()}


def same(a: object, b: object) -> bool:
    """Equal, numbers to :data:`DIGITS` significant digits."""
    if isinstance(a, float) and isinstance(b, float | int) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=10.0**-DIGITS, abs_tol=1e-300)
    return a == b


def describe(path: Path) -> dict[str, object]:
    """What a person or a program sees in a workbook: sheets and their protection, names,
    tables, validations, merged cells, sizes, print setup, charts, document properties,
    and each cell's formula or value, cached value, number format, font, fill, lock, wrap."""
    wb, cached = load_workbook(path), load_workbook(path, data_only=True)
    out: dict[str, object] = {
        "sheets": [(ws.title, ws.sheet_state, ws.protection.sheet, ws.protection.password) for ws in wb.worksheets],
        "names": {name: d.attr_text for name, d in wb.defined_names.items()},
        "properties": {p.name: p.value for p in wb.custom_doc_props.props},
        "created": (wb.properties.created, wb.properties.modified),
        "calculation": (wb.calculation.fullCalcOnLoad, wb.calculation.calcId),
    }
    for ws in wb.worksheets:
        t = ws.title
        out[f"{t}!tables"] = {x.name: (x.ref, [c.name for c in x.tableColumns]) for x in ws.tables.values()}
        out[f"{t}!validations"] = sorted(repr((v.type, v.formula1, v.formula2, v.operator, str(v.sqref), v.prompt))
                                         for v in ws.data_validations.dataValidation)
        out[f"{t}!merged"] = sorted(str(r) for r in ws.merged_cells.ranges)
        out[f"{t}!widths"] = {k: d.width for k, d in ws.column_dimensions.items()}
        out[f"{t}!heights"] = {k: d.height for k, d in ws.row_dimensions.items() if d.height}
        out[f"{t}!print"] = (ws.print_area, ws.page_setup.orientation, ws.page_setup.fitToWidth,
                             ws.page_setup.fitToHeight, ws.freeze_panes)
        out[f"{t}!charts"] = len(ws._charts)
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None and not cell.has_style:
                    continue
                value, stored = cell.value, cached[t][cell.coordinate].value
                if isinstance(stored, float):
                    stored = float(f"{stored:.{DIGITS}g}")
                if isinstance(value, ArrayFormula):
                    value = (value.ref, value.text)
                out[f"{t}!{cell.coordinate}"] = (
                    value, stored, cell.number_format,
                    (cell.font.name, cell.font.sz, cell.font.b, cell.font.i, cell.font.color and cell.font.color.rgb),
                    cell.fill.fgColor.rgb, cell.protection.locked, cell.alignment.wrap_text)
    return out


def differences(expected: Path, actual: Path) -> list[str]:
    """Where two workbooks differ: nothing when every part of the package is equal;
    otherwise what :func:`describe` sees differently (or the parts, if it sees nothing)."""
    a, b = package_parts(expected), package_parts(actual)
    if a == b:
        return []
    left, right = describe(expected), describe(actual)
    found = [f"{k}: {left.get(k)!r} != {right.get(k)!r}" for k in sorted(set(left) | set(right), key=str)
             if left.get(k) != right.get(k)]
    return found or [f"part {name} differs" for name in sorted(set(a) | set(b)) if a.get(name) != b.get(name)]


@dataclass(frozen=True)
class Regenerated:
    """The generator's output in a temporary folder, with what the formula engine computed for each file."""

    out: Path
    values: dict[Path, Values]


@dataclass(frozen=True)
class Book:
    """A committed workbook's names and cached values, and its recalculated values."""

    names: dict[str, list[tuple[str, str]]]
    cached: dict[tuple[str, str], object]
    values: Values

    def cells(self, name: str) -> list[tuple[str, str]]:
        return self.names[name]

    def __call__(self, name: str) -> list[object]:
        """The recalculated values of a defined name's cells, row by row."""
        return [self.values.get(c, self.cached.get(c)) for c in self.cells(name)]

    def one(self, name: str) -> object:
        (value,) = self(name)
        return value


def cells_of_ref(sheet: str, ref: str) -> list[tuple[str, str]]:
    return [(sheet, cell) for cell in cells_of(ref)]


def expect(value: float | None, error: str) -> object:
    return error if value is None else pytest.approx(value, rel=REL, abs=1e-12)


def regenerate(out: Path) -> Regenerated:
    """The generator's output below ``out``, with what the formula engine computed for each file."""
    return Regenerated(out, {made.path: made.values for made in build_all(out)})


def read_books(recalculated: dict[Path, Values]) -> dict[Path, Book]:
    """Each committed workbook of ``recalculated`` read as a :class:`Book`, with its recalculated values."""
    out = {}
    for rel, values in recalculated.items():
        wb = load_workbook(ROOT / rel, data_only=True, read_only=True)
        names = {name: [c for sheet, ref in d.destinations for c in cells_of_ref(sheet, ref)]
                 for name, d in wb.defined_names.items() if not d.attr_text.startswith("#REF!")}
        cached = {(ws.title, c.coordinate): c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
                  if c.value is not None}
        wb.close()
        out[rel] = Book(names, cached, values)
    return out
