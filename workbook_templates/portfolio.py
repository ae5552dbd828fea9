"""The portfolio workbook: many projects, one row each, every result column computed for
all rows by ONE call of a vectorised function (a column of So with a matrix of Sk;
PATTERN_FIT over a header row of keys with one row of site attributes per project).

Its inputs are So and Sk directly (not the item tables of a project workbook), each
project's district and site attributes. The template holds the paper's seven reference
cases; the sample district portfolio (``data/district_portfolio.toml``, illustrative)
holds several districts of profitable parcels and loss-making communities. The Bundles
sheet plans district packages over every project with one BUNDLE_PLAN call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from renewal.cases import ReferenceCase
from renewal.fit import site_attribute_keys
from renewal.language import DEFAULT_LANG, load_data
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
    number_validation,
    protect,
    set_widths,
    texts,
    title_rows,
)
from workbook_templates.lists import code_hint

SHEETS = ("Guide", "Portfolio", "Results", "Bundles")
HEADER_ROW, FIRST_ROW = 4, 5
LANG_CELL = "B3"
PRINT_PAGES_WIDE = 4
"""The Portfolio sheet prints its 75 columns across this many landscape pages."""
IDENTITY_COLUMNS = {"project_id": "text", "project_name": "text", "district": "text", "pattern": "text",
                    "horizon": "whole", "discount_rate": "rate", "renovation_surplus": "money"}
"""Per project: identity and assumptions (Project fields, then So) with their number formats; then Sk
of years 1..MAX_YEARS, then the site attributes under their keys (PATTERN_FIT reads the keys)."""
IDENTITY_NAMES = {"project_id": "pf_id", "project_name": "pf_name", "district": "pf_district",
                  "pattern": "pf_pattern", "horizon": "pf_horizon", "discount_rate": "pf_discount_rate",
                  "renovation_surplus": "pf_so"}
"""The defined name over each identity column."""
IDENTITY_WIDTHS = {1: 20, 2: 30, 3: 18, 4: 20, 5: 9, 6: 12, 7: 14}
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
    labels = {f.name: f.label for f in contract.PROJECT_FIELDS}
    labels |= {r.name: r.label for r in contract.RESULTS}
    labels["best_fit_name"] = texts("results", "best_fit_name")
    return f"{labels[name].zh} / {labels[name].en}"


@dataclass(frozen=True)
class PortfolioRow:
    """One project of a portfolio: identity, So, Sk of years 1..horizon and site attributes."""

    project_id: str
    name: str
    district: str
    pattern: str
    horizon: int
    discount_rate: float
    renovation_surplus: float
    operating_surpluses: tuple[float, ...]
    site: dict[str, float]

    @classmethod
    def of_case(cls, case: ReferenceCase) -> PortfolioRow:
        """A reference case as a portfolio row."""
        return cls(case.project_id, case.name.zh, case.district, case.pattern, case.horizon, case.discount_rate,
                   case.renovation_surplus, tuple(float(v) for v in case.operating_surpluses), case.site)

    def values(self) -> list[object]:
        """The row's cells on the Portfolio sheet."""
        sk = list(self.operating_surpluses)
        site = [self.site.get(key) for key in site_attribute_keys()]
        return [self.project_id, self.name, self.district, self.pattern, self.horizon, self.discount_rate,
                self.renovation_surplus, *sk, *([None] * (contract.MAX_YEARS - len(sk))), *site]


@dataclass(frozen=True)
class Portfolio:
    """What a portfolio workbook holds: its projects and the Bundles sheet's largest package size."""

    rows: tuple[PortfolioRow, ...]
    max_size: int

    @classmethod
    def of_cases(cls, cases: Sequence[ReferenceCase]) -> Portfolio:
        """The paper's cases (the portfolio template)."""
        return cls(tuple(PortfolioRow.of_case(c) for c in cases), DEFAULT_MAX_SIZE)

    @classmethod
    def district_sample(cls) -> Portfolio:
        """The sample district portfolio of ``data/district_portfolio.toml`` (illustrative figures)."""
        data = load_data("workbook_templates", "district_portfolio.toml")
        horizon, rate = int(data["horizon"]), float(data["discount_rate"])
        rows = tuple(PortfolioRow(p["id"], p["name"], p["district"], p["pattern"], horizon, rate, float(p["so"]),
                                  (float(p["sk"]),) * horizon, {}) for p in data["project"])
        return cls(rows, int(data["max_size"]))


DEFAULT_MAX_SIZE = 3
"""The Bundles sheet's largest package size in the template."""


def _inputs_sheet(wb: Workbook, rows: Sequence[PortfolioRow]) -> Worksheet:
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
    last = FIRST_ROW + len(rows) - 1
    formats = [*IDENTITY_COLUMNS.values(), *(["money"] * contract.MAX_YEARS), *(["general"] * len(keys))]
    for r, row in enumerate(rows, start=FIRST_ROW):
        for c, (value, fmt) in enumerate(zip(row.values(), formats, strict=True), start=1):
            styles.INPUT.apply(ws.cell(r, c, value), fmt)
    for col, column in enumerate(IDENTITY_COLUMNS, start=1):
        define(wb, IDENTITY_NAMES[column], ws, area(FIRST_ROW, col, last, col))
    define(wb, "pf_sk", ws, area(FIRST_ROW, SK_COL, last, SITE_COL - 1))
    define(wb, "pf_site", ws, area(HEADER_ROW, SITE_COL, last, SITE_COL + len(keys) - 1))
    set_widths(ws, IDENTITY_WIDTHS
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


BUNDLE_WIDTHS = {1: 24, 2: 18, 3: 14, 4: 10, 5: 16, 6: 3, 7: 44, 8: 14}
MAX_SIZE_CELL = "B3"
SUMMARY_COL = 7


def _bundles_sheet(wb: Workbook, n: int, max_size: int) -> Worksheet:
    """Each project's package and that package's subsidy, by ONE call of BUNDLE_PLAN over the
    portfolio; beside them the total subsidy without bundling and with this plan."""
    ws = wb.create_sheet("Bundles")
    title_rows(ws, "Bundles", 8)
    styles.LABEL.apply(ws.cell(3, 1, bilingual("bundles", "max_size")))
    styles.INPUT.apply(ws[MAX_SIZE_CELL], "whole").value = max_size
    number_validation(ws, MAX_SIZE_CELL, texts("bundles", "max_size"), whole=True, minimum=1)
    define(wb, "pf_bundle_max_size", ws, MAX_SIZE_CELL)
    captions = [_label("project_id"), bilingual("bundles", "district"), bilingual("bundles", "npv"),
                bilingual("bundles", "package"), bilingual("bundles", "package_subsidy")]
    header(ws, HEADER_ROW, 1, captions)
    last = FIRST_ROW + n - 1
    for r in range(FIRST_ROW, last + 1):
        styles.FORMULA.apply(ws.cell(r, 1, f"=Portfolio!A{r}"), "text")
        styles.FORMULA.apply(ws.cell(r, 2, f"=Portfolio!C{r}"), "text")
        styles.FORMULA.apply(ws.cell(r, 3, f"=Results!D{r}"), "money")
        styles.FORMULA.apply(ws.cell(r, 4), "whole")
        styles.FORMULA.apply(ws.cell(r, 5), "money")
    plan = area(FIRST_ROW, 4, last, 5)
    ws.cell(FIRST_ROW, 4).value = ArrayFormula(plan, "=BUNDLE_PLAN(pf_id,pf_npv,pf_district,pf_bundle_max_size)")
    define(wb, "pf_bundle_plan", ws, plan)
    packages, subsidies = area(FIRST_ROW, 4, last, 4), area(FIRST_ROW, 5, last, 5)
    header(ws, HEADER_ROW, SUMMARY_COL, [bilingual("bundles", "measure"), bilingual("column", "value")])
    summary = (("no_bundling", '=-SUMIF(pf_npv,"<0")'),
               ("this_plan", f"=SUMPRODUCT({subsidies}/COUNTIF({packages},{packages}))"),
               ("saved", f"={cell_ref(FIRST_ROW, SUMMARY_COL + 1)}-{cell_ref(FIRST_ROW + 1, SUMMARY_COL + 1)}"))
    for r, (key, formula) in enumerate(summary, start=FIRST_ROW):
        styles.LABEL.apply(ws.cell(r, SUMMARY_COL, bilingual("bundles", key)))
        styles.FORMULA.apply(ws.cell(r, SUMMARY_COL + 1, formula), "money")
    fit_height(ws, HEADER_ROW, [(c, BUNDLE_WIDTHS[i]) for i, c in enumerate(captions, start=1)])
    fit_height(ws, 2, [(str(ws.cell(2, 1).value), sum(BUNDLE_WIDTHS.values()))])
    fit_height(ws, 3, [(str(ws.cell(3, 1).value), BUNDLE_WIDTHS[1])])
    set_widths(ws, BUNDLE_WIDTHS)
    ws.freeze_panes = cell_ref(FIRST_ROW, 2)
    landscape_fit_width(ws)
    protect(ws)
    return ws


def portfolio_book(portfolio: Portfolio, runtime: str) -> Workbook:
    """The portfolio workbook of ``portfolio``, its formulas spelt for ``runtime``."""
    identity = Identity(contract.PORTFOLIO_ID, runtime, SHEETS)
    wb = new_book(identity, contract.PORTFOLIO_ID)
    add_guide_sheet(wb, identity)
    _inputs_sheet(wb, portfolio.rows)
    _results_sheet(wb, len(portfolio.rows))
    _bundles_sheet(wb, len(portfolio.rows), portfolio.max_size)
    finish_book(wb, identity)
    return wb
