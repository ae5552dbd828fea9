"""The portfolio workbook: many projects, one row each, every result column computed for
all rows by ONE call of a vectorised function (a column of So with a matrix of Sk;
PATTERN_FIT over a header row of keys with one row of site attributes per project).

Its inputs are So and Sk directly (not the item tables of a project workbook) and
each project's site attributes; it holds the paper's seven reference cases.
"""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from renewal.cases import ReferenceCase
from renewal.fit import site_attribute_keys
from renewal.language import DEFAULT_LANG
from workbook_templates import contract, styles
from workbook_templates.book import finish_book
from workbook_templates.guide import add_guide_sheet
from workbook_templates.layout import (
    Identity,
    area,
    bilingual,
    cell_ref,
    define,
    fit_height,
    header,
    landscape_fit_width,
    list_validation,
    new_book,
    protect,
    set_widths,
    texts,
    title_rows,
)
from workbook_templates.lists import code_hint

SHEETS = ("Guide", "Portfolio", "Results")
HEADER_ROW, FIRST_ROW = 4, 5
LANG_CELL = "B3"
PRINT_PAGES_WIDE = 4
"""The Portfolio sheet prints its 75 columns across this many landscape pages."""
IDENTITY_COLUMNS = {"project_id": "text", "project_name": "text", "pattern": "text", "horizon": "whole",
                    "discount_rate": "rate", "renovation_surplus": "money"}
"""Per project: identity and assumptions (Project fields, then So) with their number formats; then Sk
of years 1..MAX_YEARS, then the site attributes under their keys (PATTERN_FIT reads the keys)."""
IDENTITY_WIDTHS = {1: 20, 2: 30, 3: 20, 4: 9, 5: 12, 6: 14}
SK_COL = len(IDENTITY_COLUMNS) + 1
SITE_COL = SK_COL + contract.MAX_YEARS

RESULT_WIDTHS = {1: 20, 2: 30, 3: 12, 4: 12, 5: 10, 6: 26, 7: 20, 8: 22}
RESULTS = (
    ("payback_years", "PAYBACK_YEARS(pf_so,pf_sk,0,pf_horizon)", "years"),
    ("npv", "RENEWAL_NPV(pf_discount_rate,pf_so,pf_sk,pf_horizon)", "money"),
    ("irr", "RENEWAL_IRR(pf_so,pf_sk,pf_horizon)", "rate"),
    ("balance_status", "BALANCE_STATUS(pf_so,pf_sk,0,pf_horizon,pf_lang)", "text"),
    ("best_fit_pattern", "PATTERN_FIT(pf_site)", "text"),
)
"""Result columns: name (``pf_<name>``, a contract result), one formula over every project, number format."""


def _label(name: str) -> str:
    """A column's caption in both languages, from the contract's field or result labels."""
    labels = {f.name: (f.label_zh, f.label_en) for f in contract.PROJECT_FIELDS}
    labels |= {r.name: (r.label_zh, r.label_en) for r in contract.RESULTS}
    labels["best_fit_name"] = texts("results", "best_fit_name")
    return " / ".join(labels[name])


def _row_values(case: ReferenceCase) -> list[object]:
    sk = [float(v) for v in case.operating_surpluses]
    site = [case.site.get(key) for key in site_attribute_keys()]
    return [case.project_id, case.name_zh, case.pattern, case.horizon, case.discount_rate,
            case.renovation_surplus, *sk, *([None] * (contract.MAX_YEARS - len(sk))), *site]


def _inputs_sheet(wb: Workbook, cases: Sequence[ReferenceCase]) -> Worksheet:
    ws = wb.create_sheet("Portfolio")
    title_rows(ws, "Portfolio", 12)
    styles.LABEL.apply(ws.cell(3, 1, bilingual("results", "language")))
    styles.INPUT.apply(ws[LANG_CELL], "text").value = DEFAULT_LANG
    list_validation(ws, LANG_CELL, "list_lang", code_hint("lang"))
    define(wb, "pf_lang", ws, LANG_CELL)
    keys = site_attribute_keys()
    years = [bilingual("column", "year", k=k) for k in range(1, contract.MAX_YEARS + 1)]
    header(ws, HEADER_ROW, 1, [*map(_label, IDENTITY_COLUMNS), *years, *keys])
    fit_height(ws, HEADER_ROW, [(_label(n), IDENTITY_WIDTHS[i]) for i, n in enumerate(IDENTITY_COLUMNS, start=1)])
    last = FIRST_ROW + len(cases) - 1
    formats = [*IDENTITY_COLUMNS.values(), *(["money"] * contract.MAX_YEARS), *(["general"] * len(keys))]
    for r, case in enumerate(cases, start=FIRST_ROW):
        for c, (value, fmt) in enumerate(zip(_row_values(case), formats, strict=True), start=1):
            styles.INPUT.apply(ws.cell(r, c, value), fmt)
    names = {"pf_id": 1, "pf_name": 2, "pf_pattern": 3, "pf_horizon": 4, "pf_discount_rate": 5, "pf_so": 6}
    for name, col in names.items():
        define(wb, name, ws, area(FIRST_ROW, col, last, col))
    define(wb, "pf_sk", ws, area(FIRST_ROW, SK_COL, last, SITE_COL - 1))
    define(wb, "pf_site", ws, area(HEADER_ROW, SITE_COL, last, SITE_COL + len(keys) - 1))
    set_widths(ws, {1: 20, 2: 30, 3: 20, 4: 9, 5: 12, 6: 12}
               | dict.fromkeys(range(SK_COL, SITE_COL), 9)
               | dict.fromkeys(range(SITE_COL, SITE_COL + len(keys)), 14))
    ws.freeze_panes = cell_ref(FIRST_ROW, 3)
    ws.print_title_cols = "A:B"
    landscape_fit_width(ws, pages_wide=PRINT_PAGES_WIDE, pages_high=1)
    protect(ws)
    return ws


def _results_sheet(wb: Workbook, n: int) -> Worksheet:
    ws = wb.create_sheet("Results")
    title_rows(ws, "Results", 8)
    captions = [_label(name) for name in ("project_id", "project_name", *(r[0] for r in RESULTS), "best_fit_name")]
    header(ws, HEADER_ROW, 1, captions)
    fit_height(ws, HEADER_ROW, [(c, RESULT_WIDTHS[i]) for i, c in enumerate(captions, start=1)])
    last = FIRST_ROW + n - 1
    for r in range(FIRST_ROW, last + 1):
        for col, source in ((1, "A"), (2, "B")):
            styles.FORMULA.apply(ws.cell(r, col, f"=Portfolio!{source}{r}"), "text")
    for col, (name, formula, fmt) in enumerate(RESULTS, start=3):
        ref = area(FIRST_ROW, col, last, col)
        ws.cell(FIRST_ROW, col).value = ArrayFormula(ref, f"={formula}")
        define(wb, f"pf_{name}", ws, ref)
        for r in range(FIRST_ROW, last + 1):
            styles.FORMULA.apply(ws.cell(r, col), fmt)
    name_col = 3 + len(RESULTS)
    ref = area(FIRST_ROW, name_col, last, name_col)
    ws.cell(FIRST_ROW, name_col).value = ArrayFormula(ref, "=PATTERN_NAME(pf_best_fit_pattern,pf_lang)")
    define(wb, "pf_best_fit_name", ws, ref)
    for r in range(FIRST_ROW, last + 1):
        styles.FORMULA.apply(ws.cell(r, name_col), "text")
    set_widths(ws, RESULT_WIDTHS)
    landscape_fit_width(ws)
    protect(ws)
    return ws


def portfolio_book(cases: Sequence[ReferenceCase], runtime: str) -> Workbook:
    """The portfolio workbook of ``cases``, its formulas spelt for ``runtime``."""
    identity = Identity(contract.PORTFOLIO_ID, runtime, SHEETS)
    wb = new_book(identity, contract.PORTFOLIO_ID)
    add_guide_sheet(wb, identity)
    _inputs_sheet(wb, cases)
    _results_sheet(wb, len(cases))
    finish_book(wb, identity)
    return wb
