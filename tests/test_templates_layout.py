"""The template's contract and layout: its names and tables, inputs unlocked and formulas locked,
drop-downs and validation, number formats, rows high enough for long text."""

from __future__ import annotations

from pathlib import Path

import pytest
from generated import GENERATED, ROOT, Book, cells_of_ref, package_parts
from openpyxl import load_workbook
from openpyxl.worksheet.formula import ArrayFormula

from renewal import patterns
from workbook_templates import contract, styles
from workbook_templates.layout import LINE_HEIGHT


def test_the_template_keeps_the_contract() -> None:
    wb = load_workbook(ROOT / "workbook_templates" / "renewal_project.xlsx")
    names = set(wb.defined_names)
    assert {f.defined_name for f in contract.PROJECT_FIELDS} <= names
    assert {r.defined_name for r in contract.RESULTS} <= names
    assert {*contract.META_NAMES, contract.RUNTIME_NAME, contract.READY_NAME, *contract.CHART_NAMES} <= names
    assert set(contract.COLUMN_NAMES) | set(contract.BLOCK_NAMES) <= names
    assert set(contract.SHEETS.values()) <= set(wb.sheetnames)
    for table in (contract.RENOVATION_TABLE, contract.OPERATION_TABLE, contract.SITE_TABLE):
        excel = wb[table.sheet].tables[table.name]
        assert [c.name for c in excel.tableColumns] == list(table.columns)
        first_row, last_row = (int("".join(ch for ch in corner if ch.isdigit())) for corner in excel.ref.split(":"))
        assert last_row - first_row == table.rows
    assert [wb[contract.SHEETS["meta"]][c].value for c in ("B1", "B2")] == [contract.TEMPLATE_ID,
                                                                          contract.TEMPLATE_VERSION]
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props == {"template_id": contract.TEMPLATE_ID, "template_version": contract.TEMPLATE_VERSION,
                     "runtime": "classic"}
    assert {ws.title: ws.sheet_state for ws in wb.worksheets if ws.sheet_state != "visible"} == {
        "Lists": "hidden", "_Meta": "hidden", "xlwings.conf": "hidden"}
    assert [wb["xlwings.conf"]["A1"].value, wb["xlwings.conf"]["B1"].value] == ["UDF Modules", "xl_addin.udfs"]


@pytest.mark.parametrize("rel", GENERATED, ids=str)
def test_inputs_are_unlocked_formulas_locked_sheets_protected_without_password(rel: Path) -> None:
    wb = load_workbook(ROOT / rel)
    input_fill = "00" + styles.COLOURS["input_fill"]
    inputs = set()
    for ws in wb.worksheets:
        if ws.title in ("xlwings.conf", "Guide"):  # settings the user may edit; the legend's locked samples
            assert ws.title == "xlwings.conf" or ws.protection.sheet
            continue
        assert ws.protection.sheet and not ws.protection.password, ws.title
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" or isinstance(cell.value, ArrayFormula):
                    assert cell.protection.locked and cell.fill.fgColor.rgb != input_fill, (ws.title, cell.coordinate)
                if cell.fill.fgColor.rgb == input_fill:
                    inputs.add((ws.title, cell.coordinate))
                    assert not cell.protection.locked, (ws.title, cell.coordinate)
                    assert cell.font.color.rgb == "00" + styles.COLOURS["input_font"], (ws.title, cell.coordinate)
    named = [c for name, d in wb.defined_names.items() if name.startswith("in_") or name in INPUT_NAMES
             for c in cells_of_ref(*next(iter(d.destinations)))]
    assert named and set(named) <= inputs


INPUT_NAMES = {"ren_kind", "ren_source", "ren_amount", "op_kind", "op_amounts", "site_values",
               "pf_id", "pf_name", "pf_district", "pf_pattern", "pf_horizon", "pf_discount_rate", "pf_so", "pf_sk",
               "pf_lang", "pf_bundle_max_size"}


def test_drop_downs_guard_codes_and_numbers_are_validated() -> None:
    wb = load_workbook(ROOT / "workbook_templates" / "renewal_project.xlsx")
    lists = {dv.formula1 for ws in wb.worksheets for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert lists == {"=list_pattern", "=list_city", "=list_lang", "=list_kind", "=list_source", "=list_fin_kind",
                     "=list_fin_method"}
    project = wb["Project"]
    rules = {str(dv.sqref): dv for dv in project.data_validations.dataValidation}
    (_, ref), = wb.defined_names["in_horizon"].destinations
    rule = rules[ref.replace("$", "")]
    assert (rule.type, rule.operator, rule.formula1, rule.formula2) == ("whole", "between", "1", "50")
    lists_sheet = wb["Lists"]
    (_, ref), = wb.defined_names["list_pattern"].destinations
    assert [c.value for row in lists_sheet[ref.replace("$", "")] for c in row] == list(patterns.PATTERN_CODES)


def test_number_formats_money_rates_years(books: dict[Path, Book]) -> None:
    wb = load_workbook(ROOT / "samples" / "jinsong_north.xlsx")
    formats = {name: wb[s][r.replace("$", "")].number_format
               for name in ("res_npv", "res_irr", "res_payback_years", "in_discount_rate", "in_horizon")
               for s, r in wb.defined_names[name].destinations}
    assert formats == {"res_npv": "#,##0.0", "res_irr": "0.00%", "res_payback_years": "0.00",
                       "in_discount_rate": "0.00%", "in_horizon": "0"}


def test_contract_fields_are_well_formed() -> None:
    for f in contract.PROJECT_FIELDS:
        assert f.codes is None or f.kind == "code", f.name
        assert f.kind != "code" or f.codes in ("pattern", "city", "lang"), f.name
        if f.minimum is not None and f.maximum is not None:
            assert f.minimum <= f.maximum, f.name
        if isinstance(f.default, (int, float)):
            assert f.minimum <= f.default <= f.maximum, f.name


def test_row_heights_fit_the_long_text_results() -> None:
    wb = load_workbook(ROOT / "samples" / "jinsong_north.xlsx", data_only=True)
    for name in ("res_reasons", "res_policy_guidance"):
        (sheet, ref), = wb.defined_names[name].destinations
        cell = wb[sheet][ref.replace("$", "")]
        lines = cell.value.count("\n") + 1
        assert wb[sheet].row_dimensions[cell.row].height >= lines * LINE_HEIGHT, name


def test_the_results_chart_runs_to_the_horizon() -> None:
    """An XY chart over the years 0..horizon (``#N/A`` beyond: not plotted, so the value axis
    ends at the horizon), So and Sk as columns (error bars down to 0), the balance as a line."""
    path = ROOT / "samples" / "jinsong_north.xlsx"
    wb = load_workbook(path)
    years = next(iter(wb.defined_names[contract.CHART_YEARS_NAME].destinations))[1]
    flows = next(iter(wb.defined_names[contract.CHART_NAMES[0]].destinations))[1]
    charts = [p.decode() for name, p in package_parts(path).items() if name.startswith("xl/charts/chart")]
    results = [c for c in charts if "<scatterChart>" in c]
    assert len(results) == 1 and results[0].count("<ser>") == 2 and "<barChart>" not in results[0]
    chart = results[0]
    assert chart.count(f"<xVal><numRef><f>'Results'!{years}</f>") == 2
    assert f"<yVal><numRef><f>'Results'!{flows}</f>" in chart
    assert '<errBarType val="minus"/>' in chart and '<errValType val="percentage"/>' in chart
    assert '<tickLblPos val="low"/>' in chart
