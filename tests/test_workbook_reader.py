"""The batch reader's formula scan (regular expressions over the rows asked for) against an
independent reader, openpyxl, on every generated workbook; and what it does with XML it was
not written for."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.formula import ArrayFormula

from validation.workbook import ReaderError, Workbook

ROOT = Path(__file__).resolve().parents[1]
WORKBOOKS = sorted([*ROOT.glob("samples/**/*.xlsx"), *ROOT.glob("workbook_templates/*.xlsx")])


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.name)
def test_formula_cells_equal_openpyxls_on_every_generated_workbook(path: Path) -> None:
    data = path.read_bytes()
    reference = openpyxl.load_workbook(io.BytesIO(data))
    with Workbook(data) as book:
        for ws in reference.worksheets:
            refs = [c.value.ref for row in ws.iter_rows() for c in row if isinstance(c.value, ArrayFormula)]
            inside = {(r - 1, c - 1) for ref in refs for lo_c, lo_r, hi_c, hi_r in [range_boundaries(ref)]
                      for r in range(lo_r, hi_r + 1) for c in range(lo_c, hi_c + 1)}
            cells = [c for row in ws.iter_rows() for c in row]
            ours = book.formula_cells(ws.title, [(c.row - 1, c.column - 1) for c in cells])
            for cell in cells:
                pos = (cell.row - 1, cell.column - 1)
                theirs = cell.data_type == "f" or isinstance(cell.value, ArrayFormula) or pos in inside
                assert ours[pos].formula == theirs, (ws.title, cell.coordinate)


def _with_sheet(xml: bytes) -> bytes:
    """A minimal package with one sheet, Sheet1, whose XML is ``xml``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("xl/workbook.xml", '<workbook xmlns:r="r"><sheets><sheet name="Sheet1" sheetId="1" '
                                      'r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<Relationships><Relationship Id="rId1" Type="x/worksheet" '
                                                 'Target="worksheets/sheet1.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", xml)
    return buffer.getvalue()


def test_prefixed_xml_is_read_as_unprefixed() -> None:
    xml = (b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           b'<x:sheetData><x:row r="1"><x:c r="A1" t="e"><x:f>NA()</x:f><x:v>#N/A</x:v></x:c>'
           b'<x:c r="B1"><x:v>2.5</x:v></x:c></x:row></x:sheetData></x:worksheet>')
    with Workbook(_with_sheet(xml)) as book:
        cells = book.formula_cells("Sheet1", [(0, 0), (0, 1), (1, 0)])
    assert (cells[(0, 0)].formula, cells[(0, 0)].error) == (True, "#N/A")
    assert not cells[(0, 1)].formula and not cells[(1, 0)].formula


def test_a_spilled_range_counts_as_formula_cells() -> None:
    xml = (b'<worksheet><sheetData><row r="1"><c r="A1"><f t="array" ref="A1:B2">X()</f><v>1</v></c>'
           b'<c r="B1"><v>2</v></c></row><row r="2"><c r="A2"><v>3</v></c></row></sheetData></worksheet>')
    with Workbook(_with_sheet(xml)) as book:
        cells = book.formula_cells("Sheet1", [(0, 0), (0, 1), (1, 1), (2, 0)])
    assert [cells[p].formula for p in [(0, 0), (0, 1), (1, 1), (2, 0)]] == [True, True, True, False]


@pytest.mark.parametrize("xml", [
    b'<worksheet><sheetData><row r="1"><c t="n"><v>1</v></c></row></sheetData></worksheet>',
    b'<worksheet><sheetData><row r="1"><c s="1" r="A1"><f>X()</f></c></row></sheetData></worksheet>',
    b'<worksheet><sheetData><row spans="1:1" r="1"><c r="A1"><f>X()</f></c></row></sheetData></worksheet>',
], ids=["no address", "address not first", "number not first"])
def test_cells_without_addresses_are_refused_not_misread(xml: bytes) -> None:
    with Workbook(_with_sheet(xml)) as book, pytest.raises(ReaderError, match="without a number or address"):
        book.formula_cells("Sheet1", [(0, 0)])
