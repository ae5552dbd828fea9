"""The samples recalculated by an independent formula engine equal the model's results (1e-9
relative), error values where the model says none, the paper's statements beside the computed
figures, blank results in the empty template."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from generated import REL, ROOT, Book, expect
from openpyxl import load_workbook

from renewal import cashflow, fit, patterns, returns
from renewal.cases import CaseResult, ReferenceCase, case, evaluate_cases, reference_cases
from workbook_templates import contract, results
from workbook_templates.engine import ExcelError
from workbook_templates.layout import Identity


def _case_expectations(c: ReferenceCase, record: dict, best: str | None) -> dict[str, object]:
    so, h = c.renovation_surplus, c.horizon
    scores = fit.fit_site(c.site).ranking
    yes_no = {True: "是 / yes", False: "否 / no"}
    return {
        "res_renovation_surplus": expect(so, ""),
        "res_entity_investment": expect(c.entity_investment, ""),
        "res_payback_years": expect(record["payback_years"], "#N/A"),
        "res_discounted_payback_years": expect(record["discounted_payback_years"], "#N/A"),
        "res_npv": expect(record["npv"], ""),
        "res_irr": expect(record["irr"], "#NUM!"),
        "res_mirr": expect(record["mirr"], "#DIV/0!"),
        "res_irr_warning": returns.irrs_note(record["irrs"], "zh"),
        "res_excel_check": contract.EXCEL_CHECK_OK,
        "res_years_to_target": expect(record["years_to_target"], "#N/A"),
        "res_required_annual_surplus": expect(
            cashflow.required_annual_surplus(so, h, c.discount_rate), ""),
        "res_balance_status": record["balance_status"],
        "res_declared_pattern_name": patterns.pattern_name(c.pattern, "zh"),
        "res_best_fit_pattern": best,
        "res_reasons": fit.fit_reasons(c.site, c.pattern, "zh"),
        "res_policy_guidance": patterns.policy_guidance(c.pattern, "zh"),
        "res_pattern_scores": [v for p in scores for v in (p.code, expect(p.score, ""), yes_no[p.applicable])],
    }


@pytest.mark.parametrize("result", evaluate_cases("zh"), ids=lambda r: r.case.id)
def test_each_sample_recalculates_to_the_models_results(result: CaseResult, books: dict[Path, Book]) -> None:
    c = result.case
    book = books[Path("samples") / f"{c.id}.xlsx"]
    for name, expected in _case_expectations(c, result.record, result.best_fit).items():
        got = book(name) if isinstance(expected, list) else book.one(name)
        assert got == expected, name
    h = c.horizon
    sk = book("res_operating_surpluses")
    assert sk[:h] == pytest.approx(list(c.operating_surpluses), rel=REL) and set(sk[h:]) <= {""}
    balance = cashflow.cumulative_balance(c.renovation_surplus, c.operating_surpluses)
    assert book("res_cumulative_balance")[: h + 1] == pytest.approx(list(balance), rel=REL)
    assert book("chart_balance")[: h + 1] == pytest.approx(list(balance), rel=REL)
    assert book("chart_flows")[: h + 1] == pytest.approx([c.renovation_surplus, *c.operating_surpluses], rel=REL)
    assert book(contract.CHART_YEARS_NAME)[: h + 1] == list(range(h + 1))  # the chart's year axis: to the horizon
    # No error value anywhere but where the model's answer is one, or the chart's gaps beyond the horizon.
    gaps = {cell for name in (*contract.CHART_NAMES, contract.CHART_YEARS_NAME) for cell in book.cells(name)[h + 1:]}
    answers = {cell for name in ("res_irr", "res_mirr", "res_payback_years", "res_discounted_payback_years",
                                 "res_years_to_target", "res_equity_irr") if isinstance(book.one(name), ExcelError)
               for cell in book.cells(name)}
    errors = {cell for cell, v in book.values.items() if isinstance(v, ExcelError)
              and cell[0] != contract.SHEETS["whatif"]}  # the What-if sheet's: test_the_whatif_sheet_...
    assert errors <= gaps | answers | _paper_cells(book, answers) | _check_block_cells(book, answers)
    assert all(book.values[g] == "#N/A" for g in gaps)


def _paper_cells(book: Book, answers: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The Project sheet's "computed" beside the paper's statements repeat a result."""
    return {cell for cell, v in book.values.items() if cell[0] == contract.SHEETS["project"]
            and isinstance(v, ExcelError) and any(book.values[a] == v for a in answers)}


def _check_block_cells(book: Book, answers: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The check block's cells (the add-in's answer, Excel's own) that repeat an error answer."""
    sheet, cell = book.cells("res_excel_check")[0]
    last = int(cell[1:])
    block = {(sheet, f"{col}{r}") for r in range(last - len(results.CHECKS), last) for col in "CD"}
    return {c for c in block if any(book.values[c] == book.values[a] for a in answers)}


def test_irr_is_num_error_where_the_flows_never_change_sign(books: dict[Path, Book]) -> None:
    zhegong = books[Path("samples/zhegong_new_village.xlsx")]
    assert zhegong.one("res_irr") == "#NUM!" and zhegong.one("res_renovation_surplus") == 0
    assert zhegong.one("res_mirr") == "#DIV/0!"
    assert math.isnan(returns.irr(0, case("zhegong_new_village").operating_surpluses))


def test_paper_statements_sit_beside_the_computed_figures(books: dict[Path, Book]) -> None:
    for result in evaluate_cases("zh"):
        book = books[Path("samples") / f"{result.case.id}.xlsx"]
        project = [(cell, v) for cell, v in book.values.items() if cell[0] == "Project"
                   and cell[1].startswith("E") and not isinstance(v, str)]
        computed = [value for _, value in sorted(project, key=lambda cv: int(cv[0][1][1:]))]
        expected = [v for _, v in result.paper]
        assert computed == pytest.approx(expected, rel=REL), result.case.id


def test_each_samples_own_pattern_is_its_best_fit(books: dict[Path, Book]) -> None:
    for c in reference_cases():
        book = books[Path("samples") / f"{c.id}.xlsx"]
        assert book.cached[book.cells("res_best_fit_pattern")[0]] == c.pattern == book.one("res_best_fit_pattern")


@pytest.mark.parametrize("runtime", contract.RUNTIMES)
def test_the_empty_template_shows_blank_results_not_errors(runtime: str, books: dict[Path, Book]) -> None:
    book = books[Path("workbook_templates") / Identity(contract.TEMPLATE_ID, runtime, ()).files[runtime]]
    assert book.one(contract.READY_NAME) is False
    for result in contract.RESULTS:
        assert set(book(result.defined_name)) == {""}, result.name
    chart = {cell for name in (*contract.CHART_NAMES, contract.CHART_YEARS_NAME) for cell in book.cells(name)}
    errors = {cell for cell, v in book.values.items() if isinstance(v, ExcelError)}
    assert errors == chart and {book.values[c] for c in chart} == {"#N/A"}
    defaults = {f.defined_name: f.default for f in contract.PROJECT_FIELDS}
    assert {n: book.cached.get(book.cells(n)[0]) for n in defaults} == defaults


def test_so_leaves_out_the_sources_that_do_not_count_in_it() -> None:
    from renewal.codes import counts_in_renovation_surplus, source_codes

    wb = load_workbook(ROOT / "workbook_templates" / "renewal_project.xlsx")
    (sheet, ref), = wb.defined_names["res_renovation_surplus"].destinations
    so_row = int(ref.split("$")[-1])
    revenue = wb[sheet][f"C{so_row - 2}"].value
    excluded = [s for s in source_codes() if not counts_in_renovation_surplus(s)]
    assert excluded and all(f'"<>{s}"' in revenue for s in excluded)
    assert not any(f'"<>{s}"' in revenue for s in source_codes() if s not in excluded)
