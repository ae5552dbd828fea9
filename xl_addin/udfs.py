"""The renewal model as Excel functions (xlwings user-defined functions).

A thin translation layer: Excel argument shapes in (:mod:`xl_addin.cells`),
one model call, Excel values out. The Excel name of each function is its
Python name in upper case (``payback_years`` -> ``=PAYBACK_YEARS()``).

Runs unchanged in classic xlwings (Windows: UDF Modules = ``xl_addin.udfs``,
then Import Functions) and in xlwings Lite (Windows, macOS, web: add the
package to the workbook's requirements.txt and import this module in
main.py). It imports nothing beyond xlwings, numpy and :mod:`renewal`.

``lang`` is ``"zh"`` (the default) or ``"en"``. Bad input shows ``#VALUE!``
with a message naming the argument; "never within the horizon" is ``#N/A``;
"no IRR" is ``#NUM!``; "no MIRR" (no surplus or no deficit) is ``#DIV/0!``, as
in Excel.
"""

from __future__ import annotations

import numpy as np
from xlwings import arg, func

from renewal import bundling, cashflow, fit, patterns, returns, stages
from renewal.errors import RenewalInputError
from renewal.language import check_lang
from xl_addin import cells
from xl_addin.arguments import CATEGORY, LANG_DOC, SO_DOC, cash_flow_arguments
from xl_addin.udfs_financing import coverage_ratio, debt_service, dscr, equity_irr, min_dscr
from xl_addin.udfs_whatif import risk_profile, scenarios, sensitivity, subsidy_gap

__all__ = [
    "balance_status",
    "bundle_plan",
    "irr_warning",
    "lease_surplus",
    "operating_surpluses",
    "package_balance",
    "pattern_fit",
    "pattern_name",
    "pattern_reasons",
    "pattern_scores",
    "payback_years",
    "policy_guidance",
    "renewal_irr",
    "renewal_mirr",
    "renewal_npv",
    "required_annual_surplus",
    "stage_surplus",
    "years_to_return",
]
__all__ += [  # the what-if, from xl_addin.udfs_whatif
    "risk_profile",
    "scenarios",
    "sensitivity",
    "subsidy_gap",
]
__all__ += [  # financing, from xl_addin.udfs_financing
    "coverage_ratio",
    "debt_service",
    "dscr",
    "equity_irr",
    "min_dscr",
]

SITE_DOC = ("Site attributes: two columns (key, value), or a header row of keys over one row "
            "per site")
PATTERN_DOC = "Pattern code, e.g. ACTIVATION (see PATTERN_SCORES for the six codes)"


@func(category=CATEGORY)
@arg("revenue", ndim=2, doc="Revenue R: a number or a range, summed (empty cells count 0)")
@arg("cost", ndim=2, doc="Cost C: a number or a range, summed (empty cells count 0)")
def stage_surplus(revenue, cost):
    """Surplus of a stage, S = R - C: formula (1) So = Ro - Co, or (2) Sk = Rk - Ck."""
    r = np.nan_to_num(cells.numbers("revenue", revenue))
    c = np.nan_to_num(cells.numbers("cost", cost))
    return stages.stage_surplus(r, c)


@func(category=CATEGORY)
@arg("revenue", ndim=2, doc="First-year revenue Rk: one, or a column with one per project")
@arg("cost", ndim=2, doc="First-year cost Ck: one, or a column with one per project")
@arg("years", doc="Number of years to project")
@arg("revenue_growth", doc="Yearly revenue growth, e.g. 0.03 (default 0)")
@arg("cost_growth", doc="Yearly cost growth, e.g. 0.03 (default 0)")
def operating_surpluses(revenue, cost, years, revenue_growth=None, cost_growth=None):
    """Spills Sk for years 1..years: Rk*(1+gR)^(k-1) - Ck*(1+gC)^(k-1), one row per project."""
    values = cashflow.projected_surpluses(
        cells.number("revenue", revenue), cells.number("cost", cost),
        cells.number("years", years), cells.number("revenue_growth", revenue_growth, 0.0),
        cells.number("cost_growth", cost_growth, 0.0))
    return cells.excel_numbers(np.atleast_2d(values))


@func(category=CATEGORY)
@arg("units", doc="Units (flats) leased; one, or a column with one per project")
@arg("rent_received", doc="Monthly rent received per unit from sub-tenants")
@arg("rent_paid", doc="Monthly cost per unit: rent paid to owners plus fit-out")
@arg("vacancy", doc="Share of the year a unit stands empty, 0-1 (default 0)")
@arg("other_cost", doc="Other yearly cost (default 0)")
def lease_surplus(units, rent_received, rent_paid, vacancy=None, other_cost=None):
    """Yearly surplus of a bulk lease: 12 * units * (rent_received * (1 - vacancy) - rent_paid) - other_cost."""
    value = cashflow.lease_surplus(
        cells.number("units", units), cells.number("rent_received", rent_received),
        cells.number("rent_paid", rent_paid), cells.number("vacancy", vacancy, 0.0),
        cells.number("other_cost", other_cost, 0.0))
    return cells.excel_numbers(value)


@func(category=CATEGORY)
@cash_flow_arguments
@arg("rate", doc="Discount rate for a discounted payback (default 0: undiscounted)")
def payback_years(renovation_surplus, operating_surpluses, rate=None, horizon=None):
    """Years until So plus cumulative (discounted) Sk reaches 0, interpolated; 0 if So >= 0; #N/A if never."""
    so, sk, h, _ = cells.flows(renovation_surplus, operating_surpluses, horizon)
    return cells.excel_numbers(cashflow.payback_years(so, sk, cells.number("rate", rate, 0.0), h))


@func(category=CATEGORY)
@arg("rate", doc="Discount rate per year, e.g. 0.08; one, or one per project")
@cash_flow_arguments
def renewal_npv(rate, renovation_surplus, operating_surpluses, horizon=None):
    ("Net present value So + sum Sk/(1+rate)^k, an empty year counting 0; equals Excel's "
     "=NPV(rate, Sk) + So where Sk has no blank cell (NPV skips a blank).")
    so, sk, h, _ = cells.flows(renovation_surplus, operating_surpluses, horizon)
    return cells.excel_numbers(cashflow.npv(cells.number("rate", rate), so, sk, h))


@func(category=CATEGORY)
@cash_flow_arguments
@arg("guess", doc="Where Newton's method starts, as in Excel's IRR (default 0.1); one, or one per project")
def renewal_irr(renovation_surplus, operating_surpluses, horizon=None, guess=None):
    ("The root Excel's =IRR({So,S1..Sn},guess) reaches, to full precision (an empty year counts 0, "
     "where IRR skips a blank); where Excel's rule fails: the one root if the flows change sign once, "
     "else #NUM!.")
    so, sk, h, _ = cells.flows(renovation_surplus, operating_surpluses, horizon)
    return cells.excel_numbers(returns.irr(so, sk, h, cells.number("guess", guess, 0.1)))


@func(category=CATEGORY)
@cash_flow_arguments
@arg("finance_rate", doc="Rate paid on the deficits (negative flows), e.g. 0.08; one, or one per project")
@arg("reinvest_rate", doc="Rate earned on the surpluses reinvested (positive flows); one, or one per project")
def renewal_mirr(renovation_surplus, operating_surpluses, finance_rate, reinvest_rate, horizon=None):
    ("Modified IRR; equals Excel's =MIRR({So,S1..Sn},finance_rate,reinvest_rate) (an empty year "
     "counts 0, where MIRR skips a blank); #DIV/0! without a surplus or a deficit.")
    so, sk, h, _ = cells.flows(renovation_surplus, operating_surpluses, horizon)
    value = returns.mirr(so, sk, cells.number("finance_rate", finance_rate),
                         cells.number("reinvest_rate", reinvest_rate), h)
    return cells.excel_numbers(value, none=cells.DIVIDE_BY_ZERO)


@func(category=CATEGORY)
@cash_flow_arguments
@arg("lang", doc=LANG_DOC)
def irr_warning(renovation_surplus, operating_surpluses, horizon=None, lang=None):
    ("Several IRRs: a warning listing every IRR above -100%, pointing to NPV and MIRR; else a note: "
     "the one IRR, or none (an empty year counts 0). Also says where Excel's IRR rule (and "
     "RENEWAL_IRR) settles on none of them, e.g. below -100%.")
    language = check_lang(cells.text("lang", lang))
    so, sk, h, one = cells.flows(renovation_surplus, operating_surpluses, horizon)
    found, shown = returns.irrs(so, sk, h), np.atleast_1d(returns.irr(so, sk, h))
    notes = [returns.irrs_note(rates, language, float(rate))
             for rates, rate in zip([found] if one else found, shown, strict=True)]
    return cells.column(notes)


@func(category=CATEGORY)
@arg("target_rate", doc="Target return per year, e.g. 0.08; one, or one per project")
@cash_flow_arguments
def years_to_return(target_rate, renovation_surplus, operating_surpluses, horizon=None):
    """Years until the target return is reached (the payback discounted at the target rate); #N/A if never."""
    so, sk, h, _ = cells.flows(renovation_surplus, operating_surpluses, horizon)
    return cells.excel_numbers(cashflow.years_to_return(cells.number("target_rate", target_rate), so, sk, h))


@func(category=CATEGORY)
@arg("renovation_surplus", ndim=2, doc=SO_DOC)
@arg("years", doc="Years to recover So in; one, or one per project")
@arg("rate", doc="Discount rate per year (default 0)")
def required_annual_surplus(renovation_surplus, years, rate=None):
    """Level yearly Sk that recovers So in that many years; equals Excel's =PMT(rate, years, So)."""
    so = cells.number("renovation_surplus", renovation_surplus)
    value = cashflow.required_annual_surplus(so, cells.number("years", years), cells.number("rate", rate, 0.0))
    return cells.excel_numbers(value)


@func(category=CATEGORY)
@cash_flow_arguments
@arg("rate", doc="Discount rate; > 0 gives the discounted balance (default 0)")
@arg("lang", doc=LANG_DOC)
def balance_status(renovation_surplus, operating_surpluses, rate=None, horizon=None, lang=None):
    """Balanced at the renovation stage / in operation year N / not within N years (in Chinese or English)."""
    language = check_lang(cells.text("lang", lang))
    so, sk, h, one = cells.flows(renovation_surplus, operating_surpluses, horizon)
    status = stages.balance_status(so, sk, cells.number("rate", rate, 0.0), h)
    statuses = [status] if one and not isinstance(status, list) else status
    return cells.column([s.text(language) for s in statuses])


@func(category=CATEGORY)
@arg("renovation_surpluses", ndim=2, doc="So of every project in the package (a range)")
@arg("operating_npvs", ndim=2, doc="NPV of each project's operation stage (optional range)")
def package_balance(renovation_surpluses, operating_npvs=None):
    """A package's total surplus: sum of So plus sum of operating NPVs (fat-thin pairing, 肥瘦搭配)."""
    so = np.nan_to_num(cells.numbers("renovation_surpluses", renovation_surpluses))
    ops = None if operating_npvs is None else np.nan_to_num(cells.numbers("operating_npvs", operating_npvs))
    return stages.package_balance(so, ops)


def _fit_table(site):
    table = cells.site_table(site)
    return table, len(next(iter(table.values()), [None]))


@func(category=CATEGORY)
@arg("site", ndim=2, doc=SITE_DOC)
@arg("lang", doc='Omit for the pattern code; "zh" or "en" for its name')
def pattern_fit(site, lang=None):
    """The best-fitting renewal pattern for a site: its code, or its name in lang; #N/A if none applies."""
    table, _ = _fit_table(site)
    language = cells.text("lang", lang)
    best = fit.score_sites(table).best_fit()
    if language is not None:
        language = check_lang(language)
        return cells.column([cells.NOT_AVAILABLE if code is None else patterns.pattern_name(code, language)
                             for code in best])
    return cells.column([cells.NOT_AVAILABLE if code is None else code for code in best])


@func(category=CATEGORY)
@arg("site", ndim=2, doc=SITE_DOC)
def pattern_scores(site):
    """Spills 6 rows (pattern code, score 0-100, applicable) best first; for many sites, one row of 6 scores each."""
    table, n = _fit_table(site)
    scores = fit.score_sites(table)
    if n > 1:
        return [[float(v) for v in row] for row in scores.score]
    return [[code, float(scores.score[0, patterns.PATTERN_CODES.index(code)]),
             bool(scores.applicable[0, patterns.PATTERN_CODES.index(code)])]
            for code in scores.ranking()]


@func(category=CATEGORY)
@arg("site", ndim=2, doc="Site attributes of one site: two columns (key, value)")
@arg("pattern", doc="Pattern code to explain (default: the best fit)")
@arg("lang", doc=LANG_DOC)
def pattern_reasons(site, pattern=None, lang=None):
    """Why a pattern fits a site or not: criteria met, missed and missing, and the share of weight known."""
    table, n = _fit_table(site)
    if n != 1:
        raise RenewalInputError("site: PATTERN_REASONS explains one site; give two columns (key, value)")
    one_site = {k: v[0] for k, v in table.items()}
    return fit.fit_reasons(one_site, cells.text("pattern", pattern), check_lang(cells.text("lang", lang)))


@func(category=CATEGORY)
@arg("pattern", doc=PATTERN_DOC)
@arg("lang", doc=LANG_DOC)
def policy_guidance(pattern, lang=None):
    """The paper's Table 3 for a pattern: barriers and policy support, by city."""
    code = cells.text("pattern", pattern)
    if code is None:
        raise RenewalInputError("pattern: is required")
    return patterns.policy_guidance(code, check_lang(cells.text("lang", lang)))


@func(category=CATEGORY)
@arg("pattern", ndim=2, doc=PATTERN_DOC + "; or a range of codes")
@arg("lang", doc=LANG_DOC)
def pattern_name(pattern, lang=None):
    """The Chinese or English name of a pattern code (a range of codes spills a column)."""
    language = check_lang(cells.text("lang", lang))
    codes = [c for row in cells.texts("pattern", pattern) for c in row]
    if any(c is None for c in codes):
        raise RenewalInputError("pattern: has empty cells")
    return cells.column([patterns.pattern_name(c, language) for c in codes])


# --- District bundling (片区统筹) ------------------------------------------------------------

BUNDLE_TIME_LIMIT = 10.0
"""Seconds BUNDLE_PLAN gives the solver; past them it returns the best plan found."""


def _bundle_rows(labels: list[str | None], values: np.ndarray) -> list[int]:
    """The rows that hold a project (an id and an NPV), ids unique; rows with neither are skipped."""
    used, seen = [], {}
    for i, (label, value) in enumerate(zip(labels, values.tolist(), strict=True)):
        if label is None and np.isnan(value):
            continue
        if label is None or np.isnan(value):
            what = "ids" if label is None else "npvs"
            raise RenewalInputError(f"{what}: row {i + 1} is empty but the other column is not")
        if label in seen:
            raise RenewalInputError(f"ids: {label!r} appears twice (rows {seen[label] + 1} and {i + 1})")
        seen[label] = i
        used.append(i)
    return used


@func(category=CATEGORY)
@arg("ids", ndim=2, doc="Project ids: a column, one per project (rows with neither id nor NPV are skipped)")
@arg("npvs", ndim=2, doc="Each project's NPV at the appraisal rate (So + present value of Sk): a column")
@arg("districts", ndim=2, doc="Each project's district (optional column): packages never cross districts")
@arg("max_size", doc="Largest number of projects in a package (default: no limit)")
def bundle_plan(ids, npvs, districts=None, max_size=None):
    """Spills each project's package number and that package's subsidy: the packages needing the least subsidy."""
    labels = [row[0] if row else None for row in cells.texts("ids", ids)]
    values = cells.numbers("npvs", npvs).ravel()
    if values.size != len(labels):
        raise RenewalInputError(f"npvs: has {values.size} cells but ids has {len(labels)}; give one column each")
    areas = None if districts is None else [row[0] for row in cells.texts("districts", districts)]
    if areas is not None and len(areas) != len(labels):
        raise RenewalInputError(f"districts: has {len(areas)} cells but ids has {len(labels)}")
    used = _bundle_rows(labels, values)
    size = cells.number("max_size", max_size, np.nan)
    plan = bundling.plan_bundles(values[used], None if areas is None else [areas[i] for i in used],
                                 None if np.isnan(size) else size, BUNDLE_TIME_LIMIT)
    out: list[list[object]] = [[None, None] for _ in labels]
    for row, i in enumerate(used):
        package = int(plan.package[row])
        out[i] = [package, float(plan.package_subsidy[package - 1])]
    return out
