"""Financing (issue 16): the issue's figures, the schedules against numpy-financial and LibreOffice,
the Excel functions, the Financing sheet and the batch's financing findings."""

from __future__ import annotations

import asyncio
import csv
import json
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import numpy_financial as npf
import openpyxl
import pytest
import xlwings as xw
from hypothesis import given
from hypothesis import strategies as st
from xlwings import server

from renewal import financing, returns
from renewal.cases import case
from renewal.errors import RenewalInputError
from renewal.financing import coverage_ratio, debt_schedule, debt_service, dscr, equity_irr, min_dscr
from renewal_cli.main import main
from validation import testing
from workbook_templates import contract
from xl_addin import udfs

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
NA = {"type": "Error", "errorType": "NotAvailable"}
JINSONG_LOAN = debt_service(2000, 0.042, 10)


def call(name: str, *args: object) -> list[list[object]]:
    payload = {"func_name": name.lower(), "args": list(args), "version": xw.__version__,
               "client": "Office.js", "runtime": "1.4"}
    return asyncio.run(server.custom_functions_call(payload, udfs))


# --- the issue's figures ---------------------------------------------------------------------------

def test_the_issues_debt_service_figures() -> None:
    assert JINSONG_LOAN.shape == (10,) and np.allclose(JINSONG_LOAN, 249.043, atol=5e-4)
    equal = debt_service(2000, 0.042, 10, method="equal_principal")
    assert equal[:3].round(1).tolist() == [284.0, 275.6, 267.2]
    assert round(float(equal.sum()), 1) == 2462.0


def test_the_issues_dscr_coverage_and_equity_irr_figures() -> None:
    assert round(min_dscr(348, JINSONG_LOAN), 4) == 1.3973
    assert round(min_dscr(348, debt_service(2000, 0.042, 10, method="equal_principal")), 4) == 1.2254
    assert round(coverage_ratio(348, debt_service(1000, 0.03, 10, method="bullet")), 3) == 2.677
    assert round(equity_irr(1100, 348, JINSONG_LOAN, horizon=20), 4) == 0.1293
    assert round(returns.irr(-3100, 348, horizon=20), 4) == 0.0935


def test_grace_years_pay_interest_only_then_the_schedule_starts() -> None:
    s = debt_schedule(1000, 0.05, 4, grace_years=2)
    assert s.interest[:2].tolist() == [50.0, 50.0] and s.principal[:2].tolist() == [0.0, 0.0]
    assert np.allclose(s.payment[2:], -npf.pmt(0.05, 4, 1000), rtol=1e-12)
    bullet = debt_schedule(1000, 0.03, 5, grace_years=1, method="bullet")
    assert bullet.payment.tolist() == [30.0] * 5 + [1030.0]


# --- against numpy-financial ---------------------------------------------------------------------

RATES = st.one_of(st.just(0.0), st.floats(1e-6, 0.5), st.floats(-0.5, -1e-6))
"""numpy-financial computes ((1+r)^n - 1)/r as written, which cancels to nothing for |r| far below 1e-6:
there it is the imprecise one (see the next test)."""


@given(amount=st.floats(1, 1e6), rate=RATES, term=st.integers(1, 40))
def test_annuity_schedules_equal_numpy_financial_ipmt_ppmt_pmt(amount: float, rate: float, term: int) -> None:
    s = debt_schedule(amount, rate, term)
    j = np.arange(1, term + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        interest, principal = -npf.ipmt(rate, j, term, amount), -npf.ppmt(rate, j, term, amount)
    scale = amount * (1 + abs(rate))
    assert np.allclose(s.interest, interest, rtol=1e-9, atol=1e-9 * scale)
    assert np.allclose(s.principal, principal, rtol=1e-9, atol=1e-9 * scale)
    assert np.allclose(s.payment, -npf.pmt(rate, term, amount), rtol=1e-9)


def test_rates_near_zero_are_exact() -> None:
    assert np.allclose(debt_service(1200, 1e-15, 12), 100.0, rtol=1e-12)
    assert np.allclose(debt_service(1200, 1e-300, 12), 100.0, rtol=1e-15)


@given(amount=st.floats(1, 1e6), rate=st.floats(0, 0.2), term=st.integers(1, 30), grace=st.integers(0, 10),
       method=st.sampled_from(financing.repayment_methods()))
def test_every_schedule_repays_the_amount_with_interest_on_the_balance(
        amount: float, rate: float, term: int, grace: int, method: str) -> None:
    s = debt_schedule(amount, rate, term, grace, method)
    balance = amount - np.concatenate([[0.0], np.cumsum(s.principal)[:-1]])  # owed at the start of each year
    assert math.isclose(s.principal.sum(), amount, rel_tol=1e-12)
    assert np.allclose(s.interest, rate * balance, rtol=1e-9, atol=1e-9 * amount)
    assert s.payment.size == grace + term


def test_many_loans_in_one_call_equal_one_at_a_time() -> None:
    amounts, rates, terms, graces = [2000, 1000, 500], [0.042, 0.03, 0.0], [10, 5, 20], [0, 2, 1]
    methods = ["annuity", "bullet", "equal_principal"]
    many = debt_service(amounts, rates, terms, graces, methods)
    assert many.shape == (3, 21)
    for row, args in zip(many, zip(amounts, rates, terms, graces, methods, strict=True), strict=True):
        one = debt_service(*args)
        assert row[:one.size].tolist() == one.tolist() and not row[one.size:].any()


# --- against LibreOffice ---------------------------------------------------------------------------

ROWS = [(2000, 0.042, 10), (1000, 0.03, 30), (550, 0.0875, 7), (12000, 0.0001, 25), (300, -0.05, 3)]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_annuity_schedules_equal_libreoffice_pmt_ipmt_ppmt(tmp_path: Path) -> None:
    """The same rows through LibreOffice Calc's PMT, IPMT and PPMT (Excel's signs: money paid is negative)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for i, (amount, rate, term) in enumerate(ROWS, start=1):
        ws.append([amount, rate, term, f"=-PMT(B{i},C{i},A{i})",
                   *(f"=-IPMT(B{i},{j},C{i},A{i})" for j in range(1, term + 1)),
                   *(f"=-PPMT(B{i},{j},C{i},A{i})" for j in range(1, term + 1))])
    wb.save(tmp_path / "pmt.xlsx")
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false',
                    "--outdir", str(tmp_path), str(tmp_path / "pmt.xlsx")], check=True, capture_output=True,
                   timeout=180)
    with (tmp_path / "pmt.csv").open(encoding="utf-8") as fh:
        rows = [[float(x) for x in row if x] for row in csv.reader(fh)]
    for (amount, rate, term), row in zip(ROWS, rows, strict=True):
        s = debt_schedule(amount, rate, term)
        payment, interest, principal = row[3], row[4:4 + term], row[4 + term:4 + 2 * term]
        assert np.allclose(s.payment, payment, rtol=1e-9)
        assert np.allclose(s.interest, interest, rtol=1e-9, atol=1e-9 * amount)
        assert np.allclose(s.principal, principal, rtol=1e-9, atol=1e-9 * amount)


# --- bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    ((-5, 0.04, 10), r"^amount: must be 0 or more"),
    ((100, 0.04, 0), r"^term: must be at least 1 year"),
    ((100, -1.0, 10), r"^rate: must be greater than -1"),
    ((100, 0.04, 10, 0, "balloon"), r"^method: unknown repayment method 'balloon'"),
    ((100, 0.04, 2.5), r"^term: must be whole years"),
])
def test_bad_loans_are_refused_naming_the_argument(args: tuple, message: str) -> None:
    with pytest.raises(RenewalInputError, match=message):
        debt_service(*args)
    with pytest.raises(RenewalInputError, match=message):
        call("debt_service", *args, *([None] * (5 - len(args))))


def test_negative_equity_or_debt_service_is_refused() -> None:
    with pytest.raises(RenewalInputError, match=r"^equity: must be 0 or more"):
        equity_irr(-1, 348, JINSONG_LOAN, horizon=20)
    with pytest.raises(RenewalInputError, match=r"^debt_service: must be 0 or more"):
        min_dscr(348, [-1.0])


# --- the Excel functions ---------------------------------------------------------------------------

def test_the_issues_figures_through_the_cells() -> None:
    (row,) = call("debt_service", 2000, 0.042, 10, None, None)
    assert len(row) == 10 and row == JINSONG_LOAN.tolist()
    assert call("debt_service", 2000, 0.042, 10, None, "equal_principal")[0][:3] == pytest.approx([284, 275.6, 267.2])
    assert round(call("min_dscr", [[348] * 20], [row])[0][0], 4) == 1.3973
    assert round(call("coverage_ratio", 348, [debt_service(1000, 0.03, 10, method="bullet").tolist()], None)[0][0],
                 3) == 2.677
    assert round(call("equity_irr", 1100, [[348] * 20], [row], None, None)[0][0], 4) == 0.1293
    assert call("dscr", [[348] * 3], [[174, 0, 348]]) == [[2.0, NA, 1.0]]
    assert call("min_dscr", [[348] * 3], [[0, 0, 0]]) == [[NA]]


def test_a_column_of_years_is_one_project() -> None:
    column = [[v] for v in JINSONG_LOAN.tolist()]
    assert call("min_dscr", [[348]] * 20, column) == call("min_dscr", [[348] * 20], [JINSONG_LOAN.tolist()])


def test_many_projects_in_one_call_equal_single_calls() -> None:
    rng = np.random.default_rng(16)
    n = 300
    equity = [[float(v)] for v in rng.uniform(100, 2000, n).round(1)]
    sk = [[float(v) for v in rng.uniform(50, 400, 20).round(1)] for _ in range(n)]
    loans = [debt_service(float(a), 0.04, int(t)).tolist() for a, t in zip(rng.uniform(100, 2000, n),
                                                                           rng.integers(1, 16, n), strict=True)]
    ds = [row + [None] * (15 - len(row)) for row in loans]
    many = call("min_dscr", sk, ds)
    assert [r[0] for r in many] == [call("min_dscr", [sk[i]], [ds[i]])[0][0] for i in range(n)]
    many = call("equity_irr", equity, sk, ds, None, None)
    singles = [call("equity_irr", equity[i][0], [sk[i]], [ds[i]], None, None)[0][0] for i in range(n)]
    assert all(math.isclose(a[0], b, rel_tol=1e-12) for a, b in zip(many, singles, strict=True))


def test_equity_irr_is_renewal_irr_and_passes_a_guess_through(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []

    def irr(so: object, sk: object, horizon: object = None, **options: object) -> float:
        seen.append(options)
        return 0.5

    monkeypatch.setattr(returns, "irr", irr)
    assert equity_irr(1100, 348, JINSONG_LOAN, horizon=20) == 0.5
    assert equity_irr(1100, 348, JINSONG_LOAN, horizon=20, guess=0.2) == 0.5
    assert seen == [{}, {"guess": 0.2}]


def test_the_functions_are_described_for_the_function_wizard() -> None:
    meta = {f["name"]: f for f in server.custom_functions_meta(udfs)["functions"]}
    for name in ("DEBT_SERVICE", "DSCR", "MIN_DSCR", "COVERAGE_RATIO", "EQUITY_IRR"):
        assert meta[name]["description"] and len(meta[name]["description"]) <= 255
        assert all(p["description"] for p in meta[name]["parameters"])
    optional = {p["name"] for p in meta["EQUITY_IRR"]["parameters"] if p.get("optional")}
    assert optional == {"horizon", "guess"}


# --- the template ----------------------------------------------------------------------------------

def _cached(path: Path, name: str) -> object:
    wb = openpyxl.load_workbook(path, data_only=True)
    ((sheet, ref),) = wb.defined_names[name].destinations
    return wb[sheet][ref.replace("$", "")].value


def test_the_financing_sheet_holds_the_table_and_the_names() -> None:
    wb = openpyxl.load_workbook(ROOT / "workbook_templates" / "renewal_project.xlsx")
    ws = wb[contract.SHEETS["financing"]]
    assert contract.FINANCING_TABLE.name in ws.tables
    header = next(ws.iter_rows(min_row=4, max_row=4, values_only=True))
    assert tuple(header[:len(contract.FINANCING_TABLE.columns)]) == contract.FINANCING_TABLE.columns
    for name in (*contract.FINANCING_NAMES, "res_sources_total", "fin_kind", "fin_amount"):
        assert name in wb.defined_names, name
    assert wb["Lists"] and "list_fin_kind" in wb.defined_names and "list_fin_method" in wb.defined_names


def test_jinsong_north_shows_its_illustrative_financing() -> None:
    path = SAMPLES / "jinsong_north.xlsx"
    assert round(_cached(path, "res_min_dscr"), 4) == 1.3973
    assert round(_cached(path, "res_equity_irr"), 4) == 0.1293
    assert round(_cached(path, "res_irr"), 4) == 0.0935
    assert _cached(path, "res_sources_total") == 7700
    assert _cached(path, "res_coverage_ratio") == contract.NOT_APPLICABLE  # no special bond
    assert "financing mix" in " ".join(case("jinsong_north").illustrative)
    notes = [r.note for r in case("jinsong_north").financing if r.kind in ("ENTITY_EQUITY", "BANK_LOAN")]
    assert notes and all("illustrative" in n for n in notes)


def test_an_empty_financing_table_means_all_equity() -> None:
    path = SAMPLES / "zhenwumiao_wuli_3.xlsx"
    assert _cached(path, "res_equity_irr") == _cached(path, "res_irr")
    assert _cached(path, "res_min_dscr") == contract.NOT_APPLICABLE and _cached(path, "res_sources_total") == 0


# --- the batch -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def financing_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("financing")
    for name in ("jinsong_north.xlsx", "invalid/jinsong_sources_not_uses.xlsx",
                 "invalid/zhenwumiao_special_bond_not_covered.xlsx"):
        shutil.copy(SAMPLES / name, folder / Path(name).name)
    jinsong = (folder / "jinsong_north.xlsx").read_bytes()
    edits = {"bad_term.xlsx": ("term", 0), "bad_method.xlsx": ("method", "balloon"),
             "bad_rate.xlsx": ("rate", -1.5), "bad_amount.xlsx": ("amount", -2000)}
    for file, (column, value) in edits.items():
        sheet, ref = testing.table_cell(jinsong, contract.FINANCING_TABLE.name, 3, column)  # the bank loan
        renamed = testing.set_named(jinsong, "in_project_id", f"BJ-CY-JINSONG-N-{column.upper()}")
        (folder / file).write_bytes(testing.set_cell(renamed, sheet, ref, value))
    out = tmp_path_factory.mktemp("report")
    assert main(["--lang", "en", "batch", str(folder), "--out", str(out), "--fail-on", "never"]) == 0
    return out, {f["path"]: f for f in json.loads((out / "results.json").read_text("utf-8"))["files"]}


def test_the_batch_recomputes_jinsong_norths_financing(financing_run: tuple[Path, dict]) -> None:
    _, files = financing_run
    jinsong = files["jinsong_north.xlsx"]
    assert jinsong["status"] == "ok" and not jinsong["findings"]
    r = jinsong["results"]
    assert round(r["min_dscr"], 4) == 1.3973 and round(r["equity_irr"], 4) == 0.1293
    assert r["coverage_ratio"] is None and r["sources_total"] == 7700 and r["equity"] == 1100


def test_sources_that_are_not_the_uses_are_an_error_at_the_total(financing_run: tuple[Path, dict]) -> None:
    _, files = financing_run
    found = files["jinsong_sources_not_uses.xlsx"]["findings"]
    assert [(f["code"], f["severity"], f["sheet"], f["cell"]) for f in found] == [
        ("SOURCES_USES_MISMATCH", "error", "Financing", "C13")]
    assert "7500" in found[0]["message"] and "7700" in found[0]["message"] and "-200" in found[0]["message"]


def test_a_year_below_dscr_one_and_a_low_coverage_are_warnings(financing_run: tuple[Path, dict]) -> None:
    _, files = financing_run
    found = {f["code"]: f for f in files["zhenwumiao_special_bond_not_covered.xlsx"]["findings"]}
    assert set(found) == {"DSCR_BELOW_ONE", "COVERAGE_BELOW_MINIMUM"}
    assert found["DSCR_BELOW_ONE"]["severity"] == "warning" and "year 10" in found["DSCR_BELOW_ONE"]["message"]
    assert (found["DSCR_BELOW_ONE"]["sheet"], found["DSCR_BELOW_ONE"]["field"]) == ("Results", "res_min_dscr")
    coverage = found["COVERAGE_BELOW_MINIMUM"]
    assert round(coverage["value"], 3) == 1.141
    assert "1.2" in coverage["message"] and "common practice" in coverage["message"]


@pytest.mark.parametrize(("file", "code"), [("bad_term.xlsx", "OUT_OF_RANGE"), ("bad_method.xlsx", "CODE_UNKNOWN"),
                                            ("bad_rate.xlsx", "OUT_OF_RANGE"), ("bad_amount.xlsx", "OUT_OF_RANGE")])
def test_bad_financing_inputs_are_findings_at_their_cells(financing_run: tuple[Path, dict], file: str,
                                                          code: str) -> None:
    _, files = financing_run
    column = {"bad_term.xlsx": "term", "bad_method.xlsx": "method", "bad_rate.xlsx": "rate",
              "bad_amount.xlsx": "amount"}[file]
    found = [(f["code"], f["sheet"], f["cell"], f["field"]) for f in files[file]["findings"]]
    cell = testing.table_cell((SAMPLES / "jinsong_north.xlsx").read_bytes(), "tblFinancing", 3, column)
    assert (code, *cell, f"tblFinancing[{column}]") in found
    assert files[file]["status"] == "invalid" and files[file]["results"] is None


def test_summary_and_html_report_show_the_financing_results(financing_run: tuple[Path, dict]) -> None:
    out, _ = financing_run
    ws = openpyxl.load_workbook(out / "summary.xlsx").worksheets[0]
    header = [c.value for c in ws[1]]
    assert {"minimum DSCR", "special-bond coverage ratio", "equity IRR"} <= set(header)
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert round(rows["jinsong_north.xlsx"]["minimum DSCR"], 4) == 1.3973
    html = (out / "report.html").read_text("utf-8")
    assert "equity IRR" in html and "12.93%" in html and "no special bond" in html


def test_dscr_is_nan_without_debt_service() -> None:
    assert np.isnan(dscr([100, 100], [0, 0])).all()
