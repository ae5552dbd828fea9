"""`renewal batch`: each project's subsidy gap, switching values and P(NPV < 0), and the
packages' and the folder's total subsidy gap, in results.json, summary.xlsx and report.html."""

from __future__ import annotations

import json
import math
from pathlib import Path

import jsonschema
import openpyxl
import pytest
from checkout import SAMPLES

from renewal.cases import reference_cases
from renewal.codes import counts_in_renovation_surplus
from renewal.drivers import DRIVERS, as_drivers
from renewal.risk import loss_probability
from renewal.sensitivity import switching_values
from renewal.stages import operating_surpluses
from renewal_cli.main import main
from validation import batch, testing
from validation.report.results import results_schema
from validation.testing import set_named


@pytest.fixture(scope="module")
def report_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seven cases, Jinsong North and Hongyupo in one package, checked and reported."""
    workbooks = testing.case_workbooks(SAMPLES)
    for case in ("jinsong_north", "hongyupo_district"):
        workbooks[case] = set_named(workbooks[case], "in_package_id", "PKG-1")
    folder = tmp_path_factory.mktemp("in")
    for name, data in workbooks.items():
        (folder / f"{name}.xlsx").write_bytes(data)
    out = tmp_path_factory.mktemp("out") / "report"
    assert main(["--lang", "en", "batch", str(folder), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def doc(report_folder: Path) -> dict:
    document = json.loads((report_folder / "results.json").read_text("utf-8"))
    jsonschema.Draft202012Validator(results_schema(), format_checker=jsonschema.FormatChecker()).validate(document)
    return document


def _drivers(case_id: str) -> tuple:
    c = next(c for c in reference_cases() if c.id == case_id)
    ro = sum(i.amount for i in c.renovation if i.kind == "revenue" and counts_in_renovation_surplus(i.source))
    co = sum(i.amount for i in c.renovation if i.kind == "cost")
    rk, ck = (operating_surpluses([o for o in c.operation if o.kind == kind], c.horizon)
              for kind in ("revenue", "cost"))
    return ro, co, rk, -ck, c.horizon, c.discount_rate


def test_each_project_has_its_gap_switching_values_and_loss_probability(doc: dict) -> None:
    results = {Path(f["path"]).stem: f["results"] for f in doc["files"]}
    jinsong = results["jinsong_north"]
    assert jinsong["subsidy_gap"] == 0
    assert {d: round(v, 4) for d, v in jinsong["switching_values"].items()} == {
        "Ro": -0.0689, "Co": 0.0411, "Rk": -0.0514, "Ck": 0.1156, "rate": round(jinsong["irr"], 4)}
    assert round(results["hongyupo_district"]["subsidy_gap"], 1) == 868.5
    for case_id, r in results.items():
        drivers = _drivers(case_id)
        expected = switching_values(as_drivers(*drivers))[0]
        for driver, value in zip(DRIVERS, expected, strict=True):
            got = r["switching_values"][driver]
            assert got is None if math.isnan(value) else got == pytest.approx(value, rel=1e-9), (case_id, driver)
        assert r["loss_probability"] == loss_probability(*drivers), case_id
        assert r["subsidy_gap"] == pytest.approx(max(0.0, -r["npv"]), abs=1e-9), case_id


def test_packages_and_the_folder_total_their_gaps(doc: dict) -> None:
    packages = {p["package_id"]: p for p in doc["packages"]}
    package, heyuan = packages["PKG-1"], packages["GZ-SHIPYARD-2020"]  # Heyuan's own package: one project
    gaps = {Path(f["path"]).stem: f["results"]["subsidy_gap"] for f in doc["files"]}
    assert package["subsidy_gap"] == pytest.approx(max(0.0, -package["npv"]))
    assert round(package["subsidy_gap"], 1) == 551.8  # Hongyupo's 868.5 less Jinsong North's NPV 316.7
    assert package["projects_subsidy_gap"] == pytest.approx(gaps["jinsong_north"] + gaps["hongyupo_district"])
    assert heyuan["subsidy_gap"] == gaps["heyuan_community"] == 0
    alone = sum(g for case, g in gaps.items() if case not in ("jinsong_north", "hongyupo_district", "heyuan_community"))
    assert doc["totals"] == {"projects": 7, "subsidy_gap": pytest.approx(sum(gaps.values())),
                             "subsidy_gap_pooled": pytest.approx(package["subsidy_gap"] + alone)}
    assert doc["totals"]["subsidy_gap_pooled"] < doc["totals"]["subsidy_gap"]  # bundling lowers the missing money


def test_summary_xlsx_and_report_html_show_the_gaps(report_folder: Path, doc: dict) -> None:
    wb = openpyxl.load_workbook(report_folder / "summary.xlsx")
    projects = wb["projects"]
    header = [c.value for c in projects[1]]
    for label in ("subsidy gap", "switching value Co", "switching rate (IRR)", "P(NPV<0)"):
        assert label in header
    hongyupo = next(row for row in projects.iter_rows(min_row=2, values_only=True) if "hongyupo" in row[0])
    assert round(hongyupo[header.index("subsidy gap")], 1) == 868.5
    packages = list(wb["packages"].iter_rows(values_only=True))
    assert packages[-1][0] == "total" and packages[-1][-2:] == (
        pytest.approx(doc["totals"]["subsidy_gap_pooled"]), pytest.approx(doc["totals"]["subsidy_gap"]))
    html = (report_folder / "report.html").read_text("utf-8")
    assert '<p id="gaps">The 7 computed projects' in html and "868.5" in html
    assert "Co +4.11%" in html and "P(NPV&lt;0)" in html


def test_a_folder_without_computable_projects_totals_zero(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "broken.xlsx").write_bytes(b"not a workbook")
    report = batch.check_folder(tmp_path / "in", lang="en")
    assert report.subsidy_gaps() == {"packages": {}, "projects": 0, "subsidy_gap": 0, "subsidy_gap_pooled": 0}


def test_renewal_cases_shows_each_cases_gap(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "cases"]) == 0
    table = capsys.readouterr().out.splitlines()
    header = next(line for line in table if line.startswith("case"))
    assert "gap@8%" in header
    hongyupo = next(line for line in table if line.startswith("Chongqing"))
    assert "868.5" in hongyupo
    assert main(["--lang", "en", "cases", "--format", "json"]) == 0
    gaps = {c["case"]: c["subsidy_gap"] for c in json.loads(capsys.readouterr().out)}
    assert round(gaps["hongyupo_district"], 1) == 868.5 and gaps["jinsong_north"] == 0
