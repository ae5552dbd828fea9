"""The reader's fast path (targeted regular expressions over a sheet's XML) answers as the
full expat scan does, and steps aside for XML it was not written for."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from validation.workbook import Workbook, _FormulaScan, _quick_formula_scan, a1

ROOT = Path(__file__).resolve().parents[1]
WORKBOOKS = sorted([*ROOT.glob("samples/**/*.xlsx"), *ROOT.glob("workbook_templates/*.xlsx")])
EVERY_CELL = {a1(r, c): (r, c) for r in range(70) for c in range(60)}


def _full(xml: bytes) -> dict:
    scan = _FormulaScan(EVERY_CELL)
    scan.parse(io.BytesIO(xml))
    return scan.result()


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.name)
def test_quick_and_full_scans_agree_on_every_cell(path: Path) -> None:
    with Workbook(path.read_bytes()) as book:
        for sheet in ("Results", "Project", "Projects"):
            if sheet in book.sheet_parts:
                xml = book._zip.read(book.sheet_parts[sheet])
                quick = _quick_formula_scan(xml, EVERY_CELL)
                assert quick is not None
                assert quick == _full(xml)
                assert any(cell.formula for cell in quick.values()) or sheet == "Project"


def test_prefixed_xml_falls_back_to_the_full_scan() -> None:
    xml = (b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           b'<x:sheetData><x:row r="1"><x:c r="A1" t="e"><x:f>NA()</x:f><x:v>#N/A</x:v></x:c>'
           b"</x:row></x:sheetData></x:worksheet>")
    assert _quick_formula_scan(xml, {"A1": (0, 0)}) is None
    assert _full(xml)[(0, 0)].formula and _full(xml)[(0, 0)].error == "#N/A"
