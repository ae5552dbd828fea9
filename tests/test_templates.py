"""The generated workbooks: regenerated equal to the committed ones, recalculated by an
independent formula engine equal to the model, cached values readable without Excel,
the template contract kept, the Lite flavour and its binding script, LibreOffice opening
every file."""

from __future__ import annotations

import asyncio
import json
import math
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.formula import ArrayFormula
from python_calamine import CalamineWorkbook

from renewal import cashflow, fit, patterns, returns
from renewal.bundling import plan_bundles
from renewal.cases import CaseResult, ReferenceCase, case, evaluate_cases, reference_cases
from renewal_cli.main import main
from workbook_templates import cached as cached_package
from workbook_templates import contract, results, styles
from workbook_templates.build import INVALID_DIR, MANIFEST, build_all, jobs
from workbook_templates.engine import ExcelError, Values, recalculate_file
from workbook_templates.layout import LINE_HEIGHT, Identity, cells_of
from workbook_templates.portfolio import Portfolio
from workbook_templates.runtime import LITE_PREFIX, calls_renewal, function_names
from xl_addin import lite

ROOT = Path(__file__).resolve().parents[1]
GENERATED = [job.path for job in jobs() if job.kind != "invalid"]
REL = 1e-9
DIGITS = 13
"""Cached numbers compare to this many significant digits (see :func:`_parts`)."""


def _invalid_files() -> list[Path]:
    return [INVALID_DIR / entry["file"] for entry in _manifest()["files"]]


@cache
def _manifest() -> dict:
    return json.loads((ROOT / MANIFEST).read_text("utf-8"))


ALL = [*GENERATED, *_invalid_files()]


# --- regenerated == committed ---------------------------------------------------------------

_CACHED_NUMBER = re.compile(rb"<v>(-?[0-9.]+(?:[eE][-+]?[0-9]+)?)</v>")


def _rounded(m: re.Match[bytes]) -> bytes:
    return b"<v>%s</v>" % f"{float(m.group(1)):.{DIGITS}g}".encode()


def _parts(path: Path) -> dict[str, bytes]:
    """The package's parts, cached numbers rounded to :data:`DIGITS` significant digits (their
    last bits follow the numpy build's libm: expm1 and log1p differ by an ulp between versions)."""
    with zipfile.ZipFile(path) as z:
        return {name: _CACHED_NUMBER.sub(_rounded, z.read(name)) for name in z.namelist()}


def _same(a: object, b: object) -> bool:
    """Equal, numbers to :data:`DIGITS` significant digits."""
    if isinstance(a, float) and isinstance(b, float | int) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=10.0**-DIGITS, abs_tol=1e-300)
    return a == b


def describe(path: Path) -> dict[str, object]:
    """What a person or a program sees in a workbook: sheets and their protection, names,
    tables, validations, merged cells, sizes, print setup, charts, document properties,
    and each cell's formula or value, cached value, number format, font, fill, lock, wrap."""
    wb, cached = load_workbook(path), load_workbook(path, data_only=True)
    out: dict[str, object] = {
        "sheets": [(ws.title, ws.sheet_state, ws.protection.sheet, ws.protection.password) for ws in wb.worksheets],
        "names": {name: d.attr_text for name, d in wb.defined_names.items()},
        "properties": {p.name: p.value for p in wb.custom_doc_props.props},
        "created": (wb.properties.created, wb.properties.modified),
        "calculation": (wb.calculation.fullCalcOnLoad, wb.calculation.calcId),
    }
    for ws in wb.worksheets:
        t = ws.title
        out[f"{t}!tables"] = {x.name: (x.ref, [c.name for c in x.tableColumns]) for x in ws.tables.values()}
        out[f"{t}!validations"] = sorted(repr((v.type, v.formula1, v.formula2, v.operator, str(v.sqref), v.prompt))
                                         for v in ws.data_validations.dataValidation)
        out[f"{t}!merged"] = sorted(str(r) for r in ws.merged_cells.ranges)
        out[f"{t}!widths"] = {k: d.width for k, d in ws.column_dimensions.items()}
        out[f"{t}!heights"] = {k: d.height for k, d in ws.row_dimensions.items() if d.height}
        out[f"{t}!print"] = (ws.print_area, ws.page_setup.orientation, ws.page_setup.fitToWidth,
                             ws.page_setup.fitToHeight, ws.freeze_panes)
        out[f"{t}!charts"] = len(ws._charts)
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None and not cell.has_style:
                    continue
                value, stored = cell.value, cached[t][cell.coordinate].value
                if isinstance(stored, float):
                    stored = float(f"{stored:.{DIGITS}g}")
                if isinstance(value, ArrayFormula):
                    value = (value.ref, value.text)
                out[f"{t}!{cell.coordinate}"] = (
                    value, stored, cell.number_format,
                    (cell.font.name, cell.font.sz, cell.font.b, cell.font.i, cell.font.color and cell.font.color.rgb),
                    cell.fill.fgColor.rgb, cell.protection.locked, cell.alignment.wrap_text)
    return out


def differences(expected: Path, actual: Path) -> list[str]:
    """Where two workbooks differ: nothing when every part of the package is equal;
    otherwise what :func:`describe` sees differently (or the parts, if it sees nothing)."""
    a, b = _parts(expected), _parts(actual)
    if a == b:
        return []
    left, right = describe(expected), describe(actual)
    found = [f"{k}: {left.get(k)!r} != {right.get(k)!r}" for k in sorted(set(left) | set(right), key=str)
             if left.get(k) != right.get(k)]
    return found or [f"part {name} differs" for name in sorted(set(a) | set(b)) if a.get(name) != b.get(name)]


@dataclass(frozen=True)
class Regenerated:
    """The generator's output in a temporary folder, with what the formula engine computed for each file."""

    out: Path
    values: dict[Path, Values]


@pytest.fixture(scope="session")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Regenerated:
    out = tmp_path_factory.mktemp("regenerated")
    return Regenerated(out, {made.path: made.values for made in build_all(out)})


def test_committed_workbooks_are_what_the_generator_writes(regenerated: Regenerated) -> None:
    out = regenerated.out
    for rel in ALL:
        assert (out / rel).is_file(), rel
        found = differences(ROOT / rel, out / rel)
        assert not found, (rel, found[:10])
    assert (ROOT / MANIFEST).read_text("utf-8") == (out / MANIFEST).read_text("utf-8")
    generated = {p.relative_to(out) for p in out.rglob("*") if p.is_file()}
    committed = {p.relative_to(ROOT) for d in ("workbook_templates", "samples", "portfolios")
                 for p in (ROOT / d).rglob("*") if p.suffix in (".xlsx", ".json")}
    assert committed == generated


def test_the_comparison_sees_a_changed_style_formula_and_cached_value(tmp_path: Path) -> None:
    source = ROOT / "samples" / "jinsong_north.xlsx"
    wb = load_workbook(source)
    wb["Results"]["C9"].number_format = "0.0"
    wb["Results"]["C11"] = "=1+1"
    changed = tmp_path / "changed.xlsx"
    wb.save(changed)
    found = "\n".join(differences(source, changed))
    assert "Results!C9" in found and "'0.0'" in found
    assert "Results!C11" in found and "=1+1" in found
    assert "Results!C10" in found  # saved by openpyxl: the cached values are gone
    assert differences(source, source) == []


def test_generated_packages_carry_fixed_timestamps() -> None:
    for rel in ALL:
        core = _parts(ROOT / rel)["docProps/core.xml"].decode()
        assert core.count("2024-01-01T00:00:00Z") == 2, rel
        with zipfile.ZipFile(ROOT / rel) as z:
            assert {info.date_time for info in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}, rel


def test_renewal_cases_runs_without_openpyxl() -> None:
    code = ("import sys\nsys.modules['openpyxl'] = None\n"
            "from renewal_cli.main import main\nraise SystemExit(main(['--lang', 'en', 'cases']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "Jinsong" in done.stdout


def test_the_cli_command_builds_below_out(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    from workbook_templates import build

    calls = []
    monkeypatch.setattr(build, "build_all", lambda out, workers: calls.append((out, workers)) or [])
    assert main(["template", "build", "--out", str(tmp_path), "--workers", "1"]) == 0
    assert calls == [(tmp_path, 1)] and capsys.readouterr().out.strip() == str(tmp_path / MANIFEST)


def test_the_engine_recalculates_a_committed_file_as_the_generator_did(regenerated: Regenerated) -> None:
    rel = Path("samples/zhenwumiao_wuli_3.xlsx")
    assert recalculate_file(ROOT / rel) == regenerated.values[rel]


# --- recalculated by the formula engine == the model ------------------------------------------
# The generator recalculates every workbook it writes with the formula engine (``regenerated``);
# the committed files are equal to what it writes, so these are the committed formulas' values.

@pytest.fixture(scope="session")
def recalculated(regenerated: Regenerated) -> dict[Path, Values]:
    return {rel: regenerated.values[rel] for rel in ALL}


@dataclass(frozen=True)
class Book:
    """A committed workbook's names and cached values, and its recalculated values."""

    names: dict[str, list[tuple[str, str]]]
    cached: dict[tuple[str, str], object]
    values: Values

    def cells(self, name: str) -> list[tuple[str, str]]:
        return self.names[name]

    def __call__(self, name: str) -> list[object]:
        """The recalculated values of a defined name's cells, row by row."""
        return [self.values.get(c, self.cached.get(c)) for c in self.cells(name)]

    def one(self, name: str) -> object:
        (value,) = self(name)
        return value


def _cells_of_ref(sheet: str, ref: str) -> list[tuple[str, str]]:
    return [(sheet, cell) for cell in cells_of(ref)]


@pytest.fixture(scope="session")
def books(recalculated: dict[Path, Values]) -> dict[Path, Book]:
    out = {}
    for rel, values in recalculated.items():
        wb = load_workbook(ROOT / rel, data_only=True, read_only=True)
        names = {name: [c for sheet, ref in d.destinations for c in _cells_of_ref(sheet, ref)]
                 for name, d in wb.defined_names.items() if not d.attr_text.startswith("#REF!")}
        cached = {(ws.title, c.coordinate): c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
                  if c.value is not None}
        wb.close()
        out[rel] = Book(names, cached, values)
    return out


def _expect(value: float | None, error: str) -> object:
    return error if value is None else pytest.approx(value, rel=REL, abs=1e-12)


def _case_expectations(c: ReferenceCase, record: dict, best: str | None) -> dict[str, object]:
    so, h = c.renovation_surplus, c.horizon
    scores = fit.fit_site(c.site).ranking
    yes_no = {True: "是 / yes", False: "否 / no"}
    return {
        "res_renovation_surplus": _expect(so, ""),
        "res_entity_investment": _expect(c.entity_investment, ""),
        "res_payback_years": _expect(record["payback_years"], "#N/A"),
        "res_discounted_payback_years": _expect(record["discounted_payback_years"], "#N/A"),
        "res_npv": _expect(record["npv"], ""),
        "res_irr": _expect(record["irr"], "#NUM!"),
        "res_mirr": _expect(record["mirr"], "#DIV/0!"),
        "res_irr_warning": returns.irrs_note(record["irrs"], "zh"),
        "res_excel_check": contract.EXCEL_CHECK_OK,
        "res_years_to_target": _expect(record["years_to_target"], "#N/A"),
        "res_required_annual_surplus": _expect(
            cashflow.required_annual_surplus(so, h, c.discount_rate), ""),
        "res_balance_status": record["balance_status"],
        "res_declared_pattern_name": patterns.pattern_name(c.pattern, "zh"),
        "res_best_fit_pattern": best,
        "res_reasons": fit.fit_reasons(c.site, c.pattern, "zh"),
        "res_policy_guidance": patterns.policy_guidance(c.pattern, "zh"),
        "res_pattern_scores": [v for p in scores for v in (p.code, _expect(p.score, ""), yes_no[p.applicable])],
    }


@pytest.mark.parametrize("result", evaluate_cases("zh"), ids=lambda r: r.case.id)
def test_each_sample_recalculates_to_the_models_results(result: CaseResult, books: dict[Path, Book]) -> None:
    c = result.case
    book = books[Path("samples") / f"{c.id}.xlsx"]
    for name, expected in _case_expectations(c, result.record, result.best_fit).items():
        got = book(name) if isinstance(expected, list) else book.one(name)
        assert got == expected, name
    h = c.horizon
    sk = book("res_operating_surpluses")
    assert sk[:h] == pytest.approx(list(c.operating_surpluses), rel=REL) and set(sk[h:]) <= {""}
    balance = cashflow.cumulative_balance(c.renovation_surplus, c.operating_surpluses)
    assert book("res_cumulative_balance")[: h + 1] == pytest.approx(list(balance), rel=REL)
    assert book("chart_balance")[: h + 1] == pytest.approx(list(balance), rel=REL)
    assert book("chart_flows")[: h + 1] == pytest.approx([c.renovation_surplus, *c.operating_surpluses], rel=REL)
    assert book(contract.CHART_YEARS_NAME)[: h + 1] == list(range(h + 1))  # the chart's year axis: to the horizon
    # No error value anywhere but where the model's answer is one, or the chart's gaps beyond the horizon.
    gaps = {cell for name in (*contract.CHART_NAMES, contract.CHART_YEARS_NAME) for cell in book.cells(name)[h + 1:]}
    answers = {cell for name in ("res_irr", "res_mirr", "res_payback_years", "res_discounted_payback_years",
                                 "res_years_to_target", "res_equity_irr") if isinstance(book.one(name), ExcelError)
               for cell in book.cells(name)}
    errors = {cell for cell, v in book.values.items() if isinstance(v, ExcelError)
              and cell[0] != contract.SHEETS["whatif"]}  # the What-if sheet's: test_the_whatif_sheet_...
    assert errors <= gaps | answers | _paper_cells(book, answers) | _check_block_cells(book, answers)
    assert all(book.values[g] == "#N/A" for g in gaps)


def _paper_cells(book: Book, answers: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The Project sheet's "computed" beside the paper's statements repeat a result."""
    return {cell for cell, v in book.values.items() if cell[0] == contract.SHEETS["project"]
            and isinstance(v, ExcelError) and any(book.values[a] == v for a in answers)}


def _check_block_cells(book: Book, answers: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The check block's cells (the add-in's answer, Excel's own) that repeat an error answer."""
    sheet, cell = book.cells("res_excel_check")[0]
    last = int(cell[1:])
    block = {(sheet, f"{col}{r}") for r in range(last - len(results.CHECKS), last) for col in "CD"}
    return {c for c in block if any(book.values[c] == book.values[a] for a in answers)}


def test_irr_is_num_error_where_the_flows_never_change_sign(books: dict[Path, Book]) -> None:
    zhegong = books[Path("samples/zhegong_new_village.xlsx")]
    assert zhegong.one("res_irr") == "#NUM!" and zhegong.one("res_renovation_surplus") == 0
    assert zhegong.one("res_mirr") == "#DIV/0!"
    assert math.isnan(returns.irr(0, case("zhegong_new_village").operating_surpluses))


def test_paper_statements_sit_beside_the_computed_figures(books: dict[Path, Book]) -> None:
    for result in evaluate_cases("zh"):
        book = books[Path("samples") / f"{result.case.id}.xlsx"]
        project = [(cell, v) for cell, v in book.values.items() if cell[0] == "Project"
                   and cell[1].startswith("E") and not isinstance(v, str)]
        computed = [value for _, value in sorted(project, key=lambda cv: int(cv[0][1][1:]))]
        expected = [v for _, v in result.paper]
        assert computed == pytest.approx(expected, rel=REL), result.case.id


def test_each_samples_own_pattern_is_its_best_fit(books: dict[Path, Book]) -> None:
    for c in reference_cases():
        book = books[Path("samples") / f"{c.id}.xlsx"]
        assert book.cached[book.cells("res_best_fit_pattern")[0]] == c.pattern == book.one("res_best_fit_pattern")


def _model_cell(value: float) -> object:
    """What a cell shows for a model's number: ``#N/A`` for never, ``#NUM!`` for none."""
    if math.isnan(value):
        return "#NUM!"
    return "#N/A" if math.isinf(value) else pytest.approx(value, rel=REL, abs=1e-9)


def _drivers_of(c: ReferenceCase) -> tuple[float, float, list[float], list[float], int, float]:
    from renewal.codes import counts_in_renovation_surplus
    from renewal.stages import operating_surpluses

    ro = sum(i.amount for i in c.renovation if i.kind == "revenue" and counts_in_renovation_surplus(i.source))
    co = sum(i.amount for i in c.renovation if i.kind == "cost")
    rk, ck = (list(operating_surpluses([o for o in c.operation if o.kind == kind], c.horizon))
              for kind in ("revenue", "cost"))
    return float(ro), float(co), rk, [-v for v in ck], c.horizon, c.discount_rate


@pytest.mark.parametrize("c", reference_cases(), ids=lambda c: c.id)
def test_the_whatif_sheet_equals_the_model(c: ReferenceCase, books: dict[Path, Book]) -> None:
    from renewal.drivers import DRIVERS
    from renewal.language import load_data, message
    from renewal.risk import risk_profile
    from renewal.scenarios import scenarios
    from renewal.sensitivity import sensitivity
    from renewal.subsidy import subsidy_gap

    book = books[Path("samples") / f"{c.id}.xlsx"]
    lang = book.one("in_lang")
    drivers = _drivers_of(c)
    assert book.one("wi_subsidy_gap") == _model_cell(
        subsidy_gap(c.renovation_surplus, c.operating_surpluses, c.target_return))
    s = sensitivity(*drivers, 0.1)
    expected = [[message("driver", DRIVERS[j], lang), *(_model_cell(v) for v in
                 (s.low[0, j], s.high[0, j], s.range[0, j], s.switching[0, j]))] for j in s.ranking()]
    assert book("wi_sensitivity") == [v for row in expected for v in row]
    settings = load_data("workbook_templates", "whatif.toml")
    a = scenarios([row["factors"] for row in settings["scenario"]], *drivers)
    assert book("wi_scenario_results") == [
        v for i in range(len(a)) for v in (_model_cell(a.payback_years[i]), _model_cell(a.npv[i]),
                                           _model_cell(a.irr[i]), a.status[i].text(lang),
                                           _model_cell(a.subsidy_gap[i]))]
    risk = risk_profile(*drivers, *(settings["settings"][k] for k in ("spread", "trials", "seed")))
    assert book("wi_risk_profile") == [_model_cell(v) for v in risk.rows()[0]]
    whatif = {cell for cell in book.values if cell[0] == contract.SHEETS["whatif"]}
    reported = {cell for name in ("wi_sensitivity", "wi_scenario_results", "wi_risk_profile")
                for cell in book.cells(name)}
    assert not {cell for cell in whatif - reported if isinstance(book.values[cell], ExcelError)}


def test_the_results_chart_runs_to_the_horizon() -> None:
    """An XY chart over the years 0..horizon (``#N/A`` beyond: not plotted, so the value axis
    ends at the horizon), So and Sk as columns (error bars down to 0), the balance as a line."""
    wb = load_workbook(ROOT / "samples" / "jinsong_north.xlsx")
    _, years = next(iter(wb.defined_names[contract.CHART_YEARS_NAME].destinations))
    flows = next(iter(wb.defined_names[contract.CHART_NAMES[0]].destinations))[1]
    charts = [p.decode() for name, p in _parts(ROOT / "samples" / "jinsong_north.xlsx").items()
              if name.startswith("xl/charts/chart")]
    results = [c for c in charts if "<scatterChart>" in c]
    assert len(results) == 1 and results[0].count("<ser>") == 2 and "<barChart>" not in results[0]
    chart = results[0]
    assert chart.count(f"<xVal><numRef><f>'Results'!{years}</f>") == 2
    assert f"<yVal><numRef><f>'Results'!{flows}</f>" in chart
    assert '<errBarType val="minus"/>' in chart and '<errValType val="percentage"/>' in chart
    assert '<tickLblPos val="low"/>' in chart


def test_the_whatif_sheet_draws_a_tornado() -> None:
    parts = _parts(ROOT / "samples" / "jinsong_north.xlsx")
    charts = [p.decode() for name, p in parts.items() if name.startswith("xl/charts/chart")]
    tornado = [c for c in charts if '<barDir val="bar"/>' in c]  # horizontal bars
    assert len(tornado) == 1 and tornado[0].count("<ser>") == 2
    assert "'What-if'!$A$" in tornado[0] and '<overlap val="100"/>' in tornado[0]


@pytest.mark.parametrize("runtime", contract.RUNTIMES)
def test_the_empty_template_shows_blank_results_not_errors(runtime: str, books: dict[Path, Book]) -> None:
    book = books[Path("workbook_templates") / Identity(contract.TEMPLATE_ID, runtime, ()).files[runtime]]
    assert book.one(contract.READY_NAME) is False
    for result in contract.RESULTS:
        assert set(book(result.defined_name)) == {""}, result.name
    chart = {cell for name in (*contract.CHART_NAMES, contract.CHART_YEARS_NAME) for cell in book.cells(name)}
    errors = {cell for cell, v in book.values.items() if isinstance(v, ExcelError)}
    assert errors == chart and {book.values[c] for c in chart} == {"#N/A"}
    defaults = {f.defined_name: f.default for f in contract.PROJECT_FIELDS}
    assert {n: book.cached.get(book.cells(n)[0]) for n in defaults} == defaults


@pytest.mark.parametrize("runtime", contract.RUNTIMES)
def test_the_portfolio_computes_every_row_in_one_call(runtime: str, books: dict[Path, Book]) -> None:
    rel = Path("workbook_templates") / Identity(contract.PORTFOLIO_ID, runtime, ()).files[runtime]
    book = books[rel]
    results = evaluate_cases("zh")
    assert book("pf_id") == [r.case.project_id for r in results]
    expected = {
        "pf_payback_years": [_expect(r.record["payback_years"], "#N/A") for r in results],
        "pf_npv": [_expect(r.record["npv"], "") for r in results],
        "pf_irr": [_expect(r.record["irr"], "#NUM!") for r in results],
        "pf_balance_status": [r.record["balance_status"] for r in results],
        "pf_best_fit_pattern": [r.best_fit for r in results],
        "pf_best_fit_name": [patterns.pattern_name(r.best_fit, "zh") for r in results],
    }
    wb = load_workbook(ROOT / rel)
    for name, values in expected.items():
        assert book(name) == values, name
        (sheet, ref), = wb.defined_names[name].destinations
        first = wb[sheet][ref.split(":")[0].replace("$", "")].value
        assert isinstance(first, ArrayFormula) and first.ref == ref.replace("$", ""), name  # one call for all rows


def test_every_cached_value_equals_the_recalculated_one(books: dict[Path, Book]) -> None:
    stale = INVALID_DIR / "jinsong_stale_cached_results.xlsx"
    for rel, book in books.items():
        differ = {cell for cell, v in book.values.items() if not _same(book.cached.get(cell, ""), v)}
        if rel == stale:
            entry = next(e for e in _manifest()["files"] if e["file"] == rel.name)
            listed = {(d["sheet"], d["cell"]) for d in entry["defects"]}
            assert listed and listed <= differ
            assert all(book.cached[(d["sheet"], d["cell"])] == d["value"] for d in entry["defects"])
        else:
            assert not differ, (rel, sorted(differ)[:5])


# --- cached values without Excel --------------------------------------------------------------

@pytest.mark.parametrize(("sample", "payback"), [("jinsong_north", 8.91), ("zhenwumiao_wuli_3", 6.25)])
def test_cached_payback_reads_without_excel(sample: str, payback: float) -> None:
    path = ROOT / "samples" / f"{sample}.xlsx"
    wb = load_workbook(path, data_only=True)
    (sheet, ref), = wb.defined_names["res_payback_years"].destinations
    cell = ref.replace("$", "")
    assert round(wb[sheet][cell].value, 2) == payback
    assert wb[sheet][cell].number_format == "0.00"
    row, col = wb[sheet][cell].row, wb[sheet][cell].column
    value = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()[row - 1][col - 1]
    assert round(value, 2) == payback


def test_cached_values_carry_their_types(books: dict[Path, Book]) -> None:
    zhegong = ROOT / "samples" / "zhegong_new_village.xlsx"
    parts = _parts(zhegong)
    xml = parts[cached_package.sheet_parts(parts)["Results"]].decode()
    book = books[Path("samples/zhegong_new_village.xlsx")]
    irr = book.cells("res_irr")[0][1]
    assert f'<c r="{irr}"' in xml and 't="e"' in xml.split(f'<c r="{irr}"')[1].split(">")[0]
    status = book.cells("res_balance_status")[0][1]
    assert 't="str"' in xml.split(f'<c r="{status}"')[1].split(">")[0]
    assert 'fullCalcOnLoad="1"' not in _parts(zhegong)["xl/workbook.xml"].decode()


# --- the contract, the look, protection -----------------------------------------------------

def test_the_template_keeps_the_contract() -> None:
    wb = load_workbook(ROOT / "workbook_templates" / "renewal_project.xlsx")
    names = set(wb.defined_names)
    assert {f.defined_name for f in contract.PROJECT_FIELDS} <= names
    assert {r.defined_name for r in contract.RESULTS} <= names
    assert {*contract.META_NAMES, contract.RUNTIME_NAME, contract.READY_NAME, *contract.CHART_NAMES} <= names
    assert set(contract.COLUMN_NAMES) | set(contract.BLOCK_NAMES) <= names
    assert set(contract.SHEETS.values()) <= set(wb.sheetnames)
    for table in (contract.RENOVATION_TABLE, contract.OPERATION_TABLE, contract.SITE_TABLE):
        excel = wb[table.sheet].tables[table.name]
        assert [c.name for c in excel.tableColumns] == list(table.columns)
        first_row, last_row = (int("".join(ch for ch in corner if ch.isdigit())) for corner in excel.ref.split(":"))
        assert last_row - first_row == table.rows
    assert [wb[contract.SHEETS["meta"]][c].value for c in ("B1", "B2")] == [contract.TEMPLATE_ID,
                                                                          contract.TEMPLATE_VERSION]
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props == {"template_id": contract.TEMPLATE_ID, "template_version": contract.TEMPLATE_VERSION,
                     "runtime": "classic"}
    assert {ws.title: ws.sheet_state for ws in wb.worksheets if ws.sheet_state != "visible"} == {
        "Lists": "hidden", "_Meta": "hidden", "xlwings.conf": "hidden"}
    assert [wb["xlwings.conf"]["A1"].value, wb["xlwings.conf"]["B1"].value] == ["UDF Modules", "xl_addin.udfs"]


@pytest.mark.parametrize("rel", GENERATED, ids=str)
def test_inputs_are_unlocked_formulas_locked_sheets_protected_without_password(rel: Path) -> None:
    wb = load_workbook(ROOT / rel)
    input_fill = "00" + styles.COLOURS["input_fill"]
    inputs = set()
    for ws in wb.worksheets:
        if ws.title in ("xlwings.conf", "Guide"):  # settings the user may edit; the legend's locked samples
            assert ws.title == "xlwings.conf" or ws.protection.sheet
            continue
        assert ws.protection.sheet and not ws.protection.password, ws.title
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" or isinstance(cell.value, ArrayFormula):
                    assert cell.protection.locked and cell.fill.fgColor.rgb != input_fill, (ws.title, cell.coordinate)
                if cell.fill.fgColor.rgb == input_fill:
                    inputs.add((ws.title, cell.coordinate))
                    assert not cell.protection.locked, (ws.title, cell.coordinate)
                    assert cell.font.color.rgb == "00" + styles.COLOURS["input_font"], (ws.title, cell.coordinate)
    named = [c for name, d in wb.defined_names.items() if name.startswith("in_") or name in INPUT_NAMES
             for c in _cells_of_ref(*next(iter(d.destinations)))]
    assert named and set(named) <= inputs


INPUT_NAMES = {"ren_kind", "ren_source", "ren_amount", "op_kind", "op_amounts", "site_values",
               "pf_id", "pf_name", "pf_district", "pf_pattern", "pf_horizon", "pf_discount_rate", "pf_so", "pf_sk",
               "pf_lang", "pf_bundle_max_size"}


PORTFOLIOS = [Path("workbook_templates") / Identity(contract.PORTFOLIO_ID, r, ()).files[r] for r in contract.RUNTIMES]
PORTFOLIOS.append(Path("portfolios/district_bundling.xlsx"))


@pytest.mark.parametrize("rel", PORTFOLIOS, ids=str)
def test_the_bundles_sheet_is_the_planners_plan(rel: Path, books: dict[Path, Book]) -> None:
    book = books[rel]
    npv = np.array(book("pf_npv"), dtype=float)
    districts = book("pf_district")
    max_size = book.one("pf_bundle_max_size")
    plan = plan_bundles(npv, districts, max_size)
    cells = book("pf_bundle_plan")
    assert cells[0::2] == plan.package.tolist()
    assert cells[1::2] == pytest.approx(plan.package_subsidy[plan.package - 1].tolist(), rel=REL, abs=1e-9)
    wb = load_workbook(ROOT / rel)
    (sheet, ref), = wb.defined_names["pf_bundle_plan"].destinations
    first = wb[sheet][ref.split(":")[0].replace("$", "")].value
    assert isinstance(first, ArrayFormula) and first.ref == ref.replace("$", "")  # one call for all rows
    summary = [book.values[(sheet, f"H{r}")] for r in (5, 6, 7)]
    assert summary == pytest.approx([plan.no_bundling, plan.total_subsidy, plan.no_bundling - plan.total_subsidy],
                                    rel=REL)


def test_the_sample_district_portfolio_needs_bundling() -> None:
    portfolio = Portfolio.district_sample()
    districts = [r.district for r in portfolio.rows]
    npv = np.array([cashflow.npv(r.discount_rate, r.renovation_surplus, list(r.operating_surpluses))
                    for r in portfolio.rows])
    assert len(set(districts)) >= 3 and (npv > 0).sum() < (npv < 0).sum()
    plan = plan_bundles(npv, districts, portfolio.max_size)
    assert plan.district_bound < plan.total_subsidy < plan.no_bundling / 10  # the size limit binds
    assert all("示意" in r.name for r in portfolio.rows)  # illustrative, and says so


def test_drop_downs_guard_codes_and_numbers_are_validated() -> None:
    wb = load_workbook(ROOT / "workbook_templates" / "renewal_project.xlsx")
    lists = {dv.formula1 for ws in wb.worksheets for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert lists == {"=list_pattern", "=list_city", "=list_lang", "=list_kind", "=list_source", "=list_fin_kind",
                     "=list_fin_method"}
    project = wb["Project"]
    rules = {str(dv.sqref): dv for dv in project.data_validations.dataValidation}
    (_, ref), = wb.defined_names["in_horizon"].destinations
    rule = rules[ref.replace("$", "")]
    assert (rule.type, rule.operator, rule.formula1, rule.formula2) == ("whole", "between", "1", "50")
    lists_sheet = wb["Lists"]
    (_, ref), = wb.defined_names["list_pattern"].destinations
    assert [c.value for row in lists_sheet[ref.replace("$", "")] for c in row] == list(patterns.PATTERN_CODES)


def test_number_formats_money_rates_years(books: dict[Path, Book]) -> None:
    wb = load_workbook(ROOT / "samples" / "jinsong_north.xlsx")
    formats = {name: wb[s][r.replace("$", "")].number_format
               for name in ("res_npv", "res_irr", "res_payback_years", "in_discount_rate", "in_horizon")
               for s, r in wb.defined_names[name].destinations}
    assert formats == {"res_npv": "#,##0.0", "res_irr": "0.00%", "res_payback_years": "0.00",
                       "in_discount_rate": "0.00%", "in_horizon": "0"}


def test_so_leaves_out_the_sources_that_do_not_count_in_it() -> None:
    from renewal.codes import counts_in_renovation_surplus, source_codes

    wb = load_workbook(ROOT / "workbook_templates" / "renewal_project.xlsx")
    (sheet, ref), = wb.defined_names["res_renovation_surplus"].destinations
    so_row = int(ref.split("$")[-1])
    revenue = wb[sheet][f"C{so_row - 2}"].value
    excluded = [s for s in source_codes() if not counts_in_renovation_surplus(s)]
    assert excluded and all(f'"<>{s}"' in revenue for s in excluded)
    assert not any(f'"<>{s}"' in revenue for s in source_codes() if s not in excluded)


def test_contract_fields_are_well_formed() -> None:
    for f in contract.PROJECT_FIELDS:
        assert f.codes is None or f.kind == "code", f.name
        assert f.kind != "code" or f.codes in ("pattern", "city", "lang"), f.name
        if f.minimum is not None and f.maximum is not None:
            assert f.minimum <= f.maximum, f.name
        if isinstance(f.default, (int, float)):
            assert f.minimum <= f.default <= f.maximum, f.name


def test_row_heights_fit_the_long_text_results() -> None:
    wb = load_workbook(ROOT / "samples" / "jinsong_north.xlsx", data_only=True)
    for name in ("res_reasons", "res_policy_guidance"):
        (sheet, ref), = wb.defined_names[name].destinations
        cell = wb[sheet][ref.replace("$", "")]
        lines = cell.value.count("\n") + 1
        assert wb[sheet].row_dimensions[cell.row].height >= lines * LINE_HEIGHT, name


# --- the two runtimes -------------------------------------------------------------------------

def _formulas(path: Path) -> list[tuple[str, str, str]]:
    wb = load_workbook(path)
    return [(ws.title, c.coordinate, c.value.text if isinstance(c.value, ArrayFormula) else c.value)
            for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "f" or isinstance(c.value, ArrayFormula)]


def test_classic_formulas_use_plain_names_and_single_cells_lite_the_xldudf_spelling_as_dynamic_arrays() -> None:
    classic = ROOT / "workbook_templates" / "renewal_project.xlsx"
    lite_path = ROOT / "workbook_templates" / "renewal_project_lite.xlsx"
    plain = [f for *_, f in _formulas(classic) if calls_renewal(f)]
    spelt = [f for *_, f in _formulas(lite_path) if LITE_PREFIX in f]
    assert plain and len(plain) >= len(spelt) > 0
    assert not any(LITE_PREFIX in f for *_, f in _formulas(classic))
    wb = load_workbook(classic)
    assert not [c.coordinate for ws in wb.worksheets for row in ws.iter_rows() for c in row
                if isinstance(c.value, ArrayFormula) and calls_renewal(c.value.text)]  # LibreOffice shows cached values
    parts = _parts(lite_path)
    for sheet in ("Results", "Financing"):
        xml = parts[cached_package.sheet_parts(parts)[sheet]].decode()
        in_sheet = [f for s, _, f in _formulas(lite_path) if s == sheet and LITE_PREFIX in f]
        assert xml.count('cm="1"') == xml.count('t="array"') > len(in_sheet) // 2, sheet
    assert "XLDAPR" in parts["xl/metadata.xml"].decode()
    assert "sheetMetadata" in parts["[Content_Types].xml"].decode()
    used = {name for *_, f in _formulas(lite_path) for name in function_names() if f"{LITE_PREFIX}{name}(" in f}
    unused = {"OPERATING_SURPLUSES", "LEASE_SURPLUS", "PACKAGE_BALANCE", "BUNDLE_PLAN"}  # BUNDLE_PLAN: portfolio
    assert used == set(function_names()) - unused


class _FakeRange:
    """The part of an xlwings Lite range the binding script uses, over a grid of formulas."""

    def __init__(self, sheet: str, grid: list[list[object]], written: dict[str, str], row: int = 0, col: int = 0):
        self.sheet, self.grid, self.written, self.row, self.col = sheet, grid, written, row, col

    def options(self, **_: object) -> _FakeRange:
        return self

    async def get_formula(self) -> list[list[object]]:
        return self.grid

    def __getitem__(self, key: tuple[int, int]) -> _FakeRange:
        return _FakeRange(self.sheet, self.grid, self.written, *key)

    @property
    def address(self) -> str:
        from openpyxl.utils import get_column_letter

        return f"${get_column_letter(self.col + 1)}${self.row + 1}"

    @property
    def formula(self) -> str:
        return self.written[f"{self.sheet}!{self.address.replace('$', '')}"]

    @formula.setter
    def formula(self, value: str) -> None:
        self.written[f"{self.sheet}!{self.address.replace('$', '')}"] = value


@dataclass
class _FakeSheet:
    name: str
    used: _FakeRange

    async def get_used_range(self) -> _FakeRange:
        return self.used


def test_the_lite_script_re_enters_every_renewal_formula_plainly() -> None:
    path = ROOT / "workbook_templates" / "renewal_project_lite.xlsx"
    wb = load_workbook(path)
    written: dict[str, str] = {}
    sheets = []
    for ws in wb.worksheets:
        grid = [["=" + c.value.text.lstrip("=") if isinstance(c.value, ArrayFormula) else c.value
                 for c in row] for row in ws.iter_rows(min_row=1, min_col=1)]
        sheets.append(_FakeSheet(ws.title, _FakeRange(ws.title, grid, written)))
    book = type("Book", (), {"sheets": sheets})()
    entered = asyncio.run(lite.bind_formulas(book))
    spelt = {f"{s}!{c}": f for s, c, f in _formulas(path) if LITE_PREFIX in f}
    assert set(entered) == set(written) == set(spelt)
    for address, formula in written.items():
        assert LITE_PREFIX not in formula and calls_renewal(formula)
        assert formula == spelt[address].replace(LITE_PREFIX, "")


def test_the_lite_script_is_registered_for_xlwings_lite() -> None:
    from xlwings import server

    meta = server.custom_scripts_meta(lite)
    assert [(m["function_name"], m["lazy"]) for m in meta] == [("bind_renewal_formulas", True)]


# --- the broken samples -----------------------------------------------------------------------

def test_every_defect_in_the_manifest_is_where_it_says(books: dict[Path, Book]) -> None:
    ids = [books[Path("samples") / f"{c.id}.xlsx"].one("in_project_id") for c in reference_cases()]
    for entry in _manifest()["files"]:
        rel = INVALID_DIR / entry["file"]
        wb = load_workbook(ROOT / rel, data_only=True)
        ids.append(entry["project_id"])
        assert entry["defects"], rel
        for d in entry["defects"]:
            if d["check"] in ("NAME_BROKEN", "NAME_MISSING"):  # the sheet is gone, its names point nowhere
                assert d["sheet"] not in wb.sheetnames
                assert d["field"] in wb.defined_names if d["value"] else d["field"] not in wb.defined_names
                assert not d["value"] or wb.defined_names[d["field"]].attr_text == d["value"]
            else:  # the value (cached, for a result) sits in the cell named, under the field's name
                assert wb[d["sheet"]][d["cell"]].value == d["value"], (rel, d)
                if d["field"] in wb.defined_names:  # a field or result with a name: the cell is one of its cells
                    assert (d["sheet"], d["cell"]) in _cells_of_ref(*next(wb.defined_names[d["field"]].destinations))
    assert len(ids) == len(set(ids))


def test_broken_samples_show_what_their_defect_does(books: dict[Path, Book]) -> None:
    def book(name: str) -> Book:
        return books[INVALID_DIR / name]

    assert book("hongyupo_rate_as_text.xlsx").one("res_npv") == "#VALUE!"
    unknown = book("jinsong_unknown_pattern_code.xlsx")
    assert unknown.one("res_declared_pattern_name") == unknown.one("res_policy_guidance") == "#VALUE!"
    assert unknown.one("res_payback_years") == pytest.approx(3100 / 348, rel=REL)
    assert book("heyuan_site_sheet_missing.xlsx").one("res_best_fit_pattern") == "#REF!"
    assert book("zhenwumiao_amount_as_text.xlsx").one("res_renovation_surplus") == 0  # the cost silently skipped
    typed = book("zhenwumiao_payback_typed_over.xlsx")
    assert typed.cells("res_payback_years")[0] not in typed.values and typed.one("res_payback_years") == 6
    half = book("half_filled_missing_required.xlsx")
    assert half.one(contract.READY_NAME) is False and set(half("res_npv")) == {""}
    gz = book("guangzhou_expansion_45pct_floor_area.xlsx")
    assert gz.one("in_added_floor_area_m2") / gz.one("in_floor_area_m2") == pytest.approx(0.45, abs=1e-4)
    assert gz.one("res_best_fit_pattern") == "EXPANSION_SALE" and gz.one("in_city") == "Guangzhou"
    declared = book("yulin_declared_pattern_not_applicable.xlsx")
    assert declared.one("res_best_fit_pattern") == "BLOCK_OPERATION" != declared.one("in_pattern")


# --- LibreOffice --------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_converts_every_workbook_to_pdf(tmp_path: Path) -> None:
    files = [ROOT / p for p in ALL]
    halves = [files[0::2], files[1::2]]  # two soffice processes, each with its own profile
    procs = [subprocess.Popen(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile{i}", "--headless",
                               "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), *map(str, half)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i, half in enumerate(halves)]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert "Error" not in out + err.replace("javaldx", ""), out + err
    for path in files:
        pdf = tmp_path / "pdf" / f"{path.stem}.pdf"
        assert pdf.is_file() and pdf.stat().st_size > 10_000, path.name
        assert pdf.read_bytes().startswith(b"%PDF")


def test_every_generated_file_opens_in_calamine() -> None:
    for rel in ALL:
        wb = CalamineWorkbook.from_path(str(ROOT / rel))
        assert "Results" in wb.sheet_names, rel
        assert not any(isinstance(v, float) and math.isnan(v) for row in wb.get_sheet_by_name("Results").to_python()
                       for v in row)
