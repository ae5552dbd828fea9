"""Scenarios: named sets of factors on the drivers (base, optimistic, pessimistic...),
each appraised like a project of its own.

A scenario multiplies Ro, Co, Rk (every year), Ck (every year) and the
discount rate by its factors (1 = unchanged), and gets the payback, NPV,
IRR, balance status and subsidy gap of :func:`renewal.appraisal.appraise`.
"""

from __future__ import annotations

import numpy as np

from renewal.appraisal import Appraisal, appraise
from renewal.drivers import DRIVERS, as_drivers
from renewal.errors import RenewalInputError
from renewal.inputs import as_finite


def check_factors(factors: object) -> np.ndarray:
    """Scenario factors as (S, 5), one row per scenario; fewer columns are padded with 1.

    >>> check_factors([[1.1, 0.9], [1, 2]]).tolist()
    [[1.1, 0.9, 1.0, 1.0, 1.0], [1.0, 2.0, 1.0, 1.0, 1.0]]
    """
    f = np.atleast_2d(as_finite("factors", factors))
    if f.shape[1] > len(DRIVERS):
        raise RenewalInputError(f"factors: at most {len(DRIVERS)} columns (Ro, Co, Rk, Ck, rate), "
                                f"got {f.shape[1]}")
    if (f < 0).any():
        raise RenewalInputError(f"factors: must be 0 or more, got {f[f < 0].flat[0]}")
    return np.pad(f, ((0, 0), (0, len(DRIVERS) - f.shape[1])), constant_values=1.0)


def scenarios(  # noqa: PLR0917 (the drivers, as the Excel function takes them)
        factors: object, renovation_revenue: object, renovation_cost: object,
        operating_revenue: object, operating_cost: object, years: object,
        rate: object) -> Appraisal:
    """Appraise one project under each scenario: factors (S, up to 5) on Ro, Co, Rk, Ck, rate.

    Formula: ``So = fRo * Ro - fCo * Co``, ``Sk = fRk * Rk - fCk * Ck``, rate
    ``frate * rate``; then :func:`~renewal.appraisal.appraise` (payback and
    balance status undiscounted; NPV and subsidy gap at the scenario's rate).
    Several projects: P projects give P * S rows, project by project.

    Excel equivalent: none built in (the Scenario Manager, one scenario at a time).

    Jinsong North, base and with operating revenue 10% lower:

    >>> a = scenarios([[1, 1, 1, 1, 1], [1, 1, 0.9, 1, 1]], 4600, 7700, 627, 279, 20, 0.08)
    >>> a.npv.round(2).tolist(), a.subsidy_gap.round(2).tolist(), a.payback_years.round(2).tolist()
    ([316.72, -298.88], [0.0, 298.88], [8.91, 10.87])
    """
    f = check_factors(factors)
    drivers = as_drivers(renovation_revenue, renovation_cost, operating_revenue, operating_cost, years, rate)
    so, sk, r = drivers.flows(f)
    p, s = so.shape
    return appraise(so.ravel(), sk.reshape(p * s, -1), np.repeat(drivers.horizon, s), r.ravel())
