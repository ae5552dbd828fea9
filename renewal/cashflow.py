"""Cash-flow metrics of the two-stage balance, vectorised over many projects.

A project's cash flows are the renovation surplus ``So`` (formula 1, at t = 0)
and the operating surpluses ``Sk`` of years k = 1..n (formula 2, at year ends).
Every function takes one project (a number and a row of years) and returns a
number, or many projects (So of shape (P,), Sk of shape (P, N), one row per
project, shorter horizons padded and given by ``horizon``) and returns arrays.

Conventions a caller can rely on:

* "Never within the horizon" is ``math.inf`` (payback, years to return): it can
  never be mistaken for a number of years.
* A year inside the horizon with no surplus is a year of 0 (it counts in k).

IRR and MIRR are in :mod:`renewal.returns`.
* Bad input raises :class:`~renewal.errors.RenewalInputError` naming the argument.
"""

from __future__ import annotations

import numpy as np

from renewal.errors import RenewalInputError
from renewal.inputs import Flows, as_finite, as_flows, as_rate, as_years

NEVER = float("inf")
"""Payback or years-to-return when the balance is not reached within the horizon."""


def _discounted(flows: Flows, rate: object) -> np.ndarray:
    """Sk / (1 + rate)^k, shape (P, N)."""
    r = as_rate("rate", rate)
    if r.ndim:
        if r.size not in (1, flows.renovation.size):
            raise RenewalInputError(
                f"rate: has {r.size} rates but there are {flows.renovation.size} projects"
            )
        r = np.broadcast_to(r, flows.renovation.shape)[:, None]
    years = np.arange(1, flows.operating.shape[1] + 1)
    return flows.operating / (1.0 + r) ** years


def cumulative_balance(renovation_surplus: object, operating_surpluses: object,
                       rate: object = 0.0, horizon: object = None) -> np.ndarray:
    """So plus the cumulative (discounted) Sk, at t = 0, 1, ..., N.

    Formula: ``B_0 = So``; ``B_t = So + sum_{k<=t} Sk / (1 + rate)^k``.
    Years beyond a project's horizon repeat its last balance.

    Excel equivalent: ``=So + SUM($S$1:S1)`` filled right (rate 0).

    >>> cumulative_balance(-600, [96] * 10).round(2).tolist()[:4]
    [-600.0, -504.0, -408.0, -312.0]
    """
    flows = as_flows(renovation_surplus, operating_surpluses, horizon)
    disc = _discounted(flows, rate)
    balance = np.concatenate(
        [flows.renovation[:, None], flows.renovation[:, None] + np.cumsum(disc, axis=1)], axis=1
    )
    return balance[0] if flows.scalar else balance


def payback_years(renovation_surplus: object, operating_surpluses: object,
                  rate: object = 0.0, horizon: object = None) -> float | np.ndarray:
    """Years until So plus the cumulative (discounted) Sk first reaches zero.

    Formula: with ``B_t`` as in :func:`cumulative_balance`, the first year t with
    ``B_t >= 0`` gives ``payback = (t - 1) + (-B_{t-1}) / (B_t - B_{t-1})``, i.e.
    interpolated within the year, surpluses arriving evenly through it.
    ``0`` when ``So >= 0`` (balanced at the renovation stage); ``inf`` when the
    balance is not reached within the horizon. ``rate > 0`` gives the
    discounted payback.

    Excel equivalent: none built in (the usual cumulative-column construction).

    Jinsong North: So = -3,100, Sk = 627 - 279 = 348 a year:

    >>> round(payback_years(-3100, 348, horizon=20), 3)
    8.908
    >>> payback_years(-600, [96] * 10)
    6.25
    >>> payback_years(0, [10, 10])
    0.0
    >>> payback_years(-1000, [100] * 5)
    inf

    Two projects at once, the shorter one padded and given its horizon:

    >>> payback_years([-3100, -600], [[348] * 20, [96] * 10 + [0] * 10],
    ...               rate=0.08, horizon=[20, 10]).round(2).tolist()
    [16.21, 9.01]
    """
    flows = as_flows(renovation_surplus, operating_surpluses, horizon)
    cum = flows.renovation[:, None] + np.cumsum(_discounted(flows, rate), axis=1)
    prev = np.concatenate([flows.renovation[:, None], cum[:, :-1]], axis=1)
    reached = (cum >= 0) & flows.in_horizon
    first = np.argmax(reached, axis=1)
    rows = np.arange(first.size)
    before, after = prev[rows, first], cum[rows, first]
    with np.errstate(divide="ignore", invalid="ignore"):
        years = first + (-before) / (after - before)
    years = np.where(reached.any(axis=1), years, NEVER)
    years = np.where(flows.renovation >= 0, 0.0, years)
    return flows.out(years)


def years_to_return(target_rate: object, renovation_surplus: object,
                    operating_surpluses: object, horizon: object = None) -> float | np.ndarray:
    """Years until the project has earned ``target_rate`` on its investment.

    Formula: the discounted payback at the target rate,
    ``payback_years(So, Sk, rate=target_rate)``: the first time
    ``So + sum Sk / (1 + target)^k >= 0``. ``inf`` if not within the horizon.

    Excel equivalent: none built in.

    >>> round(years_to_return(0.08, -3100, 348, horizon=20), 2)
    16.21
    """
    return payback_years(renovation_surplus, operating_surpluses, target_rate, horizon)


def npv(rate: object, renovation_surplus: object, operating_surpluses: object,
        horizon: object = None) -> float | np.ndarray:
    """Net present value with So at t = 0 and each Sk at the end of year k.

    Formula: ``NPV = So + sum_{k=1..n} Sk / (1 + rate)^k``; a year with no
    surplus is a year of 0 and keeps its k.

    Excel equivalent: ``=NPV(rate, S1:Sn) + So`` on a range without blank cells
    (Excel's NPV skips a blank cell, so the years after it move one year
    earlier: for -100 then 60, blank, 60 at 8%, ``NPV + So`` gives 7.00, this
    function 3.19); numpy-financial: ``npf.npv(rate, [So, S1, ..., Sn])``.

    >>> round(npv(0.08, -3100, 348, horizon=20), 1)
    316.7
    >>> npv([0.0, 0.1], [-100, -100], [[60, 60], [60, 60]]).round(4).tolist()
    [20.0, 4.1322]
    """
    flows = as_flows(renovation_surplus, operating_surpluses, horizon)
    return flows.out(flows.renovation + _discounted(flows, rate).sum(axis=1))


def required_annual_surplus(renovation_surplus: object, years: object,
                            rate: object = 0.0) -> float | np.ndarray:
    """The level yearly Sk that brings So back to zero in ``years`` years.

    Formula: ``rate == 0``: ``-So / n``; otherwise
    ``-So * rate / (1 - (1 + rate)^-n)``. A positive So gives a negative
    answer: the yearly deficit the project could bear and still balance.

    Excel equivalent: ``=PMT(rate, years, So)``; numpy-financial:
    ``npf.pmt(rate, years, So)``.

    >>> round(required_annual_surplus(-3100, 20, 0.08), 2)
    315.74
    >>> required_annual_surplus(-600, 10)
    60.0
    """
    so = as_finite("renovation_surplus", renovation_surplus, max_ndim=1)
    n = as_years("years", years)
    r = as_rate("rate", rate)
    if (n == 0).any():
        raise RenewalInputError("years: must be at least 1 to recover a surplus")
    so, n, r = np.broadcast_arrays(so, n, r)
    # 1 - (1+r)^-n as -expm1(-n log1p(r)): exact for rates near 0 too.
    with np.errstate(divide="ignore", invalid="ignore"):
        level = np.where(r == 0, -so / n, -so * r / -np.expm1(-n * np.log1p(r)))
    return float(level) if level.ndim == 0 else level


def projected_surpluses(revenue: object, cost: object, years: object,
                        revenue_growth: object = 0.0,
                        cost_growth: object = 0.0) -> np.ndarray:
    """Sk for years 1..n from a first-year revenue and cost, each growing yearly.

    Formula: ``Sk = R * (1 + g_R)^(k-1) - C * (1 + g_C)^(k-1)`` (formula 2 per year).
    Many projects: ``revenue``, ``cost`` and the growth rates may be (P,) and
    the result is (P, n).

    Excel equivalent: ``=R*(1+gR)^(k-1) - C*(1+gC)^(k-1)`` filled right.

    >>> projected_surpluses(627, 279, 3).tolist()
    [348.0, 348.0, 348.0]
    >>> projected_surpluses(100, 80, 3, 0.1, 0.0).round(2).tolist()
    [20.0, 30.0, 41.0]
    """
    n = as_years("years", years, max_ndim=0)
    rev = as_finite("revenue", revenue, max_ndim=1)
    cst = as_finite("cost", cost, max_ndim=1)
    g_r = as_rate("revenue_growth", revenue_growth)
    g_c = as_rate("cost_growth", cost_growth)
    k = np.arange(int(n), dtype=float)
    rev, cst, g_r, g_c = (a[..., None] for a in np.broadcast_arrays(rev, cst, g_r, g_c))
    surpluses: np.ndarray = rev * (1.0 + g_r) ** k - cst * (1.0 + g_c) ** k
    return surpluses


def lease_surplus(units: object, rent_received: object, rent_paid: object,
                  vacancy: object = 0.0, other_cost: object = 0.0) -> float | np.ndarray:
    """Yearly surplus of a bulk lease (统租置换) from monthly rents per unit.

    Formula: ``Sk = 12 * units * (rent_received * (1 - vacancy) - rent_paid) - other_cost``,
    where ``rent_received`` is the monthly rent from sub-tenants, ``rent_paid``
    the monthly cost per unit (rent to owners plus fit-out), ``vacancy`` the
    share of the year a unit stands empty (0-1) and ``other_cost`` a yearly
    amount. Money comes out in the unit the rents are in, per year.

    Excel equivalent: the formula above; there is no built-in function.

    Zhenwumiao Wuli No. 3: 20 flats, sublet at 12,000 元/month, cost 8,000 元/month:

    >>> lease_surplus(20, 12000, 8000)
    960000.0
    """
    u = as_finite("units", units, max_ndim=1)
    got = as_finite("rent_received", rent_received, max_ndim=1)
    paid = as_finite("rent_paid", rent_paid, max_ndim=1)
    vac = as_finite("vacancy", vacancy, max_ndim=1)
    other = as_finite("other_cost", other_cost, max_ndim=1)
    for name, arr in (("units", u), ("rent_received", got), ("rent_paid", paid),
                      ("other_cost", other)):
        if (arr < 0).any():
            raise RenewalInputError(f"{name}: must be 0 or more, got {arr[arr < 0].flat[0]}")
    outside = (vac < 0) | (vac > 1)
    if outside.any():
        raise RenewalInputError(f"vacancy: must be a share from 0 to 1, got {vac[outside].flat[0]}")
    surplus = 12.0 * u * (got * (1.0 - vac) - paid) - other
    return float(surplus) if surplus.ndim == 0 else surplus
