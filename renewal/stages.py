"""The two stages of a project: renovation items give So, operation items give Sk.

Formula (1), renovation stage (one-off): ``So = Ro - Co``.
Formula (2), operation stage (year k):   ``Sk = Rk - Ck``.

Also: the balance status a reviewer reads (balanced at the renovation stage /
in operation year N / not within N years) and the balance of a package of
projects renewed together (fat-thin pairing, 肥瘦搭配).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from renewal.cashflow import npv, payback_years
from renewal.codes import counts_in_renovation_surplus, kind_codes, source_codes
from renewal.errors import RenewalInputError
from renewal.inputs import as_finite
from renewal.language import message

Kind = Literal["revenue", "cost"]


def _check_kind(kind: str, item: str) -> None:
    if kind not in kind_codes():
        raise RenewalInputError(f"kind: item {item!r} must be 'revenue' or 'cost', got {kind!r}")


def stage_surplus(revenue: object, cost: object) -> float:
    """A stage's surplus S = R - C, each side a number or amounts to sum.

    Formula (1) with one-off amounts (So = Ro - Co), or formula (2) with one
    year's amounts (Sk = Rk - Ck).

    Excel equivalent: ``=SUM(revenue) - SUM(cost)``.

    >>> stage_surplus([460, 583, 995], 2038), stage_surplus(627, 279)
    (0.0, 348.0)
    """
    r = as_finite("revenue", revenue)
    c = as_finite("cost", cost)
    return round(float(r.sum() - c.sum()), 10)


@dataclass(frozen=True)
class RenovationItem:
    """A one-off renovation-stage amount: revenue (Ro) or cost (Co), by source.

    ``source`` is a code of ``data/codes.toml``; an ``ENTITY_INVESTMENT``
    records the implementing entity's own money, which finances -So and is
    therefore not counted in Ro.
    """

    item: str
    kind: Kind
    amount: float
    source: str = "OTHER"
    note: str = ""

    def __post_init__(self) -> None:
        _check_kind(self.kind, self.item)
        if self.source not in source_codes():
            raise RenewalInputError(
                f"source: item {self.item!r} has unknown source {self.source!r}; "
                f"expected one of {', '.join(source_codes())}"
            )
        amount = float(as_finite(f"amount of {self.item!r}", self.amount, max_ndim=0))
        if amount < 0:
            raise RenewalInputError(f"amount of {self.item!r}: must be 0 or more, got {amount}")


@dataclass(frozen=True)
class OperationItem:
    """A recurring operation-stage line: revenue (Rk) or cost (Ck) for years 1..n."""

    item: str
    kind: Kind
    amounts: Sequence[float]

    def __post_init__(self) -> None:
        _check_kind(self.kind, self.item)
        values = as_finite(f"amounts of {self.item!r}", self.amounts, max_ndim=1)
        if (values < 0).any():
            raise RenewalInputError(f"amounts of {self.item!r}: must be 0 or more")


def renovation_surplus(items: Iterable[RenovationItem]) -> float:
    """So = Ro - Co over the renovation items (formula 1).

    Excel equivalent: ``=SUMIF(kind, "revenue", amount) - SUMIF(kind, "cost", amount)``.

    Jinsong North: works cost 7,700; the government invests 4,600; the operator's
    own 3,100 finances the gap and is not revenue:

    >>> renovation_surplus([
    ...     RenovationItem("renovation works", "cost", 7700),
    ...     RenovationItem("government investment", "revenue", 4600, "SUBSIDY"),
    ...     RenovationItem("operator investment", "revenue", 3100, "ENTITY_INVESTMENT"),
    ... ])
    -3100.0
    """
    total = 0.0
    for it in items:
        if it.kind == "cost":
            total -= float(it.amount)
        elif counts_in_renovation_surplus(it.source):
            total += float(it.amount)
    return total


def entity_investment(items: Iterable[RenovationItem]) -> float:
    """The implementing entity's own renovation money (source ``ENTITY_INVESTMENT``).

    >>> entity_investment([RenovationItem("own funds", "revenue", 600, "ENTITY_INVESTMENT")])
    600.0
    """
    return float(sum(it.amount for it in items
                     if it.kind == "revenue" and not counts_in_renovation_surplus(it.source)))


def operating_surpluses(items: Iterable[OperationItem], horizon: int | None = None) -> np.ndarray:
    """Sk = Rk - Ck for years 1..n (formula 2); n is the longest item or ``horizon``.

    Items shorter than n count 0 in their later years.

    Excel equivalent: ``=SUMIF(kind, "revenue", year_k) - SUMIF(kind, "cost", year_k)``.

    >>> operating_surpluses([OperationItem("rents", "revenue", [288] * 3),
    ...                      OperationItem("rent to owners", "cost", [192] * 3)]).tolist()
    [96.0, 96.0, 96.0]
    """
    rows = list(items)
    n = max((len(it.amounts) for it in rows), default=0) if horizon is None else int(horizon)
    if n < 0:
        raise RenewalInputError(f"horizon: must be 0 or more years, got {horizon}")
    sk = np.zeros(n)
    for it in rows:
        values = np.asarray(it.amounts, dtype=float)[:n]
        sign = 1.0 if it.kind == "revenue" else -1.0
        sk[: values.size] += sign * values
    return sk


@dataclass(frozen=True)
class BalanceStatus:
    """Where a project balances: code ``RENOVATION_STAGE``, ``OPERATION_YEAR`` or ``NOT_WITHIN``."""

    code: str
    year: int | None
    horizon: int

    def text(self, lang: str | None = None) -> str:
        """The status as a reviewer reads it, in Chinese or English."""
        return message("status", self.code, lang, year=self.year, horizon=self.horizon)


def balance_status(renovation_surplus: object, operating_surpluses: object,
                   rate: object = 0.0, horizon: object = None) -> BalanceStatus | list[BalanceStatus]:
    """Where the project balances: at the renovation stage (So >= 0), in
    operation year N (the year the payback falls in, ``ceil(payback)``), or
    not within its horizon. ``rate > 0`` uses the discounted balance.

    Excel equivalent: none built in.

    >>> balance_status(-3100, 348, horizon=20).text("en")
    'balanced in operation year 9'
    >>> balance_status(0, [0] * 10).text("zh")
    '改造阶段即实现平衡'
    >>> balance_status(-3100, 348, rate=0.2, horizon=20).text("en")
    'not balanced within 20 years'
    """
    years = np.atleast_1d(payback_years(renovation_surplus, operating_surpluses, rate, horizon))
    sk = np.asarray(operating_surpluses, dtype=float)
    default = sk.shape[-1] if sk.ndim else 0
    horizons = np.broadcast_to(np.asarray(default if horizon is None else horizon), years.shape)
    statuses = [
        BalanceStatus("RENOVATION_STAGE", None, int(h)) if y == 0
        else BalanceStatus("NOT_WITHIN", None, int(h)) if math.isinf(y)
        else BalanceStatus("OPERATION_YEAR", max(1, math.ceil(y - 1e-9)), int(h))
        for y, h in zip(years, horizons, strict=True)
    ]
    scalar = np.asarray(renovation_surplus).ndim == 0 and sk.ndim <= 1 and np.asarray(horizon).ndim == 0
    return statuses[0] if scalar else statuses


def package_balance(renovation_surpluses: object, operating_npvs: object = None) -> float:
    """A package's total surplus: the sum of its projects' So plus their operating NPVs.

    Fat-thin pairing (肥瘦搭配): a loss-making area and a profitable parcel
    balance together when the sum is >= 0.

    Formula: ``sum(So_i) + sum(NPV_ops_i)``.
    Excel equivalent: ``=SUM(So_range) + SUM(npv_range)``.

    >>> package_balance([-25000, 31000])
    6000.0
    >>> package_balance([-3100, 0], [3416.7, 120])
    436.7
    """
    so = as_finite("renovation_surpluses", renovation_surpluses, max_ndim=2)
    ops = 0.0 if operating_npvs is None else as_finite("operating_npvs", operating_npvs, 2).sum()
    return round(float(so.sum() + ops), 10)


@dataclass(frozen=True)
class PackageBalance:
    """A package's totals: its projects, the sum of So and the sum of NPV (So included)."""

    package_id: str
    projects: tuple[int, ...]
    renovation_surplus: float
    npv: float

    @property
    def balanced(self) -> bool:
        """Whether the package balances over the whole cycle (sum of NPV >= 0)."""
        return self.npv >= 0


def package_balances(package_ids: Sequence[str | None], renovation_surplus: object,
                     npv_values: object) -> list[PackageBalance]:
    """Group projects by package id and sum their So and NPV (fat-thin pairing).

    ``npv_values`` are each project's whole NPV (So included); projects with
    no package id are left out. Packages come in order of first appearance.

    >>> [(p.package_id, p.projects, p.renovation_surplus, p.npv, p.balanced)
    ...  for p in package_balances(["P1", "P1", None], [-500, 800, -10], [-100, 900, 5])]
    [('P1', (0, 1), 300.0, 800.0, True)]
    """
    so = as_finite("renovation_surplus", renovation_surplus, max_ndim=1)
    total = as_finite("npv", npv_values, max_ndim=1)
    if not (len(package_ids) == so.size == total.size):
        raise RenewalInputError("package_ids: must have one entry per project")
    members: dict[str, list[int]] = {}
    for i, pid in enumerate(package_ids):
        if pid:
            members.setdefault(str(pid), []).append(i)
    return [PackageBalance(pid, tuple(rows), package_balance(so[rows]),
                           package_balance(total[rows]))
            for pid, rows in members.items()]


def operating_npv(rate: object, operating_surpluses: object, horizon: object = None) -> object:
    """The NPV of the operation stage alone: ``sum Sk / (1 + rate)^k``.

    >>> round(operating_npv(0.08, 348, horizon=20), 1)
    3416.7
    """
    sk = as_finite("operating_surpluses", operating_surpluses)
    so = 0.0 if sk.ndim < 2 else np.zeros(sk.shape[0])
    return npv(rate, so, sk, horizon)
