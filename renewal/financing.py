"""Financing: debt service, debt service coverage (DSCR), bond coverage and equity IRR.

A renewal is paid for by a mix of sources (``data/financing.toml``): residents'
contributions, subsidies, the implementing entity's equity, bank loans and
local-government special bonds (专项债). The debts are repaid out of the
operating surpluses ``Sk``; lenders look at the yearly cover (DSCR), bond
reviewers at the cover over the bond's life (本息覆盖倍数), and the entity at the
return on its own money (the equity IRR), not the project's.

Vectorised over loans and projects like :mod:`renewal.cashflow`: one loan (or
project) gives a row of years, many give one row each, shorter schedules
padded with zeros. Payments are positive amounts paid at the end of each year.
Bad input raises :class:`~renewal.errors.RenewalInputError` naming the argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from renewal import returns
from renewal.errors import RenewalInputError
from renewal.inputs import as_finite, as_rate, as_years
from renewal.language import Text, check_lang, load_data

ANNUITY, EQUAL_PRINCIPAL, BULLET = "annuity", "equal_principal", "bullet"


@cache
def _data() -> dict[str, Any]:
    return load_data("renewal", "financing.toml")


def source_kinds() -> tuple[str, ...]:
    """Codes of the kinds of financing sources.

    >>> source_kinds()
    ('RESIDENTS', 'SUBSIDY', 'ENTITY_EQUITY', 'BANK_LOAN', 'SPECIAL_BOND')
    """
    return tuple(row["code"] for row in _data()["kind"])


def debt_kinds() -> tuple[str, ...]:
    """The kinds that are debt, repaid with interest out of the operating surpluses.

    >>> debt_kinds()
    ('BANK_LOAN', 'SPECIAL_BOND')
    """
    return tuple(row["code"] for row in _data()["kind"] if row["debt"])


def repayment_methods() -> tuple[str, ...]:
    """Codes of the repayment methods.

    >>> repayment_methods()
    ('annuity', 'equal_principal', 'bullet')
    """
    return tuple(row["code"] for row in _data()["method"])


def financing_name(table: str, code: str, lang: str | None = None) -> str:
    """The Chinese or English name of a source kind (``table="kind"``) or method (``"method"``).

    >>> financing_name("kind", "SPECIAL_BOND", "zh"), financing_name("method", "bullet", "en")
    ('地方政府专项债', 'bullet (interest yearly, principal at maturity)')
    """
    row: dict[str, str] = next((r for r in _data()[table] if r["code"] == code), {})
    return str(row.get(f"name_{check_lang(lang)}", code))


@dataclass(frozen=True)
class FinancingSource:
    """One source of the renovation money (a row of the Financing sheet).

    ``rate``, ``term``, ``grace_years`` and ``method`` matter for debt only.
    """

    item: str
    kind: str
    amount: float
    rate: float | None = None
    term: int | None = None
    grace_years: int | None = None
    method: str | None = None
    note: str = ""

    @property
    def is_debt(self) -> bool:
        """Whether the source is repaid with interest (a loan or a bond)."""
        return self.kind in debt_kinds()


@dataclass(frozen=True)
class CoverageMinimum:
    """The smallest acceptable bond coverage ratio, and where the figure comes from."""

    minimum: float
    source: Text


def coverage_minimum() -> CoverageMinimum:
    """The default minimum coverage ratio (common practice, not law) and its source.

    >>> coverage_minimum().minimum
    1.2
    """
    row = _data()["coverage"]
    return CoverageMinimum(float(row["minimum"]), Text.of(row, "source"))


def sources_uses_tolerance() -> float:
    """How far the sources may differ from the uses (万元) and still count as equal: rounding.

    >>> sources_uses_tolerance()
    0.5
    """
    return float(_data()["sources_uses"]["tolerance"])


@dataclass(frozen=True)
class Schedule:
    """Interest and principal paid in years 1..N, one row per loan (``(P, N)``), or a row for one."""

    interest: np.ndarray
    principal: np.ndarray

    @property
    def payment(self) -> np.ndarray:
        """Interest plus principal: the debt service of each year."""
        payment: np.ndarray = self.interest + self.principal
        return payment


def _methods(method: object, size: int) -> np.ndarray:
    """The method of each loan: one text for all, or one per loan; empty means annuity."""
    items = [method] if method is None or isinstance(method, str) else list(np.ravel(np.asarray(method,
                                                                                              dtype=object)))
    codes = []
    for item in items:
        code = ANNUITY if item is None or (isinstance(item, str) and not item.strip()) else item
        if not isinstance(code, str) or code.strip().lower() not in repayment_methods():
            raise RenewalInputError(
                f"method: unknown repayment method {item!r}; one of {', '.join(repayment_methods())}")
        codes.append(code.strip().lower())
    if len(codes) not in (1, size):
        raise RenewalInputError(f"method: has {len(codes)} methods but there are {size} loans")
    return np.broadcast_to(np.array(codes, dtype=object), (size,))


def debt_schedule(amount: object, rate: object, term: object, grace_years: object = 0,
                  method: object = ANNUITY) -> Schedule:
    """Yearly interest and principal of a loan or bond, years 1..grace+term.

    Formula, with amount ``A``, rate ``r``, term ``T`` and ``g`` grace years,
    ``j = k - g`` the repayment year of year ``k``:

    * grace years (``k <= g``): interest ``r A``, no principal;
    * ``annuity`` (等额本息, level payments): payment ``P = A r / (1 - (1+r)^-T)``
      (``A / T`` at ``r = 0``), principal ``P / (1+r)^(T-j+1)``, interest the rest;
    * ``equal_principal`` (等额本金): principal ``A / T``, interest
      ``r A (1 - (j-1)/T)`` on the balance still owed;
    * ``bullet`` (按年付息、到期还本, as special bonds usually are): interest ``r A``
      every year, principal ``A`` in the last year.

    Excel equivalent (annuity): ``=-PMT(r, T, A)``, ``=-IPMT(r, j, T, A)`` and
    ``=-PPMT(r, j, T, A)`` (Excel's signs: money paid is negative);
    numpy-financial: ``npf.pmt``, ``npf.ipmt``, ``npf.ppmt``. The other methods
    have none built in.

    ``amount``, ``rate``, ``term``, ``grace_years``: one number, or one per loan
    (``(P,)``); ``method``: one code, or one per loan. One loan gives rows of
    shape ``(g + T,)``, many give ``(P, max(g + T))``, zero-padded.

    >>> s = debt_schedule(2000, 0.042, 10, method="equal_principal")
    >>> s.interest[:3].round(1).tolist(), s.principal[:3].tolist()
    ([84.0, 75.6, 67.2], [200.0, 200.0, 200.0])
    >>> debt_schedule(1000, 0.03, 3, grace_years=1, method="bullet").payment.tolist()
    [30.0, 30.0, 30.0, 1030.0]
    """
    a = as_finite("amount", amount, max_ndim=1)
    if (a < 0).any():
        raise RenewalInputError(f"amount: must be 0 or more, got {a[a < 0].flat[0]}")
    r = as_rate("rate", rate)
    t = as_years("term", term)
    if (t == 0).any():
        raise RenewalInputError("term: must be at least 1 year to repay a debt, got 0")
    g = as_years("grace_years", grace_years)
    scalar = all(x.ndim == 0 for x in (a, r, t, g)) and (method is None or isinstance(method, str))
    try:
        a, r, t, g = (np.atleast_1d(x) for x in np.broadcast_arrays(a, r, t, g))
    except ValueError:
        raise RenewalInputError(
            "amount: amount, rate, term and grace_years must have one value, or one per loan") from None
    methods = _methods(method, a.size)
    if a.size != methods.size:
        a, r, t, g = (np.broadcast_to(x, methods.shape) for x in (a, r, t, g))
    years = np.arange(1, int((g + t).max()) + 1)[None, :]
    a, r, t, g = (x[:, None].astype(float) for x in (a, r, t, g))
    j = years - g  # repayment year: <= 0 in grace, > T after the end
    repaying = (j >= 1) & (j <= t)
    interest_only = np.where(j <= t, r * a, 0.0)  # grace years, and every year of a bullet
    # Annuity: P / (1+r)^(T-j+1) of principal; 1 - (1+r)^-T as -expm1(-T log1p(r)), exact near r = 0.
    with np.errstate(divide="ignore", invalid="ignore"):
        level = np.where(r == 0, a / t, a * (r / -np.expm1(-t * np.log1p(r))))
        annuity_principal = level * np.exp(-(t - j + 1) * np.log1p(r))
    kind = methods[:, None]
    principal = np.select([kind == ANNUITY, kind == EQUAL_PRINCIPAL],
                          [annuity_principal, np.broadcast_to(a / t, j.shape)], np.where(j == t, a, 0.0))
    principal = np.where(repaying, principal, 0.0)
    interest = np.select(
        [kind == ANNUITY, kind == EQUAL_PRINCIPAL],
        [level - annuity_principal, r * a * (1.0 - (j - 1) / t)], interest_only)
    interest = np.where(repaying, interest, np.where(j <= 0, r * a, 0.0))
    if scalar:
        return Schedule(interest[0], principal[0])
    return Schedule(interest, principal)


def debt_service(amount: object, rate: object, term: object, grace_years: object = 0,
                 method: object = ANNUITY) -> np.ndarray:
    """The yearly payments (interest + principal) of a loan or bond, years 1..grace+term.

    Formula: :func:`debt_schedule`'s interest plus principal; in grace years
    only interest is paid.

    Excel equivalent (annuity, no grace): ``=-PMT(rate, term, amount)`` each
    year; numpy-financial: ``-npf.pmt(rate, term, amount)``.

    The issue's figures: 2,000 at 4.2% over 10 years:

    >>> round(float(debt_service(2000, 0.042, 10)[0]), 3)
    249.043
    >>> debt_service(2000, 0.042, 10, method="equal_principal")[:3].round(1).tolist()
    [284.0, 275.6, 267.2]
    >>> round(float(debt_service(2000, 0.042, 10, method="equal_principal").sum()), 1)
    2462.0
    """
    return debt_schedule(amount, rate, term, grace_years, method).payment


def _rows(name: str, values: object) -> np.ndarray:
    """Years as a (P, N) matrix: a row for one project, one row per project for many."""
    arr = as_finite(name, values, max_ndim=2)
    return np.atleast_2d(arr) if arr.ndim else arr.reshape(1, 1)


def _aligned(operating_surpluses: object, debt_service: object) -> tuple[np.ndarray, np.ndarray, bool]:
    """Sk and the debt service as (P, N) on the same years: the shorter padded with zeros.

    One number of Sk means the same surplus in every year of the debt service.
    """
    sk_in = as_finite("operating_surpluses", operating_surpluses, max_ndim=2)
    ds = _rows("debt_service", debt_service)
    if (ds < 0).any():
        raise RenewalInputError(f"debt_service: must be 0 or more, got {ds[ds < 0].flat[0]}")
    sk = np.full((1, ds.shape[1]), float(sk_in)) if sk_in.ndim == 0 else _rows("operating_surpluses", sk_in)
    if sk.shape[0] != ds.shape[0] and 1 not in (sk.shape[0], ds.shape[0]):
        raise RenewalInputError(
            f"debt_service: has {ds.shape[0]} rows but operating_surpluses has {sk.shape[0]} "
            "(one row of years per project)")
    n = max(sk.shape[1], ds.shape[1])
    sk = np.pad(sk, ((0, 0), (0, n - sk.shape[1])))
    ds = np.pad(ds, ((0, 0), (0, n - ds.shape[1])))
    sk, ds = np.broadcast_arrays(sk, ds)
    one = (sk_in.ndim <= 1) and np.asarray(debt_service).ndim <= 1
    return sk, ds, one


def dscr(operating_surpluses: object, debt_service: object) -> np.ndarray:
    """Each year's debt service coverage ratio: Sk / debt service.

    Formula: ``DSCR_k = Sk / DS_k`` for the years with debt service
    (``DS_k > 0``); NaN in the others. Years beyond the shorter of the two rows
    count 0 (a debt still served after the last surplus has DSCR 0).

    Excel equivalent: none built in (``=S1/D1`` filled right).

    >>> dscr(348, debt_service(2000, 0.042, 10))[:2].round(4).tolist()
    [1.3973, 1.3973]
    >>> dscr([100, 100, 100], [50, 0]).tolist()
    [2.0, nan, nan]
    """
    sk, ds, one = _aligned(operating_surpluses, debt_service)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(ds > 0, sk / ds, np.nan)
    return ratio[0] if one else ratio


def min_dscr(operating_surpluses: object, debt_service: object) -> float | np.ndarray:
    """The smallest DSCR over the years with debt service; NaN when no debt is served.

    Formula: ``min_k Sk / DS_k`` over the years with ``DS_k > 0``.

    Excel equivalent: none built in (``=MIN`` over a row of DSCRs).

    Jinsong North, Sk 348 against a 2,000 loan at 4.2% over 10 years:

    >>> round(min_dscr(348, debt_service(2000, 0.042, 10)), 4)
    1.3973
    >>> round(min_dscr(348, debt_service(2000, 0.042, 10, method="equal_principal")), 4)
    1.2254
    """
    sk, ds, one = _aligned(operating_surpluses, debt_service)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(ds > 0, sk / ds, np.inf)
    smallest = ratio.min(axis=1)
    smallest = np.where(np.isinf(smallest), np.nan, smallest)
    return float(smallest[0]) if one else smallest


def coverage_ratio(operating_surpluses: object, debt_service: object,
                   years: object = None) -> float | np.ndarray:
    """The bond's coverage ratio (本息覆盖倍数): surpluses over its life / its principal and interest.

    Formula: ``sum_{k<=n} Sk / sum_{k<=n} DS_k``, with ``n = years``, by default
    the last year with debt service (the bond's life). NaN when there is no
    debt service within those years.

    Excel equivalent: none built in (``=SUM(S1:Sn)/SUM(D1:Dn)``).

    348 a year for 10 years against a 1,000 bullet bond at 3.0%:

    >>> round(coverage_ratio(348, debt_service(1000, 0.03, 10, method="bullet")), 3)
    2.677
    """
    sk, ds, one = _aligned(operating_surpluses, debt_service)
    year = np.arange(1, ds.shape[1] + 1)
    if years is None:
        served = ds > 0
        n = np.where(served.any(axis=1), ds.shape[1] - np.argmax(served[:, ::-1], axis=1), 0)
    else:
        n = np.broadcast_to(as_years("years", years), (ds.shape[0],))
    within = year[None, :] <= n[:, None]
    owed = np.where(within, ds, 0.0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(owed > 0, np.where(within, sk, 0.0).sum(axis=1) / owed, np.nan)
    return float(ratio[0]) if one else ratio


def equity_irr(equity: object, operating_surpluses: object, debt_service: object,
               horizon: object = None, guess: object = None) -> float | np.ndarray:
    """The IRR of the flows to equity: ``-equity``, then ``Sk - DS_k`` each year.

    Formula: solve ``-E + sum_k (Sk - DS_k) / (1 + r)^k = 0``, by
    :func:`renewal.returns.irr` (the same rule as ``RENEWAL_IRR``). The years
    run to ``horizon`` (default: the last year given), and on to the last year
    of debt service if that is later: a debt is served even after the last
    surplus counted. NaN where there is no IRR.

    Excel equivalent: ``=IRR({-E, S1-D1, ..., Sn-Dn}, guess)``.

    Jinsong North: the entity's 3,100 is 1,100 of equity and a 2,000 annuity
    loan at 4.2% over 10 years; 20 years of 348:

    >>> round(equity_irr(1100, 348, debt_service(2000, 0.042, 10), horizon=20), 4)
    0.1293
    >>> round(equity_irr(3100, 348, [0], horizon=20), 4)  # all equity: the project IRR
    0.0935
    """
    e = as_finite("equity", equity, max_ndim=1)
    if (e < 0).any():
        raise RenewalInputError(f"equity: must be 0 or more, got {e[e < 0].flat[0]}")
    h = None if horizon is None else as_years("horizon", horizon)
    sk_in = as_finite("operating_surpluses", operating_surpluses, max_ndim=2)
    if sk_in.ndim == 0:
        if h is None:
            raise RenewalInputError("horizon: is required when operating_surpluses is a single number "
                                    "(the same surplus every year)")
        sk_in = np.full((int(h.max(initial=0)),), float(sk_in))
    sk, ds, one = _aligned(sk_in, debt_service)
    n = sk.shape[1]
    within = np.arange(1, n + 1)[None, :] <= (n if h is None else np.broadcast_to(h, (sk.shape[0],))[:, None])
    flows = np.where(within, sk, 0.0) - ds
    served = ds > 0
    last_service = np.where(served.any(axis=1), n - np.argmax(served[:, ::-1], axis=1), 0)
    years = np.maximum(np.full(sk.shape[0], n) if h is None else np.broadcast_to(h, (sk.shape[0],)),
                       last_service)
    options = {} if guess is None else {"guess": guess}
    result = returns.irr(-np.broadcast_to(e, (sk.shape[0],)), flows, years, **options)
    result = np.atleast_1d(result)
    return float(result[0]) if one and e.ndim == 0 else result
