"""``renewal bundle SOURCE --out PLAN``: its three kinds of source, plan.json and plan.xlsx, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook

from renewal import cashflow
from renewal.bundling import plan_bundles
from renewal_cli.main import main

ROOT = Path(__file__).resolve().parents[1]
PORTFOLIO = ROOT / "portfolios" / "district_bundling.xlsx"


def run(*args: str) -> int:
    return main(["--lang", "en", "bundle", *map(str, args)])


def plan_of(out: Path) -> dict:
    return json.loads((out / "plan.json").read_text("utf-8"))


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_sample_portfolio_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "plan"
    assert run(PORTFOLIO, "--out", out, "--max-size", "3") == 0
    assert "proven optimal" in capsys.readouterr().out
    plan = plan_of(out)
    npv = np.array([p["npv"] for p in plan["projects"]])
    expected = plan_bundles(npv, [p["district"] for p in plan["projects"]], 3)
    assert plan["total_subsidy"] == pytest.approx(expected.total_subsidy)
    assert plan["baselines"] == pytest.approx({"no_bundling": expected.no_bundling,
                                               "one_package_per_district": expected.district_bound})
    assert plan["optimal"] is True and plan["gap"] == 0
    assert plan["baselines"]["one_package_per_district"] < plan["total_subsidy"] < plan["baselines"]["no_bundling"]
    for package in plan["packages"]:
        assert 1 <= len(package["projects"]) <= 3
        members = [p for p in plan["projects"] if p["project_id"] in package["projects"]]
        assert {p["district"] for p in members} == {package["district"]}
        assert package["npv"] == pytest.approx(sum(p["npv"] for p in members))
        assert package["subsidy"] == pytest.approx(max(0.0, -package["npv"]))
    ids = sorted(p["project_id"] for p in plan["projects"])
    assert sorted(i for p in plan["packages"] for i in p["projects"]) == ids


def test_plan_xlsx_has_bilingual_headers_and_a_chart(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    assert run(PORTFOLIO, "--out", out, "--max-size", "2") == 0
    wb = load_workbook(out / "plan.xlsx")
    assert wb.sheetnames == ["Packages", "Projects", "Baselines"]
    assert wb["Packages"]["A1"].value == "项目包 / package"
    assert wb["Projects"]["E1"].value == "项目包所需补贴 / package subsidy"
    assert len(wb["Baselines"]._charts) == 1
    plan = plan_of(out)
    rows = list(wb["Packages"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[5]) for r in rows] == [(p["package"], pytest.approx(p["subsidy"])) for p in plan["packages"]]


def test_a_rate_recomputes_every_npv(tmp_path: Path) -> None:
    assert run(PORTFOLIO, "--out", tmp_path / "a") == 0
    assert run(PORTFOLIO, "--out", tmp_path / "b", "--rate", "0.02") == 0
    own, low = plan_of(tmp_path / "a"), plan_of(tmp_path / "b")
    assert own["rate"] is None and low["rate"] == 0.02
    assert low["projects"][1]["npv"] == pytest.approx(cashflow.npv(0.02, -16500, [120.0] * 15))
    assert own["projects"][1]["npv"] == pytest.approx(cashflow.npv(0.06, -16500, [120.0] * 15))


def test_a_batch_report_plans_its_valid_projects_only(tmp_path: Path) -> None:
    report = tmp_path / "report"
    report.mkdir()
    record = {"project_id": "A", "district": "D1", "npv": -300.0, "renovation_surplus": -400.0,
              "operating_surpluses": [60.0, 60.0]}
    files = [
        {"status": "ok", "results": record},
        {"status": "ok", "results": {**record, "project_id": "B", "npv": 500.0, "renovation_surplus": 400.0}},
        {"status": "ok", "results": {**record, "project_id": "C", "district": "D2", "npv": 900.0}},
        {"status": "invalid", "results": {**record, "project_id": "X", "npv": 10_000.0}},
        {"status": "unreadable", "results": None},
    ]
    (report / "results.json").write_text(json.dumps({"files": files}), "utf-8")
    assert run(report, "--out", tmp_path / "plan") == 0
    plan = plan_of(tmp_path / "plan")
    assert [p["project_id"] for p in plan["projects"]] == ["A", "B", "C"]
    assert plan["total_subsidy"] == 0 and plan["packages"][0]["projects"] == ["A", "B"]
    assert run(report, "--out", tmp_path / "plan", "--rate", "0") == 0
    assert plan_of(tmp_path / "plan")["projects"][0]["npv"] == -280.0


def test_a_csv_with_districts(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "p.csv", "\ufeffproject_id,npv,district\nA,-300,D1\nB,500,D1\nC,-250,D2\nD,90,D2\n")
    assert run(source, "--out", tmp_path / "plan", "--max-size", "2") == 0
    plan = plan_of(tmp_path / "plan")
    assert plan["total_subsidy"] == pytest.approx(160.0)
    assert [p["projects"] for p in plan["packages"]] == [["A", "B"], ["C", "D"]]


@pytest.mark.parametrize(("csv_text", "options", "message"), [
    ("project_id,value\nA,1\n", (), "lacks the column npv"),
    ("id,npv\nA,1\n", (), "lacks the column project_id"),
    ("project_id,npv\nA,1\nB,-2\nA,3\n", (), "project id A appears more than once (rows 2, 4)"),
    ("project_id,npv\nA,1\nB,n/a\n", (), "row 3: npv must be a number, got 'n/a'"),
    ("project_id,npv\nA,1\nB,nan\n", (), "row 3: npv must be a number, got 'nan'"),
    ("project_id,npv\nA,1\n,-2\n", (), "row 3: the project id is empty"),
    ("project_id,npv\n", (), "holds no project to plan"),
    ("project_id,npv\nA,1\n", ("--max-size", "0"), "--max-size must be a whole number 1 or more, got '0'"),
    ("project_id,npv\nA,1\n", ("--max-size", "2.5"), "--max-size must be a whole number 1 or more"),
    ("project_id,npv\nA,1\n", ("--time-limit", "0"), "--time-limit must be a number of seconds above 0"),
    ("project_id,npv\nA,1\n", ("--rate", "0.05"), "--rate needs cash flows"),
])
def test_bad_input_is_one_clear_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                csv_text: str, options: tuple[str, ...], message: str) -> None:
    source = write_csv(tmp_path / "p.csv", csv_text)
    assert run(source, "--out", tmp_path / "plan", *options) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "plan").exists()


def test_sources_that_are_not_plannable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path / "missing.csv", "--out", tmp_path / "plan") == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert run(ROOT / "samples" / "jinsong_north.xlsx", "--out", tmp_path / "plan") == 2
    assert "is not a portfolio workbook (renewal_portfolio): it lacks the name pf_id" in capsys.readouterr().err
    assert run(tmp_path, "--out", tmp_path / "plan") == 2
    assert "cannot tell what" in capsys.readouterr().err


def test_the_plan_folder_is_replaced_whole_and_a_foreign_folder_refused(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "p.csv", "project_id,npv\nA,-300\nB,500\n")
    out = tmp_path / "plan"
    assert run(source, "--out", out) == 0
    assert run(source, "--out", out, "--max-size", "1") == 0
    assert sorted(p.name for p in out.iterdir()) == ["plan.json", "plan.xlsx"]
    assert plan_of(out)["max_size"] == 1
    foreign = tmp_path / "documents"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    assert run(source, "--out", foreign) == 2
    assert (foreign / "notes.txt").read_text() == "mine"


def test_messages_in_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_csv(tmp_path / "p.csv", "project_id,npv\nA,1\nA,2\n")
    assert main(["--lang", "zh", "bundle", str(source), "--out", str(tmp_path / "plan")]) == 2
    assert "项目编号 A 重复" in capsys.readouterr().err


@pytest.mark.slow
def test_a_real_batch_report_of_the_samples(tmp_path: Path) -> None:
    folder = tmp_path / "submissions"
    folder.mkdir()
    for sample in sorted((ROOT / "samples").glob("*.xlsx")):
        (folder / sample.name).write_bytes(sample.read_bytes())
    assert main(["--lang", "en", "batch", str(folder), "--out", str(tmp_path / "report"), "--workers", "1"]) == 0
    assert run(tmp_path / "report", "--out", tmp_path / "plan", "--max-size", "2") == 0
    plan = plan_of(tmp_path / "plan")
    report = json.loads((tmp_path / "report" / "results.json").read_text("utf-8"))
    records = [f["results"] for f in report["files"]]
    assert [(p["project_id"], p["district"], p["npv"]) for p in plan["projects"]] == [
        (r["project_id"], r["district"], r["npv"]) for r in records]
    assert {r["district"] for r in records} >= {"Liwan", "Jiulongpo"}
    assert plan["total_subsidy"] == pytest.approx(plan["baselines"]["no_bundling"])  # one project a district
