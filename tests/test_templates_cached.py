"""Cached values: every one equal to the recalculated value, typed as Excel types it, readable
without Excel (openpyxl, python-calamine)."""

from __future__ import annotations

from pathlib import Path

import pytest
from generated import ROOT, Book, manifest, package_parts, same
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from workbook_templates import cached as cached_package
from workbook_templates.build import INVALID_DIR


def test_every_cached_value_equals_the_recalculated_one(books: dict[Path, Book]) -> None:
    stale = INVALID_DIR / "jinsong_stale_cached_results.xlsx"
    for rel, book in books.items():
        differ = {cell for cell, v in book.values.items() if not same(book.cached.get(cell, ""), v)}
        if rel == stale:
            entry = next(e for e in manifest()["files"] if e["file"] == rel.name)
            listed = {(d["sheet"], d["cell"]) for d in entry["defects"]}
            assert listed and listed <= differ
            assert all(book.cached[(d["sheet"], d["cell"])] == d["value"] for d in entry["defects"])
        else:
            assert not differ, (rel, sorted(differ)[:5])


@pytest.mark.parametrize(("sample", "payback"), [("jinsong_north", 8.91), ("zhenwumiao_wuli_3", 6.25)])
def test_cached_payback_reads_without_excel(sample: str, payback: float) -> None:
    path = ROOT / "samples" / f"{sample}.xlsx"
    wb = load_workbook(path, data_only=True)
    (sheet, ref), = wb.defined_names["res_payback_years"].destinations
    cell = ref.replace("$", "")
    assert round(wb[sheet][cell].value, 2) == payback
    assert wb[sheet][cell].number_format == "0.00"
    row, col = wb[sheet][cell].row, wb[sheet][cell].column
    value = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()[row - 1][col - 1]
    assert round(value, 2) == payback


def test_cached_values_carry_their_types(books: dict[Path, Book]) -> None:
    zhegong = ROOT / "samples" / "zhegong_new_village.xlsx"
    parts = package_parts(zhegong)
    xml = parts[cached_package.sheet_parts(parts)["Results"]].decode()
    book = books[Path("samples/zhegong_new_village.xlsx")]
    irr = book.cells("res_irr")[0][1]
    assert f'<c r="{irr}"' in xml and 't="e"' in xml.split(f'<c r="{irr}"')[1].split(">")[0]
    status = book.cells("res_balance_status")[0][1]
    assert 't="str"' in xml.split(f'<c r="{status}"')[1].split(">")[0]
    assert 'fullCalcOnLoad="1"' not in package_parts(zhegong)["xl/workbook.xml"].decode()
