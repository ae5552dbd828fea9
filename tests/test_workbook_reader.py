"""The batch reader's cells (found by row number and address in the sheet XML) against two
independent readers, openpyxl for formula flags and calamine for values, on every generated
workbook and on one re-saved by LibreOffice; and what it does with XML it was not written for."""

from __future__ import annotations

import datetime as dt
import io
import math
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
import python_calamine as calamine
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.formula import ArrayFormula

from validation.read.extract import extract
from validation.read.styles import serial
from validation.read.workbook import PartError, Workbook

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
            ours = book.cells(ws.title, [(c.row - 1, c.column - 1) for c in cells])
            for cell in cells:
                pos = (cell.row - 1, cell.column - 1)
                theirs = cell.data_type == "f" or isinstance(cell.value, ArrayFormula) or pos in inside
                assert ours[pos].formula == theirs, (ws.title, cell.coordinate)


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.name)
def test_cell_values_equal_calamines_on_every_generated_workbook(path: Path) -> None:
    data = path.read_bytes()
    reference = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    with Workbook(data) as book:
        for sheet in reference.sheet_names:
            grid = reference.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            positions = [(r, c) for r, row in enumerate(grid) for c in range(len(row))]
            ours = book.cells(sheet, positions)
            for r, c in positions:
                value = ours[(r, c)].value
                assert (None if value == "" else value) == _as_stored(grid[r][c]), (sheet, r, c)


def _as_stored(value: object) -> object:
    """A calamine value as the workbook stores it: a date its serial number, a whole number a float,
    an empty cell None (calamine reads an empty text, such as a formula's "", as an empty cell:
    the caller maps ours so too)."""
    if value == "":
        return None
    if isinstance(value, dt.datetime | dt.date):
        return serial(value.isoformat(), date1904=False)
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _with_sheet(xml: bytes, shared: bytes | None = None) -> bytes:
    """A minimal package with one sheet, Sheet1, whose XML is ``xml`` (and a shared string table)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("xl/workbook.xml", '<workbook xmlns:r="r"><sheets><sheet name="Sheet1" sheetId="1" '
                                      'r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<Relationships><Relationship Id="rId1" Type="x/worksheet" '
                                                 'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
                                                 'Type="x/sharedStrings" Target="/xl/strings.xml"/>'
                                                 '</Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", xml)
        if shared is not None:
            z.writestr("xl/strings.xml", shared)
    return buffer.getvalue()


def test_values_of_every_cell_type_are_read_as_stored() -> None:
    shared = ('<sst><si><t xml:space="preserve"> 深圳 &amp; co </t></si><si/>'
              '<si><r><rPr><b/></rPr><t>rich</t></r><r><t>text</t></r><rPh sb="0" eb="1"><t>ふり</t></rPh></si>'
              '</sst>').encode()
    xml = (b'<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>2</v></c>'
           b'<c r="C1" t="s"><v>1</v></c><c r="D1" t="inlineStr"><is><t>in&#x4E2D;line</t></is></c>'
           b'<c r="E1" t="b"><v>1</v></c><c r="F1" t="str"><f>"x"&amp;"y"</f><v>xy</v></c>'
           b'<c r="G1" s="3"><v>1.5E-3</v></c><c r="H1" t="e"><f>NA()</f><v>#N/A</v></c>'
           b'<c r="I1" s="2"/></row></sheetData></worksheet>')
    with Workbook(_with_sheet(xml, shared)) as book:
        cells = book.cells("Sheet1", [(0, c) for c in range(10)])
    assert [cells[(0, c)].value for c in range(10)] == [" 深圳 & co ", "richtext", "", "in中line", True, "xy",
                                                        0.0015, None, None, None]
    assert [cells[(0, c)].formula for c in range(10)] == [False] * 5 + [True, False, True, False, False]
    assert cells[(0, 7)].error == "#N/A"


def test_prefixed_xml_is_read_as_unprefixed() -> None:
    xml = (b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           b'<x:sheetData><x:row r="1"><x:c r="A1" t="e"><x:f>NA()</x:f><x:v>#N/A</x:v></x:c>'
           b'<x:c r="B1"><x:v>2.5</x:v></x:c></x:row></x:sheetData></x:worksheet>')
    with Workbook(_with_sheet(xml)) as book:
        cells = book.cells("Sheet1", [(0, 0), (0, 1), (1, 0)])
    assert (cells[(0, 0)].formula, cells[(0, 0)].error) == (True, "#N/A")
    assert not cells[(0, 1)].formula and not cells[(1, 0)].formula


def test_a_spilled_range_counts_as_formula_cells() -> None:
    xml = (b'<worksheet><sheetData><row r="1"><c r="A1"><f t="array" ref="A1:B2">X()</f><v>1</v></c>'
           b'<c r="B1"><v>2</v></c></row><row r="2"><c r="A2"><v>3</v></c></row></sheetData></worksheet>')
    with Workbook(_with_sheet(xml)) as book:
        cells = book.cells("Sheet1", [(0, 0), (0, 1), (1, 1), (2, 0)])
    assert [cells[p].formula for p in [(0, 0), (0, 1), (1, 1), (2, 0)]] == [True, True, True, False]


def test_rows_and_cells_without_addresses_follow_the_previous_ones() -> None:
    """ECMA-376 makes a row's and a cell's ``r`` optional: a row without one follows the
    previous row, a cell without one the previous cell of its row."""
    xml = (b'<worksheet><sheetData><row><c><v>1</v></c><c t="b"><v>0</v></c></row>'
           b'<row spans="1:4" r="3"><c s="1" r="B3"><v>2</v></c><c><f>X()</f><v>3</v></c></row>'
           b'<row><c r="D4"><v>4</v></c></row></sheetData></worksheet>')
    with Workbook(_with_sheet(xml)) as book:
        cells = book.sheet("Sheet1")
    assert {p: c.value for p, c in cells.items()} == {(0, 0): 1.0, (0, 1): False, (2, 1): 2.0, (2, 2): 3.0,
                                                      (3, 3): 4.0}
    assert cells[(2, 2)].formula


def test_empty_cached_values_are_no_value_and_text_keeps_its_spaces() -> None:
    xml = (b'<worksheet><sheetData><row r="1"><c r="A1"><f>X()</f><v></v></c><c r="B1"><f>X()</f><v/></c>'
           b'<c r="C1" t="str"><f>Y()</f><v xml:space="preserve"> text </v></c><c r="D1" s="4"/>'
           b'<c r="E1" t="str"><f>Z()</f><v></v></c></row></sheetData></worksheet>')
    with Workbook(_with_sheet(xml)) as book:
        cells = book.sheet("Sheet1")
    assert [(cells[(0, c)].value, cells[(0, c)].formula) for c in (0, 1, 2, 4)] == [
        (None, True), (None, True), (" text ", True), ("", True)]
    assert (0, 3) not in cells


def test_a_malformed_part_names_itself() -> None:
    with Workbook(_with_sheet(b"<worksheet><sheetData><row>")) as book, pytest.raises(
            PartError, match=r"xl/worksheets/sheet1.xml is not well-formed XML"):
        book.sheet("Sheet1")


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_a_workbook_saved_by_libreoffice_reads_as_calamine_and_openpyxl_read_it(tmp_path: Path) -> None:
    """Another writer's XML (shared strings, its own attribute habits): values as calamine reads
    them, formula flags as openpyxl reads them, and the batch's extraction finds no reader problem."""
    source = ROOT / "samples" / "jinsong_north.xlsx"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(tmp_path / "lo"), str(source)],
                   check=True, capture_output=True, timeout=300)
    saved = tmp_path / "lo" / source.name
    test_cell_values_equal_calamines_on_every_generated_workbook(saved)
    test_formula_cells_equal_openpyxls_on_every_generated_workbook(saved)
    extraction = extract(saved.parent, saved.name)
    assert extraction.readable and not [f for f in extraction.findings if f.code == "NOT_A_WORKBOOK"]
    original = extract(source.parent, source.name)
    for frame, rows in original.rows.items():  # LibreOffice stores 15 significant digits of a cached number
        assert len(extraction.rows[frame]) == len(rows), frame
        for theirs, ours in zip(extraction.rows[frame], rows, strict=True):
            assert all(map(_same, theirs[1:], ours[1:])), (frame, theirs, ours)


def _same(a: object, b: object) -> bool:
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isclose(a, b, rel_tol=1e-14))
