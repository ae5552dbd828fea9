"""The four money drivers of a project and its discount rate: what a what-if varies.

The two stages' surpluses are differences (formula 1 ``So = Ro - Co``,
formula 2 ``Sk = Rk - Ck``); a what-if changes one side alone, so it needs
the four drivers separately: renovation revenue ``Ro`` and cost ``Co``
(one-off), operating revenue ``Rk`` and cost ``Ck`` (by year), over a number
of ``years`` at a discount ``rate``. :class:`Drivers` holds them for P
projects at once and turns relative factors on them into cash flows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from renewal.errors import RenewalInputError
from renewal.inputs import as_finite, as_rate, as_years

DRIVERS = ("Ro", "Co", "Rk", "Ck", "rate")
"""Codes of the drivers, in the order every what-if result uses."""
MONEY_DRIVERS = DRIVERS[:4]


@dataclass(frozen=True)
class Drivers:
    """``Ro``, ``Co`` (P,), ``Rk``, ``Ck`` (P, N; 0 beyond each horizon), horizon and rate (P,)."""

    renovation_revenue: np.ndarray
    renovation_cost: np.ndarray
    operating_revenue: np.ndarray
    operating_cost: np.ndarray
    horizon: np.ndarray
    rate: np.ndarray
    scalar: bool

    def __len__(self) -> int:
        return self.renovation_revenue.size

    def flows(self, factors: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """So (P, V), Sk (P, V, N) and the rate (P, V) with factors (V, 5) on Ro, Co, Rk, Ck, rate.

        >>> d = as_drivers(4600, 7700, 627, 279, 2, 0.08)
        >>> so, sk, rate = d.flows(np.array([[1, 1, 1, 1, 1], [1, 1.1, 1, 1, 2]]))
        >>> so.tolist(), sk[0, 1].tolist(), rate.tolist()
        ([[-3100.0, -3870.0]], [348.0, 348.0], [[0.08, 0.16]])
        """
        f = np.asarray(factors, dtype=float)
        so = np.outer(self.renovation_revenue, f[:, 0]) - np.outer(self.renovation_cost, f[:, 1])
        sk = (self.operating_revenue[:, None, :] * f[None, :, 2, None]
              - self.operating_cost[:, None, :] * f[None, :, 3, None])
        return so, sk, np.outer(self.rate, f[:, 4])

    def present_values(self) -> np.ndarray:
        """(P, 4): the present value of each money driver's own flows at the rate, signed as it
        enters the NPV: ``Ro``, ``-Co``, ``sum Rk / (1+r)^k``, ``-sum Ck / (1+r)^k``.

        The NPV is their sum, and a relative change ``s`` in driver ``j`` alone
        changes it by ``s * pv[j]``.

        >>> as_drivers(4600, 7700, 627, 279, 20, 0.08).present_values().round(2).tolist()
        [[4600.0, -7700.0, 6155.98, -2739.26]]
        """
        k = np.arange(1, self.operating_revenue.shape[1] + 1)
        discount = (1.0 + self.rate[:, None]) ** -k
        return np.stack([self.renovation_revenue, -self.renovation_cost,
                         (self.operating_revenue * discount).sum(axis=1),
                         -(self.operating_cost * discount).sum(axis=1)], axis=1)


def _non_negative(name: str, value: object, max_ndim: int) -> np.ndarray:
    arr = as_finite(name, value, max_ndim=max_ndim)
    if (arr < 0).any():
        raise RenewalInputError(f"{name}: must be 0 or more, got {arr[arr < 0].flat[0]}")
    return arr


def _by_year(name: str, value: object, years: np.ndarray, n_projects: int) -> np.ndarray:
    """A yearly amount as (P, N): one number (every year), a row of years, a row per
    project, or a column of one number per project (every year)."""
    arr = _non_negative(name, value, 2)
    n = int(years.max(initial=0))
    if arr.ndim == 0:
        arr = np.full((1, n), float(arr))
    elif arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim == 2 and arr.shape[1] == 1:  # a column: one number per project, every year
        arr = np.repeat(arr, n, axis=1)
    if arr.shape[0] not in (1, n_projects):
        raise RenewalInputError(f"{name}: has {arr.shape[0]} rows but there are {n_projects} projects")
    if arr.shape[1] < n:
        raise RenewalInputError(f"{name}: has {arr.shape[1]} years but years is {n}")
    arr = np.broadcast_to(arr[:, :n], (n_projects, n))
    return np.where(np.arange(1, n + 1)[None, :] <= years[:, None], arr, 0.0)


def as_drivers(  # noqa: PLR0917 (the drivers, as the Excel function takes them)
        renovation_revenue: object, renovation_cost: object, operating_revenue: object,
        operating_cost: object, years: object, rate: object) -> Drivers:
    """Check and broadcast the drivers of one or P projects.

    ``renovation_revenue`` (Ro) and ``renovation_cost`` (Co): one number, or one
    per project. ``operating_revenue`` (Rk) and ``operating_cost`` (Ck): one
    number (the same every year), a row of years, one row per project, or a
    column (P, 1) of one number per project (the same every year).
    ``years``: whole years counted (1 or more; one, or one per project).
    ``rate``: the discount rate (> -1; one, or one per project). Amounts are
    0 or more.

    >>> d = as_drivers([4600, 0], [7700, 600], [[627] * 20, [288] * 10 + [0] * 10], 279, [20, 10], 0.08)
    >>> len(d), float(d.operating_cost[1].sum()), d.scalar
    (2, 2790.0, False)
    >>> as_drivers(4600, -1, 627, 279, 20, 0.08)
    Traceback (most recent call last):
    ...
    renewal.errors.RenewalInputError: renovation_cost: must be 0 or more, got -1.0
    """
    ro = _non_negative("renovation_revenue", renovation_revenue, 1)
    co = _non_negative("renovation_cost", renovation_cost, 1)
    n = as_years("years", years)
    if (n < 1).any():
        raise RenewalInputError("years: must be at least 1")
    r = as_rate("rate", rate)
    sizes = {"renovation_revenue": ro.size, "renovation_cost": co.size, "years": n.size, "rate": r.size}
    rows = {name: np.asarray(v).shape[0] for name, v in (("operating_revenue", operating_revenue),
                                                 ("operating_cost", operating_cost))
            if np.asarray(v).ndim == 2}
    n_projects = max([*sizes.values(), *rows.values()])
    for name, size in sizes.items():
        if size not in (1, n_projects):
            raise RenewalInputError(f"{name}: has {size} values but there are {n_projects} projects")
    horizon = np.broadcast_to(n, (n_projects,)).astype(np.int64)
    scalar = all(np.asarray(v).ndim == 0 for v in (renovation_revenue, renovation_cost, years, rate)) and not rows
    return Drivers(np.broadcast_to(ro, (n_projects,)).astype(float),
                   np.broadcast_to(co, (n_projects,)).astype(float),
                   _by_year("operating_revenue", operating_revenue, horizon, n_projects),
                   _by_year("operating_cost", operating_cost, horizon, n_projects),
                   horizon, np.broadcast_to(r, (n_projects,)).astype(float), scalar)
