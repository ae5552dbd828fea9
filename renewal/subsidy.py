"""The subsidy gap: the missing money (资金来源不足) a renewal needs to balance at a meagre profit.

The paper's central problem is money that has to come from somewhere (a
subsidy, a bundled parcel, the owners) for So plus the discounted operating
surpluses to reach zero. The gap is closed-form: no iteration.
"""

from __future__ import annotations

import numpy as np

from renewal.cashflow import npv
from renewal.inputs import as_flows, as_years


def subsidy_gap(renovation_surplus: object, operating_surpluses: object, target_rate: object,
                within_years: object = None, horizon: object = None) -> float | np.ndarray:
    """The smallest one-off amount that, added to So, makes the NPV at ``target_rate``
    over the first ``within_years`` years at least 0; 0 where nothing is needed.

    Formula: ``gap = max(0, -(So + sum_{k=1..w} Sk / (1 + target_rate)^k))`` with
    ``w = min(within_years, horizon)`` (default: the horizon). Paid at t = 0,
    as So is, so it is not discounted.

    Excel equivalent: ``=MAX(0, -(So + NPV(target_rate, S1:Sw)))``.

    Jinsong North (So -3,100, Sk 348 for 20 years):

    >>> round(subsidy_gap(-3100, 348, 0.10, horizon=20), 2)
    137.28
    >>> round(subsidy_gap(-3100, 348, 0.08, within_years=10, horizon=20), 2)
    764.89
    >>> subsidy_gap(-3100, 348, 0.08, horizon=20)
    0.0
    >>> subsidy_gap([-3100, -600], [[348] * 20, [96] * 10 + [0] * 10], 0.10,
    ...             horizon=[20, 10]).round(2).tolist()
    [137.28, 10.11]
    """
    flows = as_flows(renovation_surplus, operating_surpluses, horizon)
    counted = flows.horizon
    if within_years is not None:
        counted = np.minimum(as_years("within_years", within_years), counted)
    value = npv(target_rate, flows.renovation, flows.operating, counted)
    return flows.out(np.maximum(0.0, -np.atleast_1d(value)) + 0.0)
