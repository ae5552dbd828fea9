"""Cash-flow metrics (and IRR on one sign change): against numpy-financial, Excel's examples and the paper."""

from __future__ import annotations

import math
from decimal import Decimal, getcontext

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from renewal import cashflow as cf
from renewal.errors import RenewalInputError
from renewal.returns import excel_irr, irr, irrs

RTOL = 1e-9
# Money as people type it: to the cent (no subnormal floats, which break np.roots).
money = st.floats(min_value=-1e6, max_value=1e6).map(lambda x: round(x, 2))
positive_money = st.floats(min_value=1.0, max_value=1e5).map(lambda x: round(x, 2))
earnings = st.floats(min_value=0, max_value=1e5).map(lambda x: round(x, 2))
rates = st.floats(min_value=-0.9, max_value=2.0)
years = st.integers(min_value=1, max_value=50)


def close(a: float, b: float, rtol: float = RTOL, atol: float = 1e-12) -> bool:
    """Relative closeness; atol only matters for results that are themselves about 0."""
    return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)


@given(rate=rates, so=money, sk=st.lists(money, min_size=1, max_size=50))
def test_npv_equals_numpy_financial(rate: float, so: float, sk: list[float]) -> None:
    ours = cf.npv(rate, so, sk)
    theirs = npf.npv(rate, [so, *sk])
    scale = abs(so) + sum(abs(v) / (1 + rate) ** (k + 1) for k, v in enumerate(sk))
    assert math.isclose(ours, theirs, rel_tol=RTOL, abs_tol=RTOL * scale)


@st.composite
def conventional_flows(draw: st.DrawFn, yearly: st.SearchStrategy[float] = earnings
                       ) -> tuple[float, list[float]]:
    """An investment followed by earnings: one sign change, so exactly one IRR."""
    n = draw(years)
    so = -draw(positive_money)
    sk = draw(st.lists(yearly, min_size=n, max_size=n))
    assume(sum(sk) > 1e-3 * abs(so))  # an IRR far below -99.9% is not a number anyone reads
    return so, sk


@given(conventional_flows(yearly=positive_money))
def test_irr_equals_numpy_financial_for_conventional_flows(flows: tuple[float, list[float]]) -> None:
    so, sk = flows
    ours = irr(so, sk)
    theirs = npf.irr(np.array([so, *sk]))
    assert close(ours, theirs), (ours, theirs)
    assert abs(cf.npv(ours, so, sk)) <= 1e-6 * (abs(so) + sum(sk))


def exact_irr(cash: list[float]) -> Decimal:
    """The one IRR of a single-sign-change flow, by bisection in 60-digit decimals."""
    getcontext().prec = 60
    c = [Decimal(repr(v)) for v in cash]

    def value(r: Decimal) -> Decimal:
        x = 1 / (1 + r)
        return sum((ci * x**t for t, ci in enumerate(c)), Decimal(0))

    lo, hi = Decimal("-0.9999999"), Decimal(1)
    while value(hi) > 0:
        hi *= 2
    for _ in range(120):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if value(mid) > 0 else (lo, mid)
    return (lo + hi) / 2


@given(conventional_flows(yearly=st.one_of(st.just(0.0), st.just(0.0), positive_money)))
@example(flows=(-14268.0, [7842.0, 3.0]))  # Excel's rule reaches -100.04% here; the IRR above -100% is -45%
def test_irr_is_exact_where_numpy_financial_loses_digits(flows: tuple[float, list[float]]) -> None:
    """Flows with idle years (zeros) cluster the companion matrix's eigenvalues, and
    numpy-financial's root can be off in the 8th digit (e.g. -32194, 0 x5, 32204, 0.5:
    5.43504287634e-05 exactly, numpy-financial 5.43504304789e-05). Ours stays exact."""
    so, sk = flows
    ours = irr(so, sk)
    exact = float(exact_irr([so, *sk]))
    if ours < -1:  # Excel's rule settled on the root below -100% (1 + r < 0): Excel shows it, so do we
        assert close(ours, excel_irr([so, *sk]), rtol=1e-6, atol=1e-12), ours
        ours = irrs(so, sk)[0]  # the one IRR above -100%
    assert close(ours, exact, rtol=1e-10, atol=1e-15), (ours, exact)
    assert close(npf.irr(np.array([so, *sk])), exact, rtol=1e-5, atol=1e-9)


@given(so=money, sk=st.lists(money, min_size=1, max_size=30))
def test_any_irr_returned_makes_the_npv_zero(so: float, sk: list[float]) -> None:
    r = irr(so, sk)
    if not math.isnan(r):
        # Excel's rule may settle on a root below -100% (1 + r < 0): Excel shows it, and so do we.
        assert r != -1
        d = np.arange(1, len(sk) + 1)
        terms = np.array(sk) / (1 + r) ** d
        assert abs(so + terms.sum()) <= 1e-7 * (abs(so) + np.abs(terms).sum())


# numpy-financial's PMT computes (1+r)^n - 1 directly, which loses digits for
# |r| below about 1e-6; ours does not (expm1/log1p), so compare away from there.
pmt_rates = st.one_of(st.just(0.0), st.floats(min_value=1e-4, max_value=1.0),
                      st.floats(min_value=-0.5, max_value=-1e-4))


@given(rate=pmt_rates, n=years, so=money)
def test_required_annual_surplus_equals_pmt(rate: float, n: int, so: float) -> None:
    ours = cf.required_annual_surplus(so, n, rate)
    theirs = npf.pmt(rate, n, so)
    assert math.isclose(ours, theirs, rel_tol=RTOL, abs_tol=1e-9)
    assert abs(cf.npv(rate, so, ours, horizon=n)) <= 1e-6 * max(1.0, abs(so))


def test_excel_documented_examples() -> None:
    # Microsoft's IRR help page: -70,000 then 12,000 ... 26,000 gives 8.66%;
    # after four years -2.1%, after two years -44.4% with a guess of -10% (as shown
    # there: from the default 10% Excel's rule reaches the other root, -138.5%).
    flows = [-70000, 12000, 15000, 18000, 21000, 26000]
    assert round(irr(flows[0], flows[1:]), 4) == 0.0866
    assert round(irr(flows[0], flows[1:5]) * 100, 1) == -2.1
    assert round(irr(flows[0], flows[1:3], guess=-0.1) * 100, 1) == -44.4
    assert round(irr(flows[0], flows[1:3]) * 100, 1) == -138.5
    # NPV help page: NPV(10%, -10000, 3000, 4200, 6800) = 1,188.44, first flow
    # at the end of year 1; ours puts So at t = 0, so So = 0 and Sk the four flows.
    assert round(cf.npv(0.1, 0, [-10000, 3000, 4200, 6800]), 2) == 1188.44
    # PMT help page: PMT(8%/12, 10, 10000) = -1,037.03.
    assert round(cf.required_annual_surplus(10000, 10, 0.08 / 12), 2) == -1037.03


def test_paper_figures() -> None:
    assert round(cf.payback_years(-3100, 348, horizon=20), 3) == 8.908
    assert round(cf.npv(0.08, -3100, 348, horizon=20), 1) == 316.7
    assert round(irr(-3100, 348, horizon=20), 4) == 0.0935
    assert cf.payback_years(-600, 96, horizon=10) == 6.25
    assert cf.payback_years(0, [0] * 5) == 0.0
    assert cf.lease_surplus(20, 1.2, 0.8) * 12 == pytest.approx(96 * 12)


@st.composite
def portfolios(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    p = draw(st.integers(min_value=1, max_value=12))
    n = draw(st.integers(min_value=1, max_value=25))
    so = draw(arrays(float, p, elements=st.floats(-1e5, 1e4).map(lambda x: round(x, 2))))
    sk = draw(arrays(float, (p, n), elements=st.floats(-1e3, 1e4).map(lambda x: round(x, 2))))
    horizon = draw(arrays(np.int64, p, elements=st.integers(0, n)))
    return so, sk, horizon


@given(portfolios(), st.floats(min_value=0, max_value=0.3))
def test_vectorised_equals_one_project_at_a_time(
        portfolio: tuple[np.ndarray, np.ndarray, np.ndarray], rate: float) -> None:
    so, sk, horizon = portfolio
    many = {
        "payback": cf.payback_years(so, sk, rate, horizon),
        "npv": cf.npv(rate, so, sk, horizon),
        "irr": irr(so, sk, horizon),
    }
    for i in range(so.size):
        one = sk[i, : horizon[i]]
        assert np.array_equal(many["payback"][i], cf.payback_years(so[i], one, rate),
                              equal_nan=True)
        assert many["npv"][i] == pytest.approx(cf.npv(rate, so[i], one), rel=1e-12, abs=1e-9)
        single = irr(so[i], one)
        assert (math.isnan(single) and math.isnan(many["irr"][i])) or close(
            many["irr"][i], single, rtol=1e-12)


@given(portfolios(), st.floats(min_value=0, max_value=0.3))
def test_payback_is_where_the_balance_crosses_zero(
        portfolio: tuple[np.ndarray, np.ndarray, np.ndarray], rate: float) -> None:
    so, sk, horizon = portfolio
    paid = cf.payback_years(so, sk, rate, horizon)
    balance = cf.cumulative_balance(so, sk, rate, horizon)
    for i in range(so.size):
        t = paid[i]
        if so[i] >= 0:
            assert t == 0
        elif math.isinf(t):
            assert (balance[i, 1: horizon[i] + 1] < 0).all()
        else:
            year = math.ceil(t)
            assert 0 < t <= horizon[i]
            assert balance[i, year] >= 0 and (balance[i, 1:year] < 0).all()


def test_never_is_distinguishable_from_any_number() -> None:
    never = cf.payback_years(-1000, [10] * 5)
    assert math.isinf(never) and never == cf.NEVER
    assert math.isnan(irr(-100, [0, 0]))


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: cf.npv(0.08, float("nan"), [1, 2]), "renovation_surplus"),
        (lambda: cf.npv(0.08, -1, [1, float("inf")]), "operating_surpluses"),
        (lambda: cf.npv(-1.0, -1, [1, 2]), "rate"),
        (lambda: cf.npv(-2.5, -1, [1, 2]), "rate"),
        (lambda: cf.npv(float("nan"), -1, [1, 2]), "rate"),
        (lambda: cf.payback_years(-1, [1, 2], horizon=-1), "horizon"),
        (lambda: cf.payback_years(-1, [1, 2], horizon=5), "horizon"),
        (lambda: cf.payback_years(-1, [1, 2], horizon=1.5), "horizon"),
        (lambda: cf.payback_years(-1, 100), "horizon"),
        (lambda: irr([-1, -2], [[1, 2], [1, 2], [3, 4]]), "renovation_surplus"),
        (lambda: irr(-1, np.ones((2, 2, 2))), "operating_surpluses"),
        (lambda: irr("abc", [1]), "renovation_surplus"),
        (lambda: irr(-1, ["a", "b"]), "operating_surpluses"),
        (lambda: cf.required_annual_surplus(-100, 0), "years"),
        (lambda: cf.required_annual_surplus(-100, 10, -1), "rate"),
        (lambda: cf.projected_surpluses(1, 1, 5, revenue_growth=-1.5), "revenue_growth"),
        (lambda: cf.lease_surplus(10, 1, 1, vacancy=1.5), "vacancy"),
        (lambda: cf.lease_surplus(-1, 1, 1), "units"),
        (lambda: cf.npv([0.1, 0.2, 0.3], [-1, -1], [[1], [1]]), "rate"),
    ],
)
def test_bad_input_raises_one_clear_error_naming_the_argument(call, argument: str) -> None:
    with pytest.raises(RenewalInputError, match=rf"^{argument}:"):
        call()


def test_the_error_is_a_value_error() -> None:
    assert issubclass(RenewalInputError, ValueError)


def test_irr_handles_long_horizons_without_overflow() -> None:
    assert close(irr(-1e6, [1.0] * 200), npf.irr([-1e6] + [1.0] * 200), rtol=1e-8)
    # -1 + 1e6/(1+r) + 1e6/(1+r)^2 + ... = 0 gives 1+r = 1e6 + 1 to 1e-12.
    assert irr(-1, [1e6] * 50) == pytest.approx(1e6, rel=1e-9)


def test_irr_with_leading_and_trailing_zeros() -> None:
    assert close(irr(0, [-100, 0, 60, 60, 0, 0]), npf.irr([0, -100, 0, 60, 60, 0, 0]))
    assert irr(-100, [100]) == 0.0
