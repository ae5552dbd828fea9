"""The portfolio workbooks: every row computed in one call, the Bundles sheet equal to the
planner's plan, the sample district portfolio needing bundling."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from generated import REL, ROOT, Book, expect
from openpyxl import load_workbook
from openpyxl.worksheet.formula import ArrayFormula

from renewal import cashflow, patterns
from renewal.bundling import plan_bundles
from renewal.cases import evaluate_cases
from workbook_templates import contract
from workbook_templates.layout import Identity
from workbook_templates.portfolio import Portfolio


@pytest.mark.parametrize("runtime", contract.RUNTIMES)
def test_the_portfolio_computes_every_row_in_one_call(runtime: str, books: dict[Path, Book]) -> None:
    rel = Path("workbook_templates") / Identity(contract.PORTFOLIO_ID, runtime, ()).files[runtime]
    book = books[rel]
    results = evaluate_cases("zh")
    assert book("pf_id") == [r.case.project_id for r in results]
    expected = {
        "pf_payback_years": [expect(r.record["payback_years"], "#N/A") for r in results],
        "pf_npv": [expect(r.record["npv"], "") for r in results],
        "pf_irr": [expect(r.record["irr"], "#NUM!") for r in results],
        "pf_balance_status": [r.record["balance_status"] for r in results],
        "pf_best_fit_pattern": [r.best_fit for r in results],
        "pf_best_fit_name": [patterns.pattern_name(r.best_fit, "zh") for r in results],
    }
    wb = load_workbook(ROOT / rel)
    for name, values in expected.items():
        assert book(name) == values, name
        (sheet, ref), = wb.defined_names[name].destinations
        first = wb[sheet][ref.split(":")[0].replace("$", "")].value
        assert isinstance(first, ArrayFormula) and first.ref == ref.replace("$", ""), name  # one call for all rows


PORTFOLIOS = [Path("workbook_templates") / Identity(contract.PORTFOLIO_ID, r, ()).files[r] for r in contract.RUNTIMES]
PORTFOLIOS.append(Path("portfolios/district_bundling.xlsx"))


@pytest.mark.parametrize("rel", PORTFOLIOS, ids=str)
def test_the_bundles_sheet_is_the_planners_plan(rel: Path, books: dict[Path, Book]) -> None:
    book = books[rel]
    npv = np.array(book("pf_npv"), dtype=float)
    districts = book("pf_district")
    max_size = book.one("pf_bundle_max_size")
    plan = plan_bundles(npv, districts, max_size)
    cells = book("pf_bundle_plan")
    assert cells[0::2] == plan.package.tolist()
    assert cells[1::2] == pytest.approx(plan.package_subsidy[plan.package - 1].tolist(), rel=REL, abs=1e-9)
    wb = load_workbook(ROOT / rel)
    (sheet, ref), = wb.defined_names["pf_bundle_plan"].destinations
    first = wb[sheet][ref.split(":")[0].replace("$", "")].value
    assert isinstance(first, ArrayFormula) and first.ref == ref.replace("$", "")  # one call for all rows
    summary = [book.values[(sheet, f"H{r}")] for r in (5, 6, 7)]
    assert summary == pytest.approx([plan.no_bundling, plan.total_subsidy, plan.no_bundling - plan.total_subsidy],
                                    rel=REL)


def test_the_sample_district_portfolio_needs_bundling() -> None:
    portfolio = Portfolio.district_sample()
    districts = [r.district for r in portfolio.rows]
    npv = np.array([cashflow.npv(r.discount_rate, r.renovation_surplus, list(r.operating_surpluses))
                    for r in portfolio.rows])
    assert len(set(districts)) >= 3 and (npv > 0).sum() < (npv < 0).sum()
    plan = plan_bundles(npv, districts, portfolio.max_size)
    assert plan.district_bound < plan.total_subsidy < plan.no_bundling / 10  # the size limit binds
    assert all("示意" in r.name for r in portfolio.rows)  # illustrative, and says so
