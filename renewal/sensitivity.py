"""Sensitivity and switching values: how much each driver moves the answer, and at what
change in it alone the NPV reaches zero.

The drivers are renovation revenue Ro and cost Co, operating revenue Rk and
cost Ck (each changed by the same relative amount in every year) and the
discount rate (:mod:`renewal.drivers`). The sensitivity evaluates a measure
(NPV, payback or IRR) with one driver at a time at -swing and +swing; the
switching value (the PPP handbooks' and the EU cost-benefit guide's term) is
closed-form for the money drivers, because the NPV is linear in each of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from renewal.cashflow import irr, npv, payback_years
from renewal.drivers import DRIVERS, Drivers, as_drivers
from renewal.errors import RenewalInputError
from renewal.inputs import as_finite

MEASURES = ("npv", "payback", "irr")
"""What a sensitivity can measure: the NPV at the rate, the (undiscounted) payback, the IRR."""


def check_measure(measure: str | None) -> str:
    """``measure`` normalised; None gives ``"npv"``.

    >>> check_measure("IRR"), check_measure(None)
    ('irr', 'npv')
    """
    code = "npv" if measure is None or not str(measure).strip() else str(measure).strip().lower()
    if code not in MEASURES:
        raise RenewalInputError(f'measure: must be "npv", "payback" or "irr", got {measure!r}')
    return code


def check_share(name: str, value: object) -> float:
    """A relative change such as a swing or a spread: one number above 0 and at most 1 (100%)."""
    share = float(as_finite(name, value, max_ndim=0))
    if not 0 < share <= 1:
        raise RenewalInputError(f"{name}: must be above 0 and at most 1 (100%), got {share}")
    return share


def measure_of(measure: str, renovation_surplus: np.ndarray, operating_surpluses: np.ndarray,
               rate: np.ndarray, horizon: np.ndarray) -> np.ndarray:
    """The measure of M sets of flows (So (M,), Sk (M, N), rate and horizon (M,)).

    ``"npv"``: at the rate; ``"payback"``: undiscounted, as the paper reads
    it (``inf`` if never); ``"irr"``: ``nan`` where there is none.
    """
    if measure == "npv":
        return np.atleast_1d(npv(rate, renovation_surplus, operating_surpluses, horizon))
    if measure == "payback":
        return np.atleast_1d(payback_years(renovation_surplus, operating_surpluses, 0.0, horizon))
    return np.atleast_1d(irr(renovation_surplus, operating_surpluses, horizon))


def evaluate(drivers: Drivers, factors: np.ndarray, measure: str) -> np.ndarray:
    """The measure of every project under every row of ``factors`` (V, 5): shape (P, V)."""
    so, sk, rate = drivers.flows(factors)
    p, v = so.shape
    values = measure_of(measure, so.ravel(), sk.reshape(p * v, -1), rate.ravel(),
                        np.repeat(drivers.horizon, v))
    return values.reshape(p, v)


def switching_values(drivers: Drivers) -> np.ndarray:
    """(P, 5): for Ro, Co, Rk, Ck the relative change in that driver alone at which the NPV
    at the rate is 0; for the rate, the IRR (the rate itself at which it is 0).

    Formula: with ``pv_j`` the present value of driver j's flows as they enter
    the NPV (:meth:`~renewal.drivers.Drivers.present_values`), a change ``s``
    moves the NPV by ``s * pv_j``, so ``s_j = -NPV / pv_j``; ``nan`` where
    ``pv_j = 0`` (no change in that driver moves the NPV; also where the
    quotient is beyond floating point) or where there is no IRR.

    Excel equivalent: none built in (Goal Seek, one driver at a time; it does
    not work with custom functions).

    Jinsong North (Ro 4,600, Co 7,700, Rk 627, Ck 279, 20 years, 8%):

    >>> d = as_drivers(4600, 7700, 627, 279, 20, 0.08)
    >>> [f"{x:+.2%}" for x in switching_values(d)[0]]
    ['-6.89%', '+4.11%', '-5.14%', '+11.56%', '+9.35%']
    """
    pv = drivers.present_values()
    base = pv.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        money = -base / pv
    money = np.where(np.isfinite(money), money, np.nan)
    so = drivers.renovation_revenue - drivers.renovation_cost
    sk = drivers.operating_revenue - drivers.operating_cost
    rate = np.atleast_1d(irr(so, sk, drivers.horizon))
    return np.concatenate([money, rate[:, None]], axis=1)


@dataclass(frozen=True)
class Sensitivity:
    """A measure with each driver alone at -swing and +swing, and the switching values.

    Arrays are (P, 5), columns in :data:`~renewal.drivers.DRIVERS` order; ``base`` is (P,).
    """

    measure: str
    swing: float
    base: np.ndarray
    low: np.ndarray
    high: np.ndarray
    switching: np.ndarray

    @property
    def range(self) -> np.ndarray:
        """``|high - low|``: 0 where both are equal (also both never), ``nan`` where either is none."""
        with np.errstate(invalid="ignore"):
            return np.where(self.low == self.high, 0.0, np.abs(self.high - self.low))

    def ranking(self, i: int = 0) -> list[int]:
        """Project ``i``'s driver columns by range, widest first (a tornado chart's order);
        a range that is ``nan`` comes last."""
        key = np.nan_to_num(self.range[i], nan=-1.0)
        return [int(j) for j in np.argsort(-key, kind="stable")]


def sensitivity(  # noqa: PLR0917 (the drivers, as the Excel function takes them)
        renovation_revenue: object, renovation_cost: object, operating_revenue: object,
        operating_cost: object, years: object, rate: object, swing: object = 0.1,
        measure: str | None = "npv") -> Sensitivity:
    """The measure with each driver alone changed by -swing and +swing, and the switching values.

    Formula: driver j scaled by ``1 - swing`` and ``1 + swing`` (Rk and Ck in
    every year; the rate as ``rate * (1 +- swing)``), the others at their
    values; the measure as :func:`measure_of`. The rate leaves the payback
    (undiscounted) and the IRR unchanged: their range is 0 for it.

    Excel equivalent: none built in (a Data Table per driver; those return
    ``#CALC!`` or recalculate slowly with custom functions).

    >>> s = sensitivity(4600, 7700, 627, 279, 20, 0.08)
    >>> [DRIVERS[j] for j in s.ranking()]
    ['Co', 'Rk', 'Ro', 'Ck', 'rate']
    >>> s.low[0].round(2).tolist(), s.high[0].round(2).tolist()
    ([-143.28, 1086.72, -298.88, 590.64, 530.1], [776.72, -453.28, 932.31, 42.79, 122.53])
    """
    code = check_measure(measure)
    share = check_share("swing", swing)
    drivers = as_drivers(renovation_revenue, renovation_cost, operating_revenue, operating_cost, years, rate)
    factors = np.ones((1 + 2 * len(DRIVERS), len(DRIVERS)))
    for j in range(len(DRIVERS)):
        factors[1 + 2 * j, j], factors[2 + 2 * j, j] = 1 - share, 1 + share
    values = evaluate(drivers, factors, code)
    return Sensitivity(code, share, values[:, 0], values[:, 1::2], values[:, 2::2],
                       switching_values(drivers))
