"""The two runtimes' spellings: plain names and single cells for classic xlwings, ``_xldudf_`` and
dynamic arrays for xlwings Lite, and the Lite script that enters the formulas again."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from generated import ROOT, package_parts
from openpyxl import load_workbook
from openpyxl.worksheet.formula import ArrayFormula

from workbook_templates import cached as cached_package
from workbook_templates.runtime import LITE_PREFIX, calls_renewal, function_names
from xl_addin import lite


def _formulas(path: Path) -> list[tuple[str, str, str]]:
    wb = load_workbook(path)
    return [(ws.title, c.coordinate, c.value.text if isinstance(c.value, ArrayFormula) else c.value)
            for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "f" or isinstance(c.value, ArrayFormula)]


def test_classic_formulas_use_plain_names_and_single_cells_lite_the_xldudf_spelling_as_dynamic_arrays() -> None:
    classic = ROOT / "workbook_templates" / "renewal_project.xlsx"
    lite_path = ROOT / "workbook_templates" / "renewal_project_lite.xlsx"
    plain = [f for *_, f in _formulas(classic) if calls_renewal(f)]
    spelt = [f for *_, f in _formulas(lite_path) if LITE_PREFIX in f]
    assert plain and len(plain) >= len(spelt) > 0
    assert not any(LITE_PREFIX in f for *_, f in _formulas(classic))
    wb = load_workbook(classic)
    assert not [c.coordinate for ws in wb.worksheets for row in ws.iter_rows() for c in row
                if isinstance(c.value, ArrayFormula) and calls_renewal(c.value.text)]  # LibreOffice shows cached values
    parts = package_parts(lite_path)
    for sheet in ("Results", "Financing"):
        xml = parts[cached_package.sheet_parts(parts)[sheet]].decode()
        in_sheet = [f for s, _, f in _formulas(lite_path) if s == sheet and LITE_PREFIX in f]
        assert xml.count('cm="1"') == xml.count('t="array"') > len(in_sheet) // 2, sheet
    assert "XLDAPR" in parts["xl/metadata.xml"].decode()
    assert "sheetMetadata" in parts["[Content_Types].xml"].decode()
    used = {name for *_, f in _formulas(lite_path) for name in function_names() if f"{LITE_PREFIX}{name}(" in f}
    unused = {"OPERATING_SURPLUSES", "LEASE_SURPLUS", "PACKAGE_BALANCE", "BUNDLE_PLAN"}  # BUNDLE_PLAN: portfolio
    assert used == set(function_names()) - unused


class _FakeRange:
    """The part of an xlwings Lite range the binding script uses, over a grid of formulas."""

    def __init__(self, sheet: str, grid: list[list[object]], written: dict[str, str], row: int = 0, col: int = 0):
        self.sheet, self.grid, self.written, self.row, self.col = sheet, grid, written, row, col

    def options(self, **_: object) -> _FakeRange:
        return self

    async def get_formula(self) -> list[list[object]]:
        return self.grid

    def __getitem__(self, key: tuple[int, int]) -> _FakeRange:
        return _FakeRange(self.sheet, self.grid, self.written, *key)

    @property
    def address(self) -> str:
        from openpyxl.utils import get_column_letter

        return f"${get_column_letter(self.col + 1)}${self.row + 1}"

    @property
    def formula(self) -> str:
        return self.written[f"{self.sheet}!{self.address.replace('$', '')}"]

    @formula.setter
    def formula(self, value: str) -> None:
        self.written[f"{self.sheet}!{self.address.replace('$', '')}"] = value


@dataclass
class _FakeSheet:
    name: str
    used: _FakeRange

    async def get_used_range(self) -> _FakeRange:
        return self.used


def test_the_lite_script_re_enters_every_renewal_formula_plainly() -> None:
    path = ROOT / "workbook_templates" / "renewal_project_lite.xlsx"
    wb = load_workbook(path)
    written: dict[str, str] = {}
    sheets = []
    for ws in wb.worksheets:
        grid = [["=" + c.value.text.lstrip("=") if isinstance(c.value, ArrayFormula) else c.value
                 for c in row] for row in ws.iter_rows(min_row=1, min_col=1)]
        sheets.append(_FakeSheet(ws.title, _FakeRange(ws.title, grid, written)))
    book = type("Book", (), {"sheets": sheets})()
    entered = asyncio.run(lite.bind_formulas(book))
    spelt = {f"{s}!{c}": f for s, c, f in _formulas(path) if LITE_PREFIX in f}
    assert set(entered) == set(written) == set(spelt)
    for address, formula in written.items():
        assert LITE_PREFIX not in formula and calls_renewal(formula)
        assert formula == spelt[address].replace(LITE_PREFIX, "")


def test_the_lite_script_is_registered_for_xlwings_lite() -> None:
    from xlwings import server

    meta = server.custom_scripts_meta(lite)
    assert [(m["function_name"], m["lazy"]) for m in meta] == [("bind_renewal_formulas", True)]
