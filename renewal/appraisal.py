"""The full set of results for many projects at once: the numbers every door shows.

One call computes, for P projects (So (P,), Sk (P, N), horizons (P,)):
payback (undiscounted and at the discount rate), NPV at the discount rate,
IRR (Excel's rule), every IRR above -100%, MIRR (financed and reinvested at
the discount rate), years to reach the target return, the balance status and
the subsidy gap at the discount rate. The cases
table, the templates' cached values and the nightly batch all come from here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypedDict

import numpy as np

from renewal.cashflow import npv, payback_years, years_to_return
from renewal.inputs import as_flows, as_rate
from renewal.returns import irr, irrs_of, mirr
from renewal.stages import BalanceStatus, balance_status
from renewal.subsidy import subsidy_gap


class AppraisalRecord(TypedDict):
    """One project's appraisal as plain JSON-ready values (:meth:`Appraisal.record`)."""

    renovation_surplus: float
    operating_surpluses: list[float]
    horizon: int
    discount_rate: float
    payback_years: float | None
    discounted_payback_years: float | None
    npv: float
    irr: float | None
    irrs: list[float]
    mirr: float | None
    target_return: float
    years_to_target: float | None
    subsidy_gap: float
    balance_status_code: str
    balance_year: int | None
    balance_status: str


@dataclass(frozen=True)
class Appraisal:
    """Results of P projects; arrays are (P,). ``inf`` = never, ``nan`` = no IRR / no MIRR;
    ``irrs[i]``: every IRR above -100% of project i (:func:`renewal.returns.irrs`)."""

    renovation_surplus: np.ndarray
    operating_surpluses: np.ndarray
    horizon: np.ndarray
    discount_rate: np.ndarray
    target_return: np.ndarray
    payback_years: np.ndarray
    discounted_payback_years: np.ndarray
    npv: np.ndarray
    irr: np.ndarray
    irrs: list[list[float]]
    mirr: np.ndarray
    years_to_target: np.ndarray
    subsidy_gap: np.ndarray
    status: list[BalanceStatus]

    def __len__(self) -> int:
        return self.renovation_surplus.size

    def record(self, i: int, lang: str | None = None) -> AppraisalRecord:
        """Project ``i`` as plain JSON-ready values: ``None`` for never / no IRR.

        >>> appraise(-600, [96] * 10).record(0, "en")["balance_status"]
        'balanced in operation year 7'
        """
        h = int(self.horizon[i])
        return {
            "renovation_surplus": float(self.renovation_surplus[i]),
            "operating_surpluses": [float(v) for v in self.operating_surpluses[i, :h]],
            "horizon": h,
            "discount_rate": float(self.discount_rate[i]),
            "payback_years": _finite(self.payback_years[i]),
            "discounted_payback_years": _finite(self.discounted_payback_years[i]),
            "npv": float(self.npv[i]),
            "irr": _finite(self.irr[i]),
            "irrs": self.irrs[i],
            "mirr": _finite(self.mirr[i]),
            "target_return": float(self.target_return[i]),
            "years_to_target": _finite(self.years_to_target[i]),
            "subsidy_gap": float(self.subsidy_gap[i]),
            "balance_status_code": self.status[i].code,
            "balance_year": self.status[i].year,
            "balance_status": self.status[i].text(lang),
        }


def _finite(value: float) -> float | None:
    return None if math.isinf(value) or math.isnan(value) else float(value)


def appraise(renovation_surplus: object, operating_surpluses: object, horizon: object = None,
             discount_rate: object = 0.08, target_return: object = None) -> Appraisal:
    """Appraise P projects at once.

    ``discount_rate`` gives the NPV and the discounted payback; ``target_return``
    (default: the discount rate) gives the years to reach it. The balance
    status is the undiscounted one, as the paper reads it; the subsidy gap is
    the one at the discount rate over the horizon.

    >>> a = appraise([-3100, -600], [[348] * 20, [96] * 10 + [0] * 10], horizon=[20, 10])
    >>> a.payback_years.round(3).tolist(), a.npv.round(1).tolist()
    ([8.908, 6.25], [316.7, 44.2])
    >>> [s.code for s in a.status], a.subsidy_gap.tolist()
    (['OPERATION_YEAR', 'OPERATION_YEAR'], [0.0, 0.0])
    """
    flows = as_flows(renovation_surplus, operating_surpluses, horizon)
    n = flows.renovation.size
    rate = np.broadcast_to(as_rate("discount_rate", discount_rate), (n,)).astype(float)
    target = rate if target_return is None else np.broadcast_to(
        as_rate("target_return", target_return), (n,)).astype(float)
    so, sk, h = flows.renovation, flows.operating, flows.horizon
    statuses = balance_status(so, sk, 0.0, h)
    return Appraisal(
        renovation_surplus=so,
        operating_surpluses=sk,
        horizon=h,
        discount_rate=rate,
        target_return=target,
        payback_years=np.atleast_1d(payback_years(so, sk, 0.0, h)),
        discounted_payback_years=np.atleast_1d(payback_years(so, sk, rate, h)),
        npv=np.atleast_1d(npv(rate, so, sk, h)),
        irr=np.atleast_1d(irr(so, sk, h)),
        irrs=irrs_of(flows),
        mirr=np.atleast_1d(mirr(so, sk, rate, rate, h)),
        years_to_target=np.atleast_1d(years_to_return(target, so, sk, h)),
        subsidy_gap=np.atleast_1d(subsidy_gap(so, sk, rate, None, h)),
        status=statuses if isinstance(statuses, list) else [statuses],
    )
