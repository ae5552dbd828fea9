"""Rates of return of the two-stage flows: IRR as Excel computes it, every IRR, and MIRR.

The flows are ``So`` at t = 0 and ``S1..Sn`` at the ends of years 1..n, as in
:mod:`renewal.cashflow` (one project, or many at once: So (P,), Sk (P, N),
``horizon`` (P,)). A year inside the horizon with no surplus is a year of 0: it
counts in t (the model is yearly). Excel's ``IRR``, ``MIRR`` and ``NPV`` skip a
*blank* cell instead, so on a range with blank cells between values the results
differ (for -100 then 60, blank, 60: Excel's IRR 13.07%, ours 9.78%, the IRR of
-100, 60, 0, 60). On a range with no blanks (0 typed, or formula-filled) they
agree: the templates fill every year with a formula.

"No IRR" and "no MIRR" are ``nan``; bad input raises
:class:`~renewal.errors.RenewalInputError` naming the argument.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from renewal.errors import RenewalInputError
from renewal.inputs import Flows, as_finite, as_flows, as_rate
from renewal.language import message

EXCEL_ITERATIONS = 20
"""Excel's IRR gives up (``#NUM!``) after this many Newton steps."""
EXCEL_TOLERANCE = 1e-7
"""Excel's IRR has converged when a Newton step moves the rate by less than this."""
_WINDOW = 1e-6
"""Polishing keeps Excel's root: it may move 1/(1+r) by at most this share."""
_CHUNK = 16384


def excel_irr(values: Sequence[float], guess: float = 0.1) -> float:
    """Excel's ``IRR(values, guess)``, step for step: the number Excel shows, ``nan`` for ``#NUM!``.

    Formula (Excel's documented rule, as LibreOffice Calc's ``IRR`` implements
    it): ``x = guess`` (a guess of exactly -1 starts at 0.1); repeat at most 20
    times ``x <- x - f(x) / f'(x)`` with ``f(x) = sum_t v_t / (1 + x)^t`` and
    ``f'(x) = sum_t -t v_t / (1 + x)^(t + 1)``, t = 0, 1, ... over ``values``;
    stop when the step is at most 1e-7 (or not a number). The answer is the last
    ``x`` if that step was below 1e-7, else ``#NUM!``. ``values`` are what Excel
    reads: blank cells already left out. (LibreOffice also shows exactly 0 for an
    answer within 1e-7 of 0 when the guess is 0; that is not done here.)

    Excel equivalent: ``=IRR(values, guess)``. This is the plain rule, used for
    the native half of the templates' check block; :func:`irr` follows it and
    then solves the root it reached to full precision.

    >>> round(excel_irr([-70000, 12000, 15000, 18000, 21000, 26000]), 6)
    0.086631
    >>> round(excel_irr([-1000, 2100, -1100]), 6), round(excel_irr([-1000, 2100, -1100], 0.0), 6)
    (0.1, 0.0)
    >>> excel_irr([-100, 0, 0, 1])
    nan
    """
    x = 0.1 if guess == -1 else float(guess)
    step = math.inf
    for _ in range(EXCEL_ITERATIONS):
        if not step > EXCEL_TOLERANCE:
            break
        nom = denom = 0.0
        try:
            for t, v in enumerate(values):
                nom += v / (1.0 + x) ** t
                denom += -t * v / (1.0 + x) ** (t + 1)
            x_new = x - nom / denom
        except (ZeroDivisionError, OverflowError):
            return math.nan
        step = abs(x_new - x)
        x = x_new
    return x if step < EXCEL_TOLERANCE else math.nan


def _horner(coefficients: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """p(z) = sum_j a_j z^j and p'(z), row by row; coefficients (P, M) lowest power first."""
    p = coefficients[:, -1].copy()
    dp = np.zeros_like(p)
    for j in range(coefficients.shape[1] - 2, -1, -1):
        dp = dp * z + p
        p = p * z + coefficients[:, j]
    return p, dp


def _horner_one(row: list[float], z: float) -> tuple[float, float]:
    """:func:`_horner` for one row of plain floats: the same operations, so the same bits."""
    p, dp = row[-1], 0.0
    for a in reversed(row[:-1]):
        dp = dp * z + p
        p = p * z + a
    return p, dp


def _refine(coefficients: np.ndarray, lo: np.ndarray, hi: np.ndarray,
            positive_lo: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Each row's root of p in the bracket [lo, hi], by safeguarded Newton.

    ``p(lo) > 0`` where ``positive_lo`` and ``p(hi)`` has the other sign; a
    Newton step that leaves the bracket is replaced by bisection, so every row
    converges. Converged rows leave the working set.
    """
    root = z.copy()
    if not z.size:
        return root
    todo = np.arange(z.size)
    step_before = hi - lo
    step = step_before.copy()
    for _ in range(200):
        p, dp = _horner(coefficients, z)
        below = (p > 0) == positive_lo
        lo = np.where(below, z, lo)
        hi = np.where(below, hi, z)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = z - p / dp
        tol = 4 * np.finfo(float).eps * np.abs(z)
        # Newton inside the bracket, and at least halving the step of two
        # iterations ago (else bisect: Numerical Recipes' rtsafe rule).
        fast = np.abs(newton - z) <= 0.5 * np.abs(step_before)
        inside = ((newton > lo) & (newton < hi) & fast) | (np.abs(newton - z) <= tol)
        nxt = np.where(p == 0, z, np.where(inside, newton, 0.5 * (lo + hi)))
        root[todo] = nxt
        step_before, step = step, nxt - z
        going = np.abs(nxt - z) > tol
        if not going.any():
            break
        todo, coefficients, positive_lo = todo[going], coefficients[going], positive_lo[going]
        lo, hi, z = lo[going], hi[going], nxt[going]
        step_before, step = step_before[going], step[going]
    return root


def _from_first_nonzero(rows: np.ndarray) -> np.ndarray:
    """Each row shifted left past its leading zeros, zero-filled at the end."""
    cols = np.arange(rows.shape[1])
    index = np.argmax(rows != 0, axis=1)[:, None] + cols
    return np.where(index < rows.shape[1],
                    np.take_along_axis(rows, np.minimum(index, rows.shape[1] - 1), axis=1), 0.0)


def _first_nonzero(rows: np.ndarray) -> np.ndarray:
    """Each row's first non-zero value (0 for an all-zero row)."""
    return np.take_along_axis(rows, np.argmax(rows != 0, axis=1)[:, None], 1)[:, 0]


def sign_changes(cash: np.ndarray) -> np.ndarray:
    """Sign changes along each row of flows, zeros skipped (Descartes: at most that many IRRs).

    >>> sign_changes(np.array([[-100, 60, 0, 60], [-1000, 2100, -1100, 0]])).tolist()
    [1, 2]
    """
    signs = np.sign(np.asarray(cash, dtype=float))
    cols = np.where(signs != 0, np.arange(signs.shape[1]), 0)
    carried = np.take_along_axis(signs, np.maximum.accumulate(cols, axis=1), axis=1)
    return (carried[:, 1:] * carried[:, :-1] < 0).sum(axis=1)


def _cash(flows: Flows) -> np.ndarray:
    """So and Sk as one (P, N + 1) matrix, t = 0..N; zeros beyond each horizon."""
    return np.concatenate([flows.renovation[:, None], flows.operating], axis=1)


def _excel_newton(cash: np.ndarray, guess: np.ndarray) -> np.ndarray:
    """Excel's IRR rule (:func:`excel_irr`) on every row at once; ``nan`` where Excel shows ``#NUM!``.

    f and f' are evaluated by Horner's rule in v = 1/(1+x): ``f = p(v)``,
    ``f' = -v^2 p'(v)`` with ``p(v) = sum_t c_t v^t``. Rows leave the working
    set once their step is at most 1e-7.
    """
    x = np.where(guess == -1, 0.1, guess).astype(float)
    result = np.full(x.size, np.nan)
    todo = np.arange(x.size)
    with np.errstate(all="ignore"):
        for _ in range(EXCEL_ITERATIONS):
            v = 1.0 / (1.0 + x)
            p, dp = _horner(cash, v)
            x_new = x - p / (-v * v * dp)
            step = np.abs(x_new - x)
            done = ~(step > EXCEL_TOLERANCE)
            settled = done & (step < EXCEL_TOLERANCE)
            result[todo[settled]] = x_new[settled]
            going = ~done
            if not going.any():
                break
            todo, cash, x = todo[going], cash[going], x_new[going]
    return result


def _polish(cash: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """The root Excel's rule reached, to full precision: Newton on p(v), v = 1/(1+r).

    A row keeps Excel's value where Newton would leave the window of relative
    width 1e-6 around it (a root where the NPV only touches 0). A root within
    that window of 0 where the NPV at 0 is exactly 0 is exactly 0 (in v = 1/(1+r)
    the last digit of v would show as 2e-16).
    """
    at_zero = (_horner(cash, np.ones(rate.size))[0] == 0) & (np.abs(rate) <= _WINDOW)
    with np.errstate(all="ignore"):
        start = 1.0 / (1.0 + rate)
        v = start.copy()
        for _ in range(8):
            p, dp = _horner(cash, v)
            step = np.where(p == 0, 0.0, p / dp)
            v = v - step
            if not (np.abs(step) > 4 * np.finfo(float).eps * np.abs(v)).any():
                break
        kept = np.abs(v - start) <= _WINDOW * np.abs(start)
        return np.where(at_zero, 0.0, np.where(kept, 1.0 / v - 1.0, rate))


def _polish_one(row: list[float], rate: float) -> float:
    """:func:`_polish` for one row of plain floats."""
    if _horner_one(row, 1.0)[0] == 0 and abs(rate) <= _WINDOW:
        return 0.0
    start = v = 1.0 / (1.0 + rate)
    for _ in range(8):
        p, dp = _horner_one(row, v)
        if p == 0 or dp == 0:
            break
        step = p / dp
        v -= step
        if abs(step) <= 4 * 2.220446049250313e-16 * abs(v):
            break
    return 1.0 / v - 1.0 if abs(v - start) <= _WINDOW * abs(start) else rate


def _unique_root(cash: np.ndarray) -> np.ndarray:
    """The one IRR of rows whose flows change sign once (``nan`` for other rows).

    r >= 0 is sought as x = 1/(1+r) in (0, 1] on p(x) = sum c_t x^t; r < 0 as
    y = 1+r in (0, 1) on the reversed polynomial; the side follows from the NPV
    at r = 0. Both stay within (0, 1], so nothing overflows whatever the
    horizon; the bracket makes the safeguarded Newton of :func:`_refine` converge.
    """
    result = np.full(cash.shape[0], np.nan)
    # Leading zeros multiply p(x) by x^m, trailing zeros (years beyond a
    # horizon) the reversed p(y) by y^k: neither adds a root in (0, 1], but
    # both slow Newton down, so each row is shifted to start at a non-zero.
    one = sign_changes(cash) == 1
    cash, rev = _from_first_nonzero(cash), _from_first_nonzero(cash[:, ::-1])
    first, last, total = _first_nonzero(cash), _first_nonzero(rev), cash.sum(axis=1)
    result[one & (total == 0)] = 0.0
    above = np.flatnonzero(one & (np.sign(total) == -np.sign(first)))
    below = np.flatnonzero(one & (np.sign(total) == np.sign(first)))
    x = _refine(cash[above], np.zeros(above.size), np.ones(above.size), first[above] > 0,
                np.full(above.size, 1 / 1.1))
    y = _refine(rev[below], np.zeros(below.size), np.ones(below.size), last[below] > 0,
                np.full(below.size, 0.9))
    result[above], result[below] = 1.0 / x - 1.0, y - 1.0
    return result


def _irr_rows(cash: np.ndarray, guess: np.ndarray) -> np.ndarray:
    """IRR of each row of flows (t = 0..N) by the rule :func:`irr` documents."""
    reached = _excel_newton(cash, guess)
    ok = np.flatnonzero(~np.isnan(reached))
    result = np.full(cash.shape[0], np.nan)
    result[ok] = _polish(cash[ok], reached[ok])
    failed = np.flatnonzero(np.isnan(reached))
    result[failed] = _unique_root(cash[failed])
    return result


def _plain_one(renovation_surplus: object, operating_surpluses: object, horizon: object,
               guess: object) -> list[float] | None:
    """One project's flows So, S1..Sn as plain floats when given as plain finite numbers, else None.

    The fast path of a cell formula: no arrays for one short row. Anything else
    (arrays, several projects, bad input) takes the general path, which checks it.
    """
    plain = (float, int)
    if (type(renovation_surplus) not in plain or type(guess) not in plain
            or type(operating_surpluses) not in (list, tuple)
            or not all(type(v) in plain for v in operating_surpluses)):
        return None
    n = len(operating_surpluses)
    if horizon is not None:
        if type(horizon) not in plain or not 0 <= horizon <= n or horizon != int(horizon):
            return None
        n = int(horizon)
    cash = [float(renovation_surplus), *map(float, operating_surpluses[:n])]
    return cash if all(map(math.isfinite, cash)) and math.isfinite(guess) else None


def _irr_one(cash: list[float], guess: float) -> float:
    """:func:`_irr_rows` for one project in plain floats: the same steps, so the same root."""
    x = 0.1 if guess == -1 else float(guess)
    for _ in range(EXCEL_ITERATIONS):
        try:
            v = 1.0 / (1.0 + x)
            p, dp = _horner_one(cash, v)
            x_new = x - p / (-v * v * dp)
        except (ZeroDivisionError, OverflowError):
            break
        step = abs(x_new - x)
        if not step > EXCEL_TOLERANCE:
            if step < EXCEL_TOLERANCE:
                return _polish_one(cash, x_new)
            break
        x = x_new
    return float(_unique_root(np.array([cash]))[0])


def irr(renovation_surplus: object, operating_surpluses: object,
        horizon: object = None, guess: object = 0.1) -> float | np.ndarray:
    """Internal rate of return: the rate Excel's ``IRR`` reaches, to full precision.

    Formula: a root r of ``So + sum_{k=1..n} Sk / (1 + r)^k = 0`` (a year with
    no surplus counts as 0), chosen as Excel chooses it:

    * Excel's documented rule from ``guess`` (default 0.1), as in
      :func:`excel_irr`: Newton's method, at most 20 steps, converged when a
      step is below 1e-7. Where it converges, the root it reached is solved to
      full double precision (Newton on the NPV polynomial, staying at that
      root), so wherever Excel shows a number this is the same root.
    * Where Excel's rule fails (Excel: ``#NUM!``) and the flows change sign
      exactly once, there is exactly one IRR, and it is returned (bracketed and
      solved by safeguarded Newton). This is the one place where this function
      deliberately differs from Excel: Excel shows ``#NUM!`` for 27% of such
      loss-making projects.
    * Where Excel's rule fails and the flows change sign more than once (or
      never): ``nan`` (Excel: ``#NUM!``).

    With several sign changes a flow may have several IRRs; this is the one
    Excel's rule reaches from ``guess``: see :func:`irrs` for all of them, and
    read the NPV or :func:`mirr` instead. Excel's rule may also settle on a
    root below -100% (1 + r < 0, no economic meaning), even where the flows
    change sign once: -70,000, 12,000, 15,000 gives -138.5% from 10% (Microsoft's
    help page passes a guess of -10% to get -44.4%). Excel shows that number,
    and so does this function; :func:`irrs` lists only rates above -100%.

    Excel equivalent: ``=IRR({So, S1, ..., Sn}, guess)`` on a range without
    blank cells (Excel skips a blank cell; here it is a year of 0).

    Excel's documented example, and Jinsong North:

    >>> round(irr(-70000, [12000, 15000, 18000, 21000, 26000]), 4)
    0.0866
    >>> round(irr(-3100, 348, horizon=20), 6)
    0.093457
    >>> irr(-1000, [2100, -1100]), irr(-1000, [2100, -1100], guess=-0.05)
    (0.1, 0.0)
    >>> round(irr(-70000, [12000, 15000]), 3), round(irr(-70000, [12000, 15000], guess=-0.1), 3)
    (-1.385, -0.444)
    >>> irr(100, [10, 10])
    nan

    Many projects at once (So (P,), Sk (P, N); ``guess`` one, or one per project):

    >>> irr([-100, -100], [[60, 60], [110, 0]]).round(4).tolist()
    [0.1307, 0.1]
    """
    cash = _plain_one(renovation_surplus, operating_surpluses, horizon, guess)
    if cash is not None:
        return _irr_one(cash, guess)
    flows = as_flows(renovation_surplus, operating_surpluses, horizon)
    start = as_finite("guess", guess, max_ndim=1)
    if start.size not in (1, flows.renovation.size):
        raise RenewalInputError(f"guess: has {start.size} values but there are {flows.renovation.size} projects")
    start = np.broadcast_to(start, flows.renovation.shape)
    cash_rows = _cash(flows)
    result = np.full(cash_rows.shape[0], np.nan)
    for begin in range(0, cash_rows.shape[0], _CHUNK):
        rows = slice(begin, begin + _CHUNK)
        result[rows] = _irr_rows(cash_rows[rows], start[rows])
    return flows.out(result)


def _real_roots(row: np.ndarray) -> list[float]:
    """Every rate r > -1 where the NPV of ``row`` (t = 0..N) changes sign, ascending."""
    z = np.roots(row[::-1])  # p(z) = sum c_t z^t, z = 1/(1+r); np.roots drops leading/trailing zeros
    z = np.sort(z[(np.abs(z.imag) <= 1e-7 * np.abs(z)) & (z.real > 0)].real)
    coefficients = row[None, :]
    found: list[float] = []
    for candidate in z:
        lo, hi = candidate * (1 - _WINDOW), candidate * (1 + _WINDOW)
        p_lo, p_hi = (float(_horner(coefficients, np.array([b]))[0][0]) for b in (lo, hi))
        if p_lo * p_hi > 0:
            continue  # the NPV touches 0 without crossing, or the eigenvalue is not a root
        root = float(_refine(coefficients, np.array([lo]), np.array([hi]), np.array([p_lo > 0]),
                             np.array([candidate]))[0]) if p_lo * p_hi < 0 else (lo if p_lo == 0 else hi)
        rate = 1.0 / root - 1.0
        if not found or not math.isclose(rate, found[-1], rel_tol=1e-9, abs_tol=1e-12):
            found.append(rate)
    return sorted(found)


def irrs(renovation_surplus: object, operating_surpluses: object,
         horizon: object = None) -> list[float] | list[list[float]]:
    """Every IRR above -100% of a project's flows, ascending: the rates where its NPV changes sign.

    Formula: the real roots z in (0, inf) of ``p(z) = So + sum_k Sk z^k``
    (z = 1/(1 + r)), as eigenvalues of its companion matrix (``numpy.roots``),
    each kept only where p changes sign within a relative 1e-6 of it, then
    solved to full precision by safeguarded Newton in that bracket. With no
    sign change in the flows the list is empty; with one it has exactly one
    rate (Descartes' rule of signs); with several it may have up to that many.

    Limits: a root where the NPV touches 0 without crossing (an even
    multiple root) is not listed; two IRRs closer than about 1e-6 of each other
    in 1/(1 + r) may come out of the eigenvalues as a complex pair and be
    missed, or be listed once; IRRs above about 1e7 or within 1e-7 of -100%
    lose digits. Years of no surplus count as 0, as in :func:`irr`.

    Excel equivalent: none (Excel's ``IRR`` gives one root, from a guess).

    Example 2 of issue 11, and an ordinary project:

    >>> [round(r, 6) for r in irrs(-1000, [2100, -1100])]
    [0.0, 0.1]
    >>> [round(r, 6) for r in irrs(-3100, 348, horizon=20)]
    [0.093457]
    >>> irrs([-100, 100], [[60, 60], [10, 10]])
    [[0.1306623862918075], []]
    """
    flows = as_flows(renovation_surplus, operating_surpluses, horizon)
    cash = _cash(flows)
    changes = sign_changes(cash)
    unique = np.full(changes.size, np.nan)
    unique[changes == 1] = _unique_root(cash[changes == 1])
    found = [[] if c == 0 else [float(u)] if c == 1 else _real_roots(row)
             for row, c, u in zip(cash, changes, unique, strict=True)]
    return found[0] if flows.scalar else found


def irrs_note(rates: Sequence[float], lang: str | None = None, shown: float | None = None) -> str:
    """What a reader should know about a project's IRRs (:func:`irrs`): the warning where
    there are several, listing them and pointing to NPV and MIRR; else a short note.
    ``shown``: the rate Excel's rule reaches (:func:`irr`); where it is none of ``rates``
    (Excel's Newton may settle below -100%), the note says so.

    >>> irrs_note([0.0, 0.1], "en")[:60]
    'Caution: the flows change sign more than once and have sever'
    >>> "(0.00%, 10.00%)" in irrs_note([0.0, 0.1], "en"), irrs_note([0.09345]), irrs_note([], "en")
    (True, '内部收益率唯一（9.35%）', 'no IRR: read the NPV')

    Flows whose one IRR is -45%, where Excel's rule from 0.1 reaches -100.04%:

    >>> flows = (-14268, [7842, 3])
    >>> irrs_note(irrs(*flows), "en", shown=irr(*flows))[:80]
    "one IRR (-45.00%); note: Excel's IRR rule (which RENEWAL_IRR follows) settles at"
    >>> "-100.04%" in irrs_note(irrs(*flows), "en", shown=irr(*flows))
    True
    """
    key = {0: "no_irr", 1: "one_irr"}.get(len(rates), "several_irrs")
    note = message("returns", key, lang, irrs=", ".join(f"{r:.2%}" for r in rates))
    if shown is not None and np.isfinite(shown) and not any(np.isclose(shown, r, rtol=1e-6, atol=1e-9)
                                                            for r in rates):
        note += message("returns", "other_root", lang, shown=f"{shown:.2%}")
    return note


def mirr(renovation_surplus: object, operating_surpluses: object, finance_rate: object,
         reinvest_rate: object, horizon: object = None) -> float | np.ndarray:
    """Modified internal rate of return: Excel's ``MIRR`` of So, S1..Sn.

    Formula: with n + 1 flows c_0 = So, c_k = Sk (k = 1..n; a year with no
    surplus counts as 0), ``FV+ = sum_{c_t > 0} c_t (1 + reinvest_rate)^(n - t)``
    (the surpluses reinvested to year n) and ``PV- = sum_{c_t < 0} c_t / (1 +
    finance_rate)^t`` (the deficits financed, at t = 0):
    ``MIRR = (FV+ / -PV-)^(1/n) - 1``. ``nan`` when there is no positive or no
    negative flow (Excel: ``#DIV/0!``). Unlike IRR there is exactly one MIRR,
    so it reads well where the flows change sign more than once.

    Excel equivalent: ``=MIRR({So, S1, ..., Sn}, finance_rate, reinvest_rate)``
    on a range without blank cells (Excel skips a blank cell; here it is a year
    of 0); numpy-financial: ``npf.mirr([So, S1, ..., Sn], finance_rate, reinvest_rate)``.

    Microsoft's MIRR help page (120,000 loan at 10%, income reinvested at 12%):

    >>> round(mirr(-120000, [39000, 30000, 21000, 37000, 46000], 0.10, 0.12), 4)
    0.1261
    >>> round(mirr(-3100, 348, 0.08, 0.08, horizon=20), 6)
    0.085266
    >>> mirr(100, [10, 10], 0.08, 0.08)
    nan
    """
    flows = as_flows(renovation_surplus, operating_surpluses, horizon)
    cash = _cash(flows)
    rates = {}
    for name, value in (("finance_rate", finance_rate), ("reinvest_rate", reinvest_rate)):
        r = as_rate(name, value)
        if r.size not in (1, cash.shape[0]):
            raise RenewalInputError(f"{name}: has {r.size} rates but there are {cash.shape[0]} projects")
        rates[name] = np.broadcast_to(r, (cash.shape[0],))[:, None]
    n = flows.horizon[:, None].astype(float)
    t = np.arange(cash.shape[1])[None, :]
    with np.errstate(all="ignore"):
        future = np.where(cash > 0, cash * (1.0 + rates["reinvest_rate"]) ** (n - t), 0.0).sum(axis=1)
        present = np.where(cash < 0, cash / (1.0 + rates["finance_rate"]) ** t, 0.0).sum(axis=1)
        result = np.expm1(np.log(future / -present) / n[:, 0])
    return flows.out(np.where((future > 0) & (present < 0), result, np.nan))
