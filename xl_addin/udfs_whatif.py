"""The what-if as Excel functions: subsidy gap, sensitivity, scenarios, risk profile.

Excel's Data Tables and Goal Seek do not work with our functions (xlwings
Lite's Office.js custom functions return ``#CALC!`` inside Data Tables and
Goal Seek does not support them; classic xlwings recalculates them needlessly
during a Data Table), so each what-if is one call of the vectorised model.
Re-exported by :mod:`xl_addin.udfs` (the Excel names are the upper-cased
Python names); the same conventions as there: a thin translation through
:mod:`xl_addin.cells`, ``#VALUE!`` with a message naming a bad argument,
``#N/A`` for never within the horizon, ``#NUM!`` for none (no IRR, no
switching value).
"""

from __future__ import annotations

from typing import cast

import numpy as np
from xlwings import arg, func

from renewal import risk, subsidy
from renewal.drivers import DRIVERS
from renewal.errors import RenewalInputError
from renewal.language import check_lang, message
from renewal.scenarios import scenarios as appraise_scenarios
from renewal.sensitivity import sensitivity as sensitivity_of
from xl_addin import cells
from xl_addin.arguments import CATEGORY, LANG_DOC, CellFunction, cash_flow_arguments

RO_DOC = "Ro, renovation-stage revenue (one-off): one cell, or a column with one project per row"
CO_DOC = "Co, renovation-stage cost (one-off): one cell, or a column with one project per row"
RK_DOC = ("Rk, operating revenue: one number (every year), a row of years, or one row per project")
CK_DOC = ("Ck, operating cost: one number (every year), a row of years, or one row per project")
YEARS_DOC = "Years of operation counted (the horizon); one, or one per project"
RATE_DOC = "Discount rate per year, e.g. 0.08; one, or one per project"


def driver_arguments(function: CellFunction) -> CellFunction:
    """The Ro, Co, Rk, Ck, years and rate parameters the driver functions share, described once."""
    for name, options in (("rate", {"doc": RATE_DOC}), ("years", {"doc": YEARS_DOC}),
                          ("operating_cost", {"ndim": 2, "doc": CK_DOC}),
                          ("operating_revenue", {"ndim": 2, "doc": RK_DOC}),
                          ("renovation_cost", {"ndim": 2, "doc": CO_DOC}),
                          ("renovation_revenue", {"ndim": 2, "doc": RO_DOC})):
        function = arg(name, **options)(function)
    return function


DriverArguments = tuple[object, object, object, object, object, object]
"""Ro, Co, Rk, Ck, years and rate, as the model's what-if functions take them."""


def _drivers(  # noqa: PLR0917 (the drivers, as the Excel function takes them)
        renovation_revenue: object, renovation_cost: object, operating_revenue: object, operating_cost: object,
        years: object, rate: object) -> tuple[DriverArguments, bool]:
    """The six driver arguments as the model takes them, and whether they are one project's."""
    ro = cells.number("renovation_revenue", renovation_revenue)
    co = cells.number("renovation_cost", renovation_cost)
    one = np.ndim(ro) == 0 and np.ndim(co) == 0
    return (ro, co, cells.year_rows("operating_revenue", operating_revenue, one),
            cells.year_rows("operating_cost", operating_cost, one), cells.number("years", years),
            cells.number("rate", rate)), one


@func(category=CATEGORY)
@cash_flow_arguments
@arg("target_rate", doc="Target return per year the NPV is taken at, e.g. 0.08; one, or one per project")
@arg("within_years", doc="Balance within this many years (default: the horizon)")
def subsidy_gap(renovation_surplus, operating_surpluses, target_rate, within_years=None, horizon=None):
    """Smallest one-off amount added to So for the NPV at target_rate within the years to reach 0; 0 if none needed."""
    so, sk, h, _ = cells.flows(renovation_surplus, operating_surpluses, horizon)
    within = None if within_years is None else cells.number("within_years", within_years)
    gap = subsidy.subsidy_gap(so, sk, cells.number("target_rate", target_rate), within, h)
    return cells.excel_numbers(gap)


@func(category=CATEGORY)
@driver_arguments
@arg("swing", doc="Relative change of each driver, e.g. 0.1 for -10% and +10% (default 0.1)")
@arg("measure", doc='"npv" (default), "payback" (undiscounted) or "irr"')
@arg("lang", doc=LANG_DOC)
def sensitivity(  # noqa: PLR0917 (the drivers, as the Excel function takes them)
        renovation_revenue, renovation_cost, operating_revenue, operating_cost, years, rate,
        swing=None, measure=None, lang=None):
    """Spills a row per driver: name, measure at -swing, at +swing, range, switching value (NPV = 0), widest first."""
    language = check_lang(cells.text("lang", lang))
    args, one = _drivers(renovation_revenue, renovation_cost, operating_revenue, operating_cost, years, rate)
    result = sensitivity_of(*args, cells.number("swing", swing, 0.1), cells.text("measure", measure))
    if not one:
        return cells.excel_numbers(np.atleast_2d(result.switching))
    order = result.ranking(0)
    figures = cast(list[list[object]], cells.excel_numbers(  # a 2-D array comes back as rows
        np.stack([result.low[0], result.high[0], result.range[0], result.switching[0]], axis=1)[order]))
    return [[message("driver", DRIVERS[j], language), *row] for j, row in zip(order, figures, strict=True)]


@func(category=CATEGORY)
@arg("table", ndim=2, doc=("Scenarios, one a row: name, then factors on Ro, Co, Rk, Ck and the rate "
                           "(1 = unchanged; empty = 1)"))
@driver_arguments
@arg("lang", doc=LANG_DOC)
def scenarios(  # noqa: PLR0917 (the drivers, as the Excel function takes them)
        table, renovation_revenue, renovation_cost, operating_revenue, operating_cost, years, rate,
        lang=None):
    """Spills per scenario row: payback, NPV, IRR, balance status, subsidy gap (at the scenario's rate)."""
    language = check_lang(cells.text("lang", lang))
    grid = cells.as_grid(table)
    if len(grid[0]) < 2:
        raise RenewalInputError("table: needs a name column and at least one factor column")
    factors = cells.numbers("table", [row[1:] for row in grid])
    empty = np.isnan(factors).all(axis=1) & np.array([cells.text("table", [row[:1]]) is None for row in grid])
    args, one = _drivers(renovation_revenue, renovation_cost, operating_revenue, operating_cost, years, rate)
    if not one:
        raise RenewalInputError("renovation_revenue: SCENARIOS appraises one project; give one cell")
    appraisal = appraise_scenarios(np.nan_to_num(factors, nan=1.0), *args)
    numbers = cast(list[list[object]], cells.excel_numbers(  # a 2-D array comes back as rows
        np.stack([appraisal.payback_years, appraisal.npv, appraisal.irr, appraisal.subsidy_gap], axis=1)))
    return [["", "", "", "", ""] if blank else [payback, value, rate_of_return, status.text(language), gap]
            for blank, (payback, value, rate_of_return, gap), status
            in zip(empty, numbers, appraisal.status, strict=True)]


@func(category=CATEGORY)
@driver_arguments
@arg("spread", doc="Triangular spread on each of Ro, Co, Rk, Ck, e.g. 0.1 for ±10% (default 0.1)")
@arg("trials", doc="Number of trials (default 10,000)")
@arg("seed", doc="Seed of the random draws: the same seed gives the same figures (default 0)")
def risk_profile(  # noqa: PLR0917 (the drivers, as the Excel function takes them)
        renovation_revenue, renovation_cost, operating_revenue, operating_cost, years, rate,
        spread=None, trials=None, seed=None):
    """Monte Carlo, a row per project: P(NPV<0), NPV P10, P50, P90, P(not paid back), payback P50, P90."""
    args, _ = _drivers(renovation_revenue, renovation_cost, operating_revenue, operating_cost, years, rate)
    profile = risk.risk_profile(*args, cells.number("spread", spread, risk.DEFAULT_SPREAD),
                                cells.number("trials", trials, risk.DEFAULT_TRIALS),
                                cells.number("seed", seed, risk.DEFAULT_SEED))
    return cells.excel_numbers(profile.rows())
