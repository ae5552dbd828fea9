"""The what-if: subsidy gap, sensitivity and switching values, scenarios, risk profile.

The figures of issue 13 (Jinsong North: Ro 4,600, Co 7,700, Rk 627, Ck 279 a
year for 20 years, 8%) are the first tests; the rest check the closed forms
against direct evaluation, the vectorised calls against one project at a
time, and the Excel functions through xlwings' Office.js machinery.
"""

from __future__ import annotations

import math

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from renewal import cashflow
from renewal.drivers import DRIVERS, as_drivers
from renewal.errors import RenewalInputError
from renewal.risk import loss_probability, risk_profile
from renewal.scenarios import scenarios
from renewal.sensitivity import sensitivity, switching_values
from renewal.subsidy import subsidy_gap
from tests.test_udfs import NOT_AVAILABLE, NUM, call, one

JINSONG = (4600, 7700, 627, 279, 20, 0.08)
"""Ro, Co, Rk, Ck, years, rate."""


def test_subsidy_gap_figures_of_the_issue() -> None:
    assert round(subsidy_gap(-3100, 348, 0.10, horizon=20), 2) == 137.28
    assert round(subsidy_gap(-3100, 348, 0.08, within_years=10, horizon=20), 2) == 764.89
    assert subsidy_gap(-3100, 348, 0.08, horizon=20) == 0


def test_npv_of_jinsong_north() -> None:
    assert round(sensitivity(*JINSONG).base[0], 2) == 316.72


def test_sensitivity_figures_of_the_issue() -> None:
    s = sensitivity(*JINSONG)
    issue = {  # driver: NPV at -10%, NPV at +10%, switching value (rounded as the issue prints it)
        "Co": (1086.72, -453.28, "+4.11%"),
        "Rk": (-298.88, 932.31, "-5.14%"),
        "Ro": (-143.28, 776.72, "-6.89%"),
        "Ck": (590.64, 42.79, "+11.56%"),
    }
    for driver, (low, high, switch) in issue.items():
        j = DRIVERS.index(driver)
        assert (round(s.low[0, j], 2), round(s.high[0, j], 2)) == (low, high), driver
        assert f"{s.switching[0, j]:+.2%}" == switch, driver
    assert [DRIVERS[j] for j in s.ranking()][:4] == ["Co", "Rk", "Ro", "Ck"]


def test_the_rate_s_switching_value_is_the_irr() -> None:
    s = sensitivity(*JINSONG)
    assert s.switching[0, DRIVERS.index("rate")] == cashflow.irr(-3100, 348, horizon=20)
    assert s.low[0, 4] == pytest.approx(cashflow.npv(0.072, -3100, 348, horizon=20), rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.tuples(st.floats(0, 1e4), st.floats(1, 1e4), st.floats(1, 2e3), st.floats(0, 2e3),
                 st.integers(1, 40), st.floats(-0.05, 0.3)))
def test_each_switching_value_makes_the_npv_zero(drivers: tuple[float, float, float, float, int, float]) -> None:
    ro, co, rk, ck, years, rate = drivers
    switching = switching_values(as_drivers(ro, co, rk, ck, years, rate))[0]
    for j in range(4):
        if math.isnan(switching[j]):
            continue
        f = np.ones(5)
        f[j] = 1 + switching[j]
        so = f[0] * ro - f[1] * co
        value = cashflow.npv(rate, so, f[2] * rk - f[3] * ck, horizon=years)
        scale = ro + co + (rk + ck) * years
        assert abs(value) <= 1e-9 * scale, (DRIVERS[j], value)


def test_no_switching_value_where_the_driver_is_zero() -> None:
    assert math.isnan(switching_values(as_drivers(0, 600, 288, 192, 10, 0.08))[0, 0])


@settings(max_examples=60, deadline=None)
@given(so=st.floats(-1e4, 1e3), sk=st.lists(st.floats(-500, 2e3), min_size=1, max_size=30),
       rate=st.floats(-0.05, 0.3), within=st.integers(0, 35))
def test_subsidy_gap_is_minus_the_npv_of_the_years_counted(so: float, sk: list[float], rate: float,
                                                          within: int) -> None:
    counted = sk[:within]
    expected = max(0.0, -npf.npv(rate, [so, *counted]))
    assert subsidy_gap(so, sk, rate, within_years=within) == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_scenarios_equal_the_appraisal_of_the_changed_drivers() -> None:
    a = scenarios([[1, 1, 1, 1, 1], [1.05, 0.95, 1.1, 0.95, 1], [0.95, 1.1, 0.9, 1.05, 1.25]], *JINSONG)
    assert a.npv[0] == pytest.approx(316.7153, abs=1e-4)
    so, sk, rate = 0.95 * 4600 - 1.1 * 7700, 0.9 * 627 - 1.05 * 279, 0.1
    assert a.npv[2] == pytest.approx(cashflow.npv(rate, so, sk, horizon=20), rel=1e-12)
    assert a.subsidy_gap[2] == pytest.approx(-a.npv[2], rel=1e-12)
    assert a.payback_years[2] == pytest.approx(cashflow.payback_years(so, sk, horizon=20), rel=1e-12)
    assert a.subsidy_gap[1] == 0 and a.npv[1] > a.npv[0] > a.npv[2]


def test_risk_profile_is_the_same_for_the_same_seed_and_differs_for_another() -> None:
    first = risk_profile(*JINSONG, 0.1, 10_000, 7).rows()
    again = risk_profile(*JINSONG, 0.1, 10_000, 7).rows()
    other = risk_profile(*JINSONG, 0.1, 10_000, 8).rows()
    assert np.array_equal(first, again) and not np.array_equal(first, other)


def test_risk_profile_against_a_per_trial_loop() -> None:
    from renewal.risk import factor_draws

    r = risk_profile(*JINSONG, 0.2, 500, 3)
    f = factor_draws(0.2, 500, 3)
    npvs = [cashflow.npv(0.08, a * 4600 - b * 7700, c * 627 - d * 279, horizon=20) for a, b, c, d in f]
    paybacks = [cashflow.payback_years(a * 4600 - b * 7700, c * 627 - d * 279, horizon=20) for a, b, c, d in f]
    assert r.loss_probability[0] == np.mean(np.array(npvs) < 0)
    assert r.npv_p10[0] == pytest.approx(np.percentile(npvs, 10), rel=1e-12)
    assert r.npv_p90[0] == pytest.approx(np.percentile(npvs, 90), rel=1e-12)
    assert r.payback_p50[0] == pytest.approx(np.percentile(paybacks, 50), rel=1e-12)


def test_a_percentile_on_a_trial_that_never_pays_back_is_never() -> None:
    # Zhenwumiao over 7 years: about a third of the trials pay back within them.
    r = risk_profile(0, 600, 288, 192, 7, 0.08, 0.1, 5_000, 0)
    assert 0.1 < r.never_probability[0] < 0.9
    assert r.payback_p90[0] == math.inf
    assert math.isfinite(r.payback_p50[0]) or r.never_probability[0] >= 0.5


def test_many_projects_equal_one_at_a_time() -> None:
    ro, co, rk, ck = [4600, 0, 100], [7700, 600, 500], [[627] * 20, [288] * 10 + [0] * 10, [80] * 20], 279
    years, rate = [20, 10, 15], [0.08, 0.06, 0.1]
    many = risk_profile(ro, co, rk, ck, years, rate, 0.1, 2_000, 1).rows()
    switching = switching_values(as_drivers(ro, co, rk, ck, years, rate))
    for i in range(3):
        single = risk_profile(ro[i], co[i], rk[i], ck, years[i], rate[i], 0.1, 2_000, 1).rows()
        assert np.allclose(many[i], single[0], rtol=1e-12, equal_nan=True)
        assert np.allclose(switching[i], switching_values(as_drivers(ro[i], co[i], rk[i], ck, years[i], rate[i]))[0],
                           rtol=1e-12, equal_nan=True)
    loss = loss_probability(ro, co, rk, ck, years, rate, 0.1, 2_000, 1)
    assert loss.tolist() == many[:, 0].tolist()


@pytest.mark.parametrize(
    ("function", "args", "message"),
    [
        (sensitivity, (*JINSONG, 0.1, "roi"), r'^measure: must be "npv", "payback" or "irr"'),
        (sensitivity, (*JINSONG, 0), r"^swing: must be above 0 and at most 1"),
        (sensitivity, (4600, 7700, [627] * 5, 279, 20, 0.08), r"^operating_revenue: has 5 years but years is 20"),
        (sensitivity, (4600, -1, 627, 279, 20, 0.08), r"^renovation_cost: must be 0 or more"),
        (sensitivity, (4600, 7700, 627, 279, 0, 0.08), r"^years: must be at least 1"),
        (risk_profile, (*JINSONG, 0.1, 0), r"^trials: must be a whole number from 1"),
        (risk_profile, (*JINSONG, 0.1, 100, -2), r"^seed: must be a whole number 0 or more"),
        (scenarios, ([[1, 1, 1, 1, 1, 1]], *JINSONG), r"^factors: at most 5 columns"),
        (subsidy_gap, (-3100, 348, 0.08, -1, 20), r"^within_years: must be 0 or more"),
    ],
)
def test_bad_input_raises_naming_the_argument(function, args: tuple, message: str) -> None:
    with pytest.raises(RenewalInputError, match=message):
        function(*args)


# The Excel functions, with payloads as Office.js sends them.

def test_subsidy_gap_in_a_cell() -> None:
    assert round(one("subsidy_gap", [[-3100]], [[348]], 0.1, None, 20), 2) == 137.28
    assert round(one("subsidy_gap", [[-3100]], [[348] * 20], 0.08, 10, None), 2) == 764.89
    assert one("subsidy_gap", [[-3100]], [[348] * 20], 0.08, None, None) == 0
    assert call("subsidy_gap", [[-3100], [-600]], [[348] * 10, [96] * 10], 0.08, None, None)[1][0] == pytest.approx(
        subsidy_gap(-600, [96] * 10, 0.08))


def test_sensitivity_spills_a_row_per_driver_widest_first() -> None:
    rows = call("sensitivity", [[4600]], [[7700]], [[627]], [[279]], 20, 0.08, None, None, "en")
    assert [r[0] for r in rows] == ["Co renovation cost", "Rk operating revenue", "Ro renovation revenue",
                                    "Ck operating cost", "r discount rate (switching value = IRR)"]
    assert [round(v, 2) for v in rows[0][1:4]] == [1086.72, -453.28, 1540.0]
    assert f"{rows[0][4]:+.2%}" == "+4.11%"
    zh = call("sensitivity", [[4600]], [[7700]], [[627] * 20], [[279] * 20], 20, 0.08, 0.1, "payback", None)
    assert zh[0][0].startswith("Co ") and zh[-1][3] == 0  # the rate leaves the payback unchanged


def test_sensitivity_of_many_projects_gives_their_switching_values() -> None:
    rows = call("sensitivity", [[4600], [0]], [[7700], [600]], [[627], [288]], [[279], [192]], [[20], [10]],
                0.08, None, None, None)
    assert rows[1][0] == NUM  # Ro = 0: no change in it balances the project
    assert rows[0] == pytest.approx(switching_values(as_drivers(*JINSONG))[0].tolist())


def test_scenarios_spill_beside_their_table() -> None:
    table = [["base", 1, 1, 1, 1, 1], ["pessimistic", 0.9, 1.1, 0.9, 1.05, None], [None] * 6]
    rows = call("scenarios", table, [[4600]], [[7700]], [[627]], [[279]], 20, 0.08, "en")
    assert rows[0][3] == "balanced in operation year 9" and rows[0][4] == 0
    assert rows[1][1] < 0 and rows[1][4] == pytest.approx(-rows[1][1])
    assert rows[2] == [""] * 5


def test_risk_profile_spills_one_row_of_seven() -> None:
    rows = call("risk_profile", [[4600]], [[7700]], [[627]], [[279]], 20, 0.08, None, None, None)
    assert rows == [risk_profile(*JINSONG).rows()[0].tolist()]
    never = call("risk_profile", [[0]], [[600]], [[288]], [[192]], 7, 0.08, None, 5000, None)
    assert never[0][6] == NOT_AVAILABLE


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("sensitivity", ([[4600]], [[7700]], [[627, "x"]], [[279]], 20, 0.08, None, None, None),
         r"^operating_revenue: text 'x' where a number belongs \(row 1, column 2\)"),
        ("sensitivity", ([[4600]], [[7700]], [[627], [1]], [[279]], 1, 0.08, None, "npv", "fr"), r"^lang:"),
        ("sensitivity", ([[4600]], [[7700]], [[1, 2], [3, 4]], [[279]], 2, 0.08, None, None, None),
         r"^operating_revenue: one project takes one row"),
        ("scenarios", ([["base", "high"]], [[4600]], [[7700]], [[627]], [[279]], 20, 0.08, None),
         r"^table: text 'high' where a number belongs"),
        ("scenarios", ([["base", 1]], [[4600], [1]], [[7700], [1]], [[627]], [[279]], 20, 0.08, None),
         r"^renovation_revenue: SCENARIOS appraises one project"),
        ("risk_profile", ([[4600]], [[7700]], [[627]], [[279]], 20, 0.08, "10%", None, None), r"^spread: text"),
        ("subsidy_gap", ([[-3100]], [[348]], None, None, 20), r"^target_rate: is required"),
    ],
)
def test_bad_cells_are_a_value_error_naming_the_argument(name: str, args: tuple, message: str) -> None:
    with pytest.raises(RenewalInputError, match=message):
        call(name, *args)
