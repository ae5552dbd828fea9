"""The financing functions as Excel functions: DEBT_SERVICE, DSCR, MIN_DSCR, COVERAGE_RATIO, EQUITY_IRR.

Thin over :mod:`renewal.financing`, as :mod:`xl_addin.udfs` is over the rest
of the model (which re-exports these, so that one module holds every cell
function). A row of years, or a column for one project, is one project's
years; one row per project for many. Empty years count 0. "No debt service"
(DSCR, coverage) is ``#N/A``; "no IRR" is ``#NUM!``; bad input ``#VALUE!``
with a message naming the argument.
"""

from __future__ import annotations

import math

import numpy as np
from xlwings import arg, func

from renewal import financing
from xl_addin import cells
from xl_addin.arguments import CATEGORY, HORIZON_DOC, SK_DOC

DS_DOC = "Debt service of years 1..n (e.g. DEBT_SERVICE's spill): a row (or column), one row per project"


def _years(name: str, value: object) -> np.ndarray:
    """A range of yearly amounts as (P, N); a single column is one project's years; empty years 0."""
    grid = cells.numbers(name, value)
    if grid.ndim == 2 and grid.shape[1] == 1 and grid.shape[0] > 1:
        grid = grid.T
    years: np.ndarray = np.nan_to_num(grid, nan=0.0)
    return years


def _surpluses(value: object) -> float | np.ndarray:
    """Sk: one number (the same every year) or years as :func:`_years`."""
    grid = _years("operating_surpluses", value)
    return float(grid.flat[0]) if grid.size == 1 else grid


def _none_is_na(values: object) -> object:
    """Cell values where NaN means "no debt service": ``#N/A``; one project's answer as one value."""
    arr = np.asarray(values, dtype=float)
    arr = arr.reshape(()) if arr.size == 1 and arr.ndim < 2 else arr
    return cells.excel_numbers(np.where(np.isnan(arr), np.inf, arr), never=cells.NOT_AVAILABLE)


@func(category=CATEGORY)
@arg("amount", ndim=2, doc="Amount borrowed (>= 0); one, or a column with one per loan")
@arg("rate", ndim=2, doc="Interest rate per year, e.g. 0.042 (> -100%); one, or one per loan")
@arg("term", ndim=2, doc="Years of repayment after the grace years (whole, >= 1); one, or one per loan")
@arg("grace_years", ndim=2, doc="Interest-only years before repayment starts (default 0)")
@arg("method", ndim=2, doc='"annuity" (level payments, default), "equal_principal" or "bullet" (interest '
                          'yearly, principal at maturity); one, or one per loan')
def debt_service(amount, rate, term, grace_years=None, method=None):
    """Spills the yearly payments (interest + principal) of a loan or bond for years 1..grace+term; annuity = -PMT."""
    methods = [m for row in cells.texts("method", method) for m in row]
    value = financing.debt_service(
        cells.number("amount", amount), cells.number("rate", rate), cells.number("term", term),
        cells.number("grace_years", grace_years, 0.0), methods[0] if len(methods) == 1 else methods)
    return cells.excel_numbers(np.atleast_2d(value))


def surpluses_and_service(function):
    """The Sk and debt service parameters DSCR and MIN_DSCR share, described once."""
    for name, doc in (("debt_service", DS_DOC), ("operating_surpluses", SK_DOC)):
        function = arg(name, ndim=2, doc=doc)(function)
    return function


@func(category=CATEGORY)
@surpluses_and_service
def dscr(operating_surpluses, debt_service):
    """Spills each year's debt service coverage ratio Sk / debt service; #N/A in years without debt service."""
    values = financing.dscr(_surpluses(operating_surpluses), _years("debt_service", debt_service))
    return _none_is_na(np.atleast_2d(values))


@func(category=CATEGORY)
@surpluses_and_service
def min_dscr(operating_surpluses, debt_service):
    """The smallest DSCR (Sk / debt service) over the years with debt service; #N/A if there is none."""
    value = financing.min_dscr(_surpluses(operating_surpluses), _years("debt_service", debt_service))
    return _none_is_na(np.ravel(value))


@func(category=CATEGORY)
@arg("operating_surpluses", ndim=2, doc=SK_DOC)
@arg("debt_service", ndim=2, doc="The bond's debt service of years 1..n: a row (or column), one row per project")
@arg("years", doc="Years to count (default: to the last year with debt service, the bond's life)")
def coverage_ratio(operating_surpluses, debt_service, years=None):
    """本息覆盖倍数: the surpluses over the bond's life divided by its principal and interest; #N/A if none due."""
    given = cells.number("years", years, math.nan)
    value = financing.coverage_ratio(_surpluses(operating_surpluses), _years("debt_service", debt_service),
                                     None if isinstance(given, float) and math.isnan(given) else given)
    return _none_is_na(np.ravel(value))


@func(category=CATEGORY)
@arg("equity", ndim=2, doc="The entity's own money invested at year 0 (>= 0); one, or a column, one per project")
@arg("operating_surpluses", ndim=2, doc=SK_DOC)
@arg("debt_service", ndim=2, doc=DS_DOC)
@arg("horizon", doc=HORIZON_DOC)
@arg("guess", doc="Where the IRR iteration starts, as Excel's IRR (default 0.1)")
def equity_irr(equity, operating_surpluses, debt_service, horizon=None, guess=None):
    """IRR of the flows to equity, -equity then Sk - debt service, by RENEWAL_IRR's rule (=IRR); #NUM! if none."""
    e = cells.number("equity", equity)
    _, sk, h, one = cells.flows(e, operating_surpluses, horizon)
    start = cells.number("guess", guess, math.nan)
    value = financing.equity_irr(e, sk, _years("debt_service", debt_service), h,
                                 None if isinstance(start, float) and math.isnan(start) else start)
    values = np.ravel(value)
    return cells.excel_numbers(values[0] if one else values)
