"""IRR as Excel computes it, every IRR, and MIRR: against a plain-Python copy of
Excel's rule, LibreOffice Calc (where installed), numpy-financial and the paper."""

from __future__ import annotations

import math
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from renewal import cashflow
from renewal.errors import RenewalInputError
from renewal.returns import excel_irr, irr, irrs, mirr, sign_changes

RTOL = 1e-9
money = st.floats(min_value=-1e6, max_value=1e6).map(lambda x: round(x, 2))
KINDS = ("ordinary", "repair", "end_cost", "growth", "early_loss", "loss", "extreme", "zeros")


def generated_flows(count: int = 3200, seed: int = 11) -> list[list[float]]:
    """Flows So, S1..Sn (1 to 50 years), eight kinds in turn: ordinary projects
    with IRRs from -30% to +40%; a major repair in mid-life and an end-of-life
    cost (several sign changes); costs outgrowing revenue; early losses;
    loss-making projects; IRRs from -99% to +1,000%; and idle years (zeros)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        n = int(rng.integers(1, 51))
        so = -rng.uniform(100, 1e5)
        if kind == "extreme":
            r = float(np.exp(rng.uniform(np.log(0.01), np.log(11.0))) - 1.0)
        else:
            r = float(rng.uniform(-0.3, 0.4))
        level = cashflow.required_annual_surplus(so, n, r)
        sk = level * (1 + rng.normal(0, 0.1, n))
        if kind == "repair" and n > 3:
            sk[int(rng.integers(1, n))] -= rng.uniform(0.5, 4) * abs(so)
        elif kind == "end_cost":
            sk[-1] = -rng.uniform(0.1, 2) * abs(so)
        elif kind == "growth":
            k = np.arange(n)
            revenue = rng.uniform(0.1, 0.5) * abs(so)
            sk = (revenue * (1 + rng.uniform(0, 0.04)) ** k
                  - revenue * rng.uniform(0.3, 0.9) * (1 + rng.uniform(0, 0.12)) ** k)
        elif kind == "early_loss":
            m = min(n, int(rng.integers(1, 4)))
            sk[:m] = -rng.uniform(0.01, 0.3, m) * abs(so)
        elif kind == "loss":
            sk = sk * rng.uniform(0.05, 0.9)
        elif kind == "zeros":
            sk[rng.random(n) < 0.3] = 0.0
        rows.append([round(so, 2), *np.round(sk, 2).tolist()])
    return rows


FLOWS = generated_flows()


def as_matrix(rows: list[list[float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """So (P,), Sk (P, 50) zero-padded, horizons (P,)."""
    width = max(map(len, rows)) - 1
    sk = np.zeros((len(rows), width))
    for i, row in enumerate(rows):
        sk[i, : len(row) - 1] = row[1:]
    return np.array([r[0] for r in rows]), sk, np.array([len(r) - 1 for r in rows])


def close(a: float, b: float, rtol: float = RTOL) -> bool:
    return math.isclose(a, b, rel_tol=rtol, abs_tol=1e-13)


def test_the_generated_flows_cover_the_cases_the_issue_names() -> None:
    so, sk, h = as_matrix(FLOWS)
    changes = sign_changes(np.concatenate([so[:, None], sk], axis=1))
    rates = irr(so, sk, h)
    assert len(FLOWS) >= 3000 and set(h) == set(range(1, 51))
    assert (changes >= 2).sum() > 500 and (changes == 1).sum() > 1500 and (changes == 0).sum() > 100
    assert ((rates > -1) & (rates < -0.9)).sum() > 10 and (rates > 9.0).sum() > 5
    assert (rates < -1).sum() > 10  # Excel's rule reaching a root below -100%, as Excel shows it
    assert (sk == 0).any(axis=1).sum() > 300


def test_vectorised_irr_follows_excel_rule_on_every_generated_flow() -> None:
    """Where Excel's rule (plain Python, step for step) gives a number, the same root to
    1e-9; where it gives #NUM!, the unique root on one sign change, else #NUM! (nan)."""
    so, sk, h = as_matrix(FLOWS)
    ours = irr(so, sk, h)
    changes = sign_changes(np.concatenate([so[:, None], sk], axis=1))
    excel = np.array([excel_irr(row) for row in FLOWS])
    shown = ~np.isnan(excel)
    assert shown.sum() > 1500 and (~shown & (changes == 1)).sum() > 300
    for i in np.flatnonzero(shown):
        assert close(ours[i], excel[i]), (i, ours[i], excel[i])
    for i in np.flatnonzero(~shown):
        if changes[i] == 1:
            r = ours[i]
            assert r > -1 and abs(cashflow.npv(r, so[i], sk[i], h[i])) <= 1e-8 * np.abs(FLOWS[i]).sum(), i
        else:
            assert math.isnan(ours[i]), (i, ours[i])


def test_one_project_fast_path_gives_the_vectorised_answer() -> None:
    so, sk, h = as_matrix(FLOWS)
    many = irr(so, sk, h)
    for i, row in enumerate(FLOWS):
        one = irr(row[0], row[1:])
        assert (math.isnan(one) and math.isnan(many[i])) or close(one, many[i], 1e-12), (i, one, many[i])
    assert irr(-1000.0, [2100.0, -1100.0], None, 0.0) == irr(np.array(-1000.0), np.array([2100, -1100]), guess=0)


def test_issue_examples_and_the_guess() -> None:
    # Example 2: two IRRs, 0% and 10%; Excel's rule reaches 10% from its 10% guess.
    assert irr(-1000, [2100, -1100]) == pytest.approx(0.1, rel=1e-12)
    assert irr(-1000, [2100, -1100], guess=-0.2) == 0.0
    assert irr([-1000, -1000], [[2100, -1100]] * 2, guess=[0.3, -0.3]).round(12).tolist() == [0.1, 0.0]
    assert irrs(-1000, [2100, -1100]) == pytest.approx([0.0, 0.1], abs=1e-12)
    # Loss-making with one sign change: Excel's rule fails from 10% (#NUM!); the unique root.
    assert math.isnan(excel_irr([-1000, 100, 100, 100]))
    assert round(irr(-1000, [100, 100, 100]), 6) == -0.424417
    assert math.isnan(irr(-1000, [2100, -1200]))  # two sign changes, no IRR at all


def test_blank_years_are_years_of_zero_where_excel_skips_them() -> None:
    """-100 then 60, blank, 60: the model's IRR and NPV count the blank year as 0; Excel's
    IRR and NPV (which skip a blank) give the IRR and NPV of -100, 60, 60."""
    assert round(irr(-100, [60, 0, 60]), 4) == 0.0978
    assert round(excel_irr([-100, 60, 60]), 4) == 0.1307
    assert round(cashflow.npv(0.08, -100, [60, 0, 60]), 2) == 3.19
    assert round(npf.npv(0.08, [0, 60, 60]) * 1.0 - 100, 2) == 7.00


def test_paper_figures_still_hold() -> None:
    assert round(irr(-3100, 348, horizon=20) * 100, 4) == 9.3457
    assert round(cashflow.npv(0.08, -3100, 348, horizon=20), 1) == 316.7


@given(so=money, sk=st.lists(money, min_size=1, max_size=30))
def test_every_listed_irr_makes_the_npv_zero(so: float, sk: list[float]) -> None:
    found = irrs(so, sk)
    cash = np.array([so, *sk])
    assert found == sorted(found) and len(found) <= sign_changes(cash[None, :])[0]
    for r in found:
        assert r > -1
        terms = cash / (1 + r) ** np.arange(cash.size)
        assert abs(terms.sum()) <= 1e-7 * np.abs(terms).sum(), (r, terms.sum())


@given(so=money, sk=st.lists(money, min_size=1, max_size=30))
def test_a_crossing_root_excel_reaches_is_listed(so: float, sk: list[float]) -> None:
    r = irr(so, sk)
    found = irrs(so, sk)
    if math.isnan(r) or r <= -1 or r > 1e6:
        return
    cash = np.array([so, *sk])
    below, above = (np.polyval(cash[::-1], 1 / (1 + r) * f) for f in (1 - 1e-6, 1 + 1e-6))
    if below * above < 0:  # the NPV crosses 0 there (not a touching root)
        assert any(close(r, x, 1e-7) for x in found), (r, found)


@given(so=money, sk=st.lists(money, min_size=1, max_size=50),
       finance=st.floats(min_value=-0.5, max_value=1.0), reinvest=st.floats(min_value=-0.5, max_value=1.0))
def test_mirr_equals_numpy_financial(so: float, sk: list[float], finance: float, reinvest: float) -> None:
    ours = mirr(so, sk, finance, reinvest)
    theirs = npf.mirr(np.array([so, *sk]), finance, reinvest)
    assert (math.isnan(ours) and math.isnan(theirs)) or close(ours, theirs, 1e-9), (ours, theirs)


def test_mirr_of_many_projects_and_without_a_deficit() -> None:
    values = mirr([-3100, 100], [[348] * 20, [10] * 20], 0.08, [0.08, 0.1], horizon=[20, 5])
    assert round(values[0], 6) == 0.085266 and math.isnan(values[1])


@pytest.mark.parametrize(("call", "argument"), [
    (lambda: irr(-100, [60, 60], guess="x"), "guess"),
    (lambda: irr(-100, [60, 60], guess=float("nan")), "guess"),
    (lambda: irr([-100, -100], [[60, 60]] * 2, guess=[0.1, 0.2, 0.3]), "guess"),
    (lambda: mirr(-100, [60, 60], -1, 0.1), "finance_rate"),
    (lambda: mirr(-100, [60, 60], 0.1, "x"), "reinvest_rate"),
    (lambda: irrs(-100, [60, float("inf")]), "operating_surpluses"),
])
def test_bad_input_names_the_argument(call, argument: str) -> None:
    with pytest.raises(RenewalInputError, match=rf"^{argument}:"):
        call()


LO_COLUMNS = ("irr", "mirr", "npv", "pmt")
LO_FINANCE, LO_REINVEST, LO_RATE = 0.08, 0.1, 0.08


def _libreoffice_values(rows: list[list[float]], tmp: Path) -> list[list[object]]:
    """=IRR, =MIRR, =NPV(...)+So and =PMT beside each row, recalculated by one soffice run."""
    wb = Workbook()
    ws = wb.active
    first = 52
    for i, row in enumerate(rows, start=1):
        for j, v in enumerate(row, start=1):
            ws.cell(i, j, v)
        last = get_column_letter(len(row))
        ws.cell(i, first, f"=IRR(A{i}:{last}{i})")
        ws.cell(i, first + 1, f"=MIRR(A{i}:{last}{i},{LO_FINANCE},{LO_REINVEST})")
        ws.cell(i, first + 2, f"=NPV({LO_RATE},B{i}:{last}{i})+A{i}")
        ws.cell(i, first + 3, f"=PMT({LO_RATE},{len(row) - 1},A{i})")
    wb.save(tmp / "flows.xlsx")
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp}/profile", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(tmp / "out"), str(tmp / "flows.xlsx")],
                   check=True, capture_output=True, timeout=300)
    out = load_workbook(tmp / "out" / "flows.xlsx", data_only=True).active
    return [[out.cell(i, first + k).value for k in range(4)] for i in range(1, len(rows) + 1)]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_recalculates_irr_mirr_npv_pmt_as_we_do(tmp_path: Path) -> None:
    """Where Calc shows a number we give it to 1e-9 relative; where Calc shows an error,
    so do we (nan), except IRR on one sign change (the documented improvement)."""
    start = time.perf_counter()
    rows = FLOWS
    calc = _libreoffice_values(rows, tmp_path)
    so, sk, h = as_matrix(rows)
    ours = {"irr": irr(so, sk, h), "mirr": mirr(so, sk, LO_FINANCE, LO_REINVEST, h),
            "npv": cashflow.npv(LO_RATE, so, sk, h), "pmt": cashflow.required_annual_surplus(so, h, LO_RATE)}
    changes = sign_changes(np.concatenate([so[:, None], sk], axis=1))
    worst = dict.fromkeys(LO_COLUMNS, 0.0)
    for k, name in enumerate(LO_COLUMNS):
        for i, values in enumerate(calc):
            theirs, mine = values[k], ours[name][i]
            if isinstance(theirs, (int, float)):
                assert close(mine, theirs), (name, i, mine, theirs)
                worst[name] = max(worst[name], abs(mine - theirs) / max(abs(theirs), 1e-300))
            else:
                assert isinstance(theirs, str) and theirs.startswith("#"), (name, i, theirs)
                assert math.isnan(mine) or (name == "irr" and changes[i] == 1), (name, i, mine, theirs)
    numbers = sum(isinstance(v[0], float) for v in calc)
    largest = ", ".join(f"{name} {value:.1e}" for name, value in worst.items())
    print(f"\nLibreOffice: {len(rows)} rows, IRR a number on {numbers}; largest relative "
          f"differences: {largest}; {time.perf_counter() - start:.1f} s")
    assert numbers > 1500
