"""The Excel functions, driven through xlwings' own Office.js custom-function
machinery (xlwings.server), with payloads shaped as Excel sends them."""

from __future__ import annotations

import ast
import asyncio
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xlwings as xw
from xlwings import server

from renewal import cashflow, fit, patterns, returns
from renewal.errors import RenewalInputError
from xl_addin import udfs

NOT_AVAILABLE = {"type": "Error", "errorType": "NotAvailable"}
NUM = {"type": "Error", "errorType": "Num"}
CATALOGUE = [
    "STAGE_SURPLUS", "OPERATING_SURPLUSES", "LEASE_SURPLUS", "PAYBACK_YEARS", "RENEWAL_NPV",
    "RENEWAL_IRR", "RENEWAL_MIRR", "IRR_WARNING", "YEARS_TO_RETURN", "REQUIRED_ANNUAL_SURPLUS", "BALANCE_STATUS",
    "PACKAGE_BALANCE", "PATTERN_FIT", "PATTERN_SCORES", "PATTERN_REASONS", "POLICY_GUIDANCE",
    "PATTERN_NAME",
    "BUNDLE_PLAN",
    "SUBSIDY_GAP",
    "SENSITIVITY",
    "SCENARIOS",
    "RISK_PROFILE",
    "DEBT_SERVICE",
    "DSCR",
    "MIN_DSCR",
    "COVERAGE_RATIO",
    "EQUITY_IRR",
]
JINSONG_SITE = [["idle_space_m2", 2670], ["service_gap", 4], ["households", 3600],
                ["rent_gap", None], ["cultural_resources", 0.2]]


def call(name: str, *args: object) -> list[list[object]]:
    """What Excel's Office.js runtime sends for =NAME(args...): one argument per
    parameter, ranges as 2-D lists, None for an omitted argument."""
    payload = {"func_name": name.lower(), "args": list(args), "version": xw.__version__,
               "client": "Office.js", "runtime": "1.4"}
    return asyncio.run(server.custom_functions_call(payload, udfs))


def one(name: str, *args: object) -> object:
    result = call(name, *args)
    assert len(result) == 1 and len(result[0]) == 1, result
    return result[0][0]


def test_all_functions_are_registered_with_descriptions() -> None:
    meta = server.custom_functions_meta(udfs)["functions"]
    assert sorted(f["name"] for f in meta) == sorted(CATALOGUE)
    for f in meta:
        assert f["description"] and not f["description"].startswith("Python function"), f["name"]
        for p in f["parameters"]:
            assert p["description"] and not p["description"].startswith("Positional"), (f["name"], p)
        assert all(len(p["description"]) <= 255 for p in f["parameters"])
        assert len(f["description"]) <= 255


def test_optional_parameters_are_marked_optional() -> None:
    meta = {f["name"]: f for f in server.custom_functions_meta(udfs)["functions"]}
    optional = {p["name"] for p in meta["PAYBACK_YEARS"]["parameters"] if p.get("optional")}
    assert optional == {"rate", "horizon"}


def test_paper_figures_through_the_cells() -> None:
    assert round(one("payback_years", [[-3100]], [[348] * 20], None, None), 3) == 8.908
    assert one("payback_years", [[-600]], [[96] * 10], None, None) == 6.25
    assert round(one("renewal_npv", 0.08, [[-3100]], [[348]], [[20]]), 1) == 316.7
    assert round(one("renewal_irr", [[-3100]], [[348] * 20], None, None), 6) == 0.093457
    assert one("balance_status", [[-3100]], [[348] * 20], None, None, "zh") == "运营第9年实现平衡"
    assert one("stage_surplus", [[460, 583, 995]], [[2038]]) == 0
    assert one("stage_surplus", [[627]], [[279]]) == 348
    assert one("lease_surplus", 20, 12000, 8000, None, None) == 960000


def test_results_equal_the_model_exactly() -> None:
    so, sk = -900.0, [120.0, 300.5, None, 410.0, 280.0]
    model_sk = [120.0, 300.5, 0.0, 410.0, 280.0]
    assert one("payback_years", [[so]], [sk], 0.05, None) == cashflow.payback_years(so, model_sk, 0.05)
    assert one("renewal_npv", 0.07, [[so]], [sk], None) == cashflow.npv(0.07, so, model_sk)
    assert one("renewal_irr", [[so]], [sk], None, None) == returns.irr(so, model_sk)
    assert one("renewal_mirr", [[so]], [sk], 0.06, 0.09, None) == returns.mirr(so, model_sk, 0.06, 0.09)
    assert one("years_to_return", 0.03, [[so]], [sk], None) == cashflow.years_to_return(0.03, so, model_sk)
    assert one("required_annual_surplus", [[so]], 10, 0.05) == cashflow.required_annual_surplus(so, 10, 0.05)


def test_a_column_of_years_is_one_project() -> None:
    assert one("payback_years", [[-600]], [[96]] * 10, None, None) == 6.25


def test_trailing_empty_cells_end_the_horizon_interior_ones_count_zero() -> None:
    assert one("renewal_npv", 0.1, [[-100]], [[60, 60, None, None]], None) == pytest.approx(
        cashflow.npv(0.1, -100, [60, 60]))
    assert one("renewal_npv", 0.1, [[-100]], [[60, None, 60]], None) == pytest.approx(
        cashflow.npv(0.1, -100, [60, 0, 60]))
    # An explicit horizon overrides: empty years inside it count 0.
    assert one("payback_years", [[-100]], [[60, None, 60]], None, [[3]]) == cashflow.payback_years(
        -100, [60, 0, 60])
    assert one("payback_years", [[-100]], [[60, None, None]], None, [[3]]) == NOT_AVAILABLE


def test_irr_takes_excels_guess_and_counts_an_empty_year_as_zero() -> None:
    """Issue 11's examples: {-1000, 2100, -1100} has IRRs 0% and 10%; Excel's rule reaches 10%
    from its default guess and 0% from -20%. -100 then 60, empty, 60: the IRR of -100, 60, 0, 60
    (Excel's IRR, which skips the empty cell, gives 13.07%)."""
    assert one("renewal_irr", [[-1000]], [[2100, -1100]], None, None) == pytest.approx(0.1, rel=1e-12)
    assert one("renewal_irr", [[-1000]], [[2100, -1100]], None, -0.2) == 0.0
    assert round(one("renewal_irr", [[-100]], [[60, None, 60]], None, None), 4) == 0.0978
    both = call("renewal_irr", [[-1000], [-1000]], [[2100, -1100], [2100, -1100]], None, [[0.3], [-0.3]])
    assert [round(row[0], 12) for row in both] == [0.1, 0.0]


def test_irr_warning_lists_every_irr_where_there_are_several() -> None:
    assert one("irr_warning", [[-3100]], [[348] * 20], None, "en") == "one IRR (9.35%)"
    assert one("irr_warning", [[100]], [[10, 10]], None, "en") == "no IRR: read the NPV"
    text = one("irr_warning", [[-1000]], [[2100, -1100]], None, "en")
    assert "(0.00%, 10.00%)" in text and "NPV" in text and "MIRR" in text
    assert "多个内部收益率" in one("irr_warning", [[-1000]], [[2100, -1100]], None, None)
    assert call("irr_warning", [[-1000], [-100]], [[2100, -1100], [60, 60]], None, "en")[1] == ["one IRR (13.07%)"]


def test_irr_warning_says_where_excels_rule_settles_below_minus_100_percent() -> None:
    # The one IRR above -100% is -45.00%; Excel's Newton from 0.1 (and RENEWAL_IRR) reaches -100.04%.
    assert round(one("renewal_irr", [[-14268]], [[7842, 3]], None, None), 6) == -1.000382
    text = one("irr_warning", [[-14268]], [[7842, 3]], None, "en")
    assert text.startswith("one IRR (-45.00%)") and "-100.04%" in text
    assert "-100.04%" in one("irr_warning", [[-14268]], [[7842, 3]], None, "zh")


def test_mirr_equals_excels_on_many_projects() -> None:
    rows = call("renewal_mirr", [[-120000], [-3100]], [[39000, 30000, 21000, 37000, 46000], [348] * 5],
                0.10, 0.12, None)
    assert round(rows[0][0], 4) == 0.1261
    assert rows[1][0] == returns.mirr(-3100, [348] * 5, 0.10, 0.12)


def test_one_number_with_a_horizon_is_the_same_every_year() -> None:
    assert one("payback_years", [[-3100]], [[348]], None, 20) == one(
        "payback_years", [[-3100]], [[348] * 20], None, None)


def test_errors_are_excel_error_objects() -> None:
    assert one("payback_years", [[-1000]], [[10] * 5], None, None) == NOT_AVAILABLE
    assert one("years_to_return", 0.5, [[-3100]], [[348] * 20], None) == NOT_AVAILABLE
    assert one("renewal_irr", [[100]], [[10, 10]], None, None) == NUM
    assert one("renewal_mirr", [[100]], [[10, 10]], 0.08, 0.08, None) == {"type": "Error", "errorType": "Div0"}
    assert one("pattern_fit", [["idle_space_m2", 10]], None) == NOT_AVAILABLE


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("renewal_npv", (0.08, [[-3100]], [[348, "n/a"]], None),
         r"^operating_surpluses: text 'n/a' where a number belongs \(row 1, column 2\)"),
        ("renewal_npv", ("8%", [[-3100]], [[348]], 20), r"^rate: text '8%'"),
        ("payback_years", ([[-3100]], [[348, True]], None, None), r"^operating_surpluses: TRUE/FALSE"),
        ("payback_years", ([[-3100]], [[348]], None, None), r"^horizon: is required"),
        ("payback_years", ([[-3100]], [[348] * 5], -1, None), r"^rate: must be greater than -1"),
        ("payback_years", ([[-1], [-2]], [[1, 2], [1, 2], [1, 2]], None, None), r"^operating_surpluses: has 3 rows"),
        ("balance_status", ([[-1]], [[1]], None, 5, "fr"), r"^lang:"),
        ("renewal_irr", ([[-1]], [[1, 2]], None, "10%"), r"^guess: text '10%'"),
        ("renewal_mirr", ([[-1]], [[1, 2]], -1, 0.1, None), r"^finance_rate: must be greater than -1"),
        ("pattern_name", ("MALL", None), r"^pattern: unknown code 'MALL'"),
        ("pattern_scores", ([["idle_space", 1]],), r"^site: .*unknown key\(s\) idle_space"),
        ("pattern_scores", ([["idle_space_m2", "big"]],), r"^site: idle_space_m2: text 'big'"),
    ],
)
def test_bad_input_is_a_value_error_naming_the_argument(name: str, args: tuple, message: str) -> None:
    """A raised RenewalInputError is what Excel shows as #VALUE! with this message."""
    with pytest.raises(RenewalInputError, match=message):
        call(name, *args)


def test_pattern_functions() -> None:
    assert one("pattern_fit", JINSONG_SITE, None) == "ACTIVATION"
    assert one("pattern_fit", JINSONG_SITE, "en") == "activation of idle space"
    scores = call("pattern_scores", JINSONG_SITE)
    assert next(row[0] for row in scores) == "ACTIVATION" and len(scores) == 6
    expected = fit.fit_site(dict(JINSONG_SITE))
    assert [(row[0], row[1], row[2]) for row in scores] == [
        (p.code, p.score, p.applicable) for p in expected.ranking]
    reasons = one("pattern_reasons", JINSONG_SITE, "ACTIVATION", "en")
    assert reasons == fit.fit_reasons(dict(JINSONG_SITE), "ACTIVATION", "en")
    assert one("policy_guidance", "ACTIVATION", "zh") == patterns.policy_guidance("ACTIVATION", "zh")
    assert call("pattern_name", [["BULK_LEASE"], ["ACTIVATION"]], "en") == [
        ["bulk lease and swap"], ["activation of idle space"]]


def test_site_table_with_a_header_row_gives_one_answer_per_site() -> None:
    table = [["idle_space_m2", "service_gap", "households", "rent_gap", "rental_demand"],
             [2670, 4, 3600, None, None], [50, 1, 40, 0.5, 0.9], [None, None, None, None, None]]
    assert call("pattern_fit", table, None) == [["ACTIVATION"], ["BULK_LEASE"], [NOT_AVAILABLE]]
    assert len(call("pattern_scores", table)) == 3


def test_projected_and_packaged() -> None:
    assert call("operating_surpluses", [[100]], [[80]], 3, 0.1, None) == [[20.0, 30.0, 41.0]] or np.allclose(
        call("operating_surpluses", [[100]], [[80]], 3, 0.1, None), [[20.0, 30.0, 41.0]])
    rows = call("operating_surpluses", [[627], [288]], [[279], [192]], 2, None, None)
    assert rows == [[348.0, 348.0], [96.0, 96.0]]
    assert one("package_balance", [[-25000], [31000]], None) == 6000
    assert one("package_balance", [[-3100], [0]], [[3416.7], [120]]) == pytest.approx(436.7)


def _portfolio(n: int, seed: int = 7) -> tuple[list[list[float]], list[list[float | None]]]:
    rng = np.random.default_rng(seed)
    so = [[float(v)] for v in np.round(-rng.uniform(100, 5000, n), 2)]
    sk: list[list[float | None]] = []
    for _ in range(n):
        years = int(rng.integers(5, 31))
        row: list[float | None] = [float(v) for v in np.round(rng.normal(300, 200, years), 2)]
        sk.append(row + [None] * (30 - years))
    return so, sk


@pytest.mark.slow
@pytest.mark.parametrize("name", ["payback_years", "renewal_irr", "balance_status"])
def test_one_call_over_10000_rows_equals_10000_single_calls(name: str) -> None:
    so, sk = _portfolio(10_000)
    extra = {"payback_years": (0.05, None), "renewal_irr": (None, None), "balance_status": (None, None, "en")}[name]
    many = call(name, so, sk, *extra)
    assert len(many) == 10_000
    singles = [one(name, [s], [k], *extra) for s, k in zip(so, sk, strict=True)]
    for got, want in zip(many, singles, strict=True):
        g = got[0]
        assert g == want or (isinstance(g, float) and math.isclose(g, want, rel_tol=1e-12)), (g, want)


PYODIDE_SAFE = {"xlwings", "numpy", "renewal", "xl_addin", "__future__", "scipy"}
"""scipy is one of Pyodide's packages; only renewal.bundling imports it, when a plan is solved."""


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_udf_module_imports_only_what_pyodide_has() -> None:
    root = Path(udfs.__file__).resolve().parents[1]
    files = [*(root / "xl_addin").glob("*.py"), *(root / "renewal").glob("*.py")]
    for path in files:
        third_party = {m for m in _imports(path) if m not in sys.stdlib_module_names}
        assert third_party <= PYODIDE_SAFE, (path.name, third_party - PYODIDE_SAFE)


def test_importing_the_udfs_loads_neither_pandera_nor_openpyxl() -> None:
    code = ("import sys, xl_addin.udfs\n"
            "bad = [m for m in ('pandera', 'openpyxl', 'python_calamine', 'validation', 'scipy')"
            " if m in sys.modules]\n"
            "assert not bad, bad\n")
    for server_flavour in ("true", "false"):
        env = {"PATH": "/usr/bin:/bin", "XLWINGS_ON_SERVER": server_flavour,
               "XLWINGS_LICENSE_KEY": "noncommercial"}
        subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_bundle_plan_spills_package_and_subsidy_per_project() -> None:
    ids = [["GZ-A"], ["GZ-B"], ["GZ-C"], [None], ["CQ-D"], ["CQ-E"]]
    npvs = [[-300], [500], [-250], [None], [-80], [90]]
    districts = [["Liwan"], ["Liwan"], ["Liwan"], [None], ["Jiulongpo"], ["Jiulongpo"]]
    assert call("bundle_plan", ids, npvs, districts, 3) == [[1, 50.0], [1, 50.0], [1, 50.0], ["", ""],
                                                           [2, 0.0], [2, 0.0]]
    assert call("bundle_plan", ids, npvs, districts, 1) == [[1, 300.0], [2, 0.0], [3, 250.0], ["", ""],
                                                           [4, 80.0], [5, 0.0]]
    assert call("bundle_plan", ids, npvs, None, None) == [[1, 40.0]] * 3 + [["", ""]] + [[1, 40.0]] * 2


@pytest.mark.parametrize(("args", "message"), [
    (([["a"], ["b"]], [[1], ["x"]], None, None), r"^npvs: text 'x' where a number belongs \(row 2"),
    (([["a"], ["a"]], [[1], [-2]], None, None), r"^ids: 'a' appears twice \(rows 1 and 2\)"),
    (([["a"], [None]], [[1], [-2]], None, None), r"^ids: row 2 is empty but the other column is not"),
    (([["a"], ["b"]], [[1]], None, None), r"^npvs: has 1 cells but ids has 2"),
    (([["a"], ["b"]], [[1], [-2]], [["D"]], None), r"^districts: has 1 cells but ids has 2"),
    (([["a"], ["b"]], [[1], [-2]], None, 0), r"^max_size: must be a whole number 1 or more"),
])
def test_bundle_plan_bad_input(args: tuple, message: str) -> None:
    with pytest.raises(RenewalInputError, match=message):
        call("bundle_plan", *args)
