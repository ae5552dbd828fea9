"""The broken samples: each defect where MANIFEST.json says, showing what it does."""

from __future__ import annotations

from pathlib import Path

import pytest
from generated import REL, ROOT, Book, cells_of_ref, manifest
from openpyxl import load_workbook

from renewal.cases import reference_cases
from workbook_templates import contract
from workbook_templates.build import INVALID_DIR


def test_every_defect_in_the_manifest_is_where_it_says(books: dict[Path, Book]) -> None:
    ids = [books[Path("samples") / f"{c.id}.xlsx"].one("in_project_id") for c in reference_cases()]
    for entry in manifest()["files"]:
        rel = INVALID_DIR / entry["file"]
        wb = load_workbook(ROOT / rel, data_only=True)
        ids.append(entry["project_id"])
        assert entry["defects"], rel
        for d in entry["defects"]:
            if d["check"] in ("NAME_BROKEN", "NAME_MISSING"):  # the sheet is gone, its names point nowhere
                assert d["sheet"] not in wb.sheetnames
                assert d["field"] in wb.defined_names if d["value"] else d["field"] not in wb.defined_names
                assert not d["value"] or wb.defined_names[d["field"]].attr_text == d["value"]
            else:  # the value (cached, for a result) sits in the cell named, under the field's name
                assert wb[d["sheet"]][d["cell"]].value == d["value"], (rel, d)
                if d["field"] in wb.defined_names:  # a field or result with a name: the cell is one of its cells
                    assert (d["sheet"], d["cell"]) in cells_of_ref(*next(wb.defined_names[d["field"]].destinations))
    assert len(ids) == len(set(ids))


def test_broken_samples_show_what_their_defect_does(books: dict[Path, Book]) -> None:
    def book(name: str) -> Book:
        return books[INVALID_DIR / name]

    assert book("hongyupo_rate_as_text.xlsx").one("res_npv") == "#VALUE!"
    unknown = book("jinsong_unknown_pattern_code.xlsx")
    assert unknown.one("res_declared_pattern_name") == unknown.one("res_policy_guidance") == "#VALUE!"
    assert unknown.one("res_payback_years") == pytest.approx(3100 / 348, rel=REL)
    assert book("heyuan_site_sheet_missing.xlsx").one("res_best_fit_pattern") == "#REF!"
    assert book("zhenwumiao_amount_as_text.xlsx").one("res_renovation_surplus") == 0  # the cost silently skipped
    typed = book("zhenwumiao_payback_typed_over.xlsx")
    assert typed.cells("res_payback_years")[0] not in typed.values and typed.one("res_payback_years") == 6
    half = book("half_filled_missing_required.xlsx")
    assert half.one(contract.READY_NAME) is False and set(half("res_npv")) == {""}
    gz = book("guangzhou_expansion_45pct_floor_area.xlsx")
    assert gz.one("in_added_floor_area_m2") / gz.one("in_floor_area_m2") == pytest.approx(0.45, abs=1e-4)
    assert gz.one("res_best_fit_pattern") == "EXPANSION_SALE" and gz.one("in_city") == "Guangzhou"
    declared = book("yulin_declared_pattern_not_applicable.xlsx")
    assert declared.one("res_best_fit_pattern") == "BLOCK_OPERATION" != declared.one("in_pattern")
