"""`renewal batch`: the paper's cases come out ok with the paper's figures, the three report
files are safe and valid, the run never touches its inputs, and a run that dies while writing
leaves the previous report whole."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import openpyxl
import pytest
from checkout import SAMPLES

from renewal.cases import evaluate_cases
from renewal.patterns import PATTERN_CODES
from renewal_cli.main import main
from validation import batch, testing
from validation.check import compare, financing, inputs, schemas
from validation.read.guards import OLE_MAGIC
from validation.report.results import results_schema
from validation.report.terminal import Progress
from validation.testing import set_named
from workbook_templates import contract

FORMULA_TEXTS = {"in_project_id": "@T-TEXTS", "in_project_name": "=1+2", "in_package_id": "-1+1"}
"""Texts a submitter could type that a spreadsheet would take for formulas."""


@pytest.fixture(scope="module")
def case_workbooks() -> dict[str, bytes]:
    """The paper's seven cases as generated workbooks."""
    return testing.case_workbooks(SAMPLES)


@pytest.fixture
def cases_folder(tmp_path: Path, case_workbooks: dict[str, bytes]) -> Path:
    """Only the seven cases."""
    return testing.write_folder(tmp_path / "cases", {f"{c}.xlsx": d for c, d in case_workbooks.items()})


@pytest.fixture
def mixed_folder(cases_folder: Path, case_workbooks: dict[str, bytes]) -> Path:
    """The cases, one workbook whose texts look like formulas, one invalid, one unreadable."""
    jinsong = case_workbooks["jinsong_north"]
    texts = jinsong
    for name, text in FORMULA_TEXTS.items():
        texts = set_named(texts, name, text)
    invalid = set_named(set_named(jinsong, "in_project_id", "T-BAD"), "in_city", "+CITY")
    return testing.write_folder(cases_folder, {"more/texts.xlsx": texts, "more/bad_city.xlsx": invalid,
                                 "more/legacy.xlsx": OLE_MAGIC + bytes(512)})


def _run(*args: str) -> int:
    """``renewal batch`` without the run history (tests/test_history.py has its own tests)."""
    return main(["--lang", "en", "batch", "--no-history", *args])


def _load(out: Path) -> dict:
    """results.json of a report, validated against the committed JSON Schema."""
    doc = json.loads((out / "results.json").read_text("utf-8"))
    jsonschema.Draft202012Validator(results_schema(), format_checker=jsonschema.FormatChecker()).validate(doc)
    return doc


def test_the_seven_cases_come_out_ok_with_the_papers_figures(cases_folder: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report"
    assert _run(str(cases_folder), "--out", str(out)) == 0
    doc = _load(out)
    assert doc["stats"]["files"] == {"total": 7, "ok": 7, "invalid": 0, "unreadable": 0}
    assert doc["stats"]["findings"] == {"total": 0, "error": 0, "warning": 0, "info": 0}
    results = {f["results"]["project_id"]: f["results"] for f in doc["files"]}
    jinsong, zhenwumiao = results["BJ-CY-JINSONG-N"], results["BJ-XC-ZHENWUMIAO3"]
    assert round(jinsong["payback_years"], 2) == 8.91
    assert round(jinsong["npv"], 1) == 316.7
    assert round(jinsong["irr"], 4) == 0.0935
    assert jinsong["operating_surpluses"] == [348.0] * 20
    assert zhenwumiao["payback_years"] == 6.25
    for case in evaluate_cases("en"):  # every figure equals the model's own computation of the case
        got = results[case.case.project_id]
        assert got["pattern"] == case.case.pattern
        assert got["best_fit_pattern"] == case.best_fit
        for key, value in case.record.items():
            assert got[key] == (pytest.approx(value) if isinstance(value, float) else value), key
    printed = capsys.readouterr()
    assert "checked 7 workbooks: 7 ok, 0 invalid, 0 unreadable" in printed.out
    assert f"report: {out.absolute()}" in printed.out
    assert printed.err == ""  # not a terminal: no progress bar


def test_several_irrs_warn_and_a_workbooks_own_excel_mismatch_is_noted(tmp_path: Path,
                                                                       case_workbooks: dict[str, bytes]) -> None:
    jinsong = case_workbooks["jinsong_north"]
    # An end-of-life cost: year 20's operating cost 279 + 1,500 gives two sign changes and two IRRs.
    end_cost = testing.set_cell(jinsong, *testing.table_cell(jinsong, "tblOperation", 2, "y20"), 1779)
    end_cost = set_named(end_cost, "in_project_id", "BJ-CY-JINSONG-N-END")
    mismatch = testing.set_cached_text(jinsong, *testing.named_cell(jinsong, "res_excel_check"),
                                       f"{contract.EXCEL_CHECK_MISMATCH}: IRR")
    out = tmp_path / "report"
    folder = testing.write_folder(tmp_path / "in", {"end_cost.xlsx": end_cost, "mismatch.xlsx": mismatch})
    _run(str(folder), "--out", str(out))
    files = {f["path"]: f for f in _load(out)["files"]}
    [ambiguous] = [x for x in files["end_cost.xlsx"]["findings"] if x["code"] == "IRR_AMBIGUOUS"]
    rates = files["end_cost.xlsx"]["results"]["irrs"]
    assert len(rates) == 2 and rates == sorted(rates) and ambiguous["severity"] == "warning"
    assert ambiguous["field"] == "res_irr" and "(-22.80%, 7.97%)" in ambiguous["message"]
    assert "NPV" in ambiguous["message"] and "MIRR" in ambiguous["message"]
    [noted] = files["mismatch.xlsx"]["findings"]
    assert (noted["code"], noted["severity"], noted["field"]) == ("EXCEL_CHECK_MISMATCH", "info", "res_excel_check")
    assert files["mismatch.xlsx"]["status"] == "ok" and "MISMATCH: IRR" in noted["message"]
    assert files["mismatch.xlsx"]["results"]["irrs"] == [pytest.approx(0.0934569388184554)]


def test_packages_sum_their_projects(tmp_path: Path, case_workbooks: dict[str, bytes]) -> None:
    shared = {case: set_named(case_workbooks[case], "in_package_id", "PKG-1")
              for case in ("jinsong_north", "hongyupo_district")}
    folder = testing.write_folder(tmp_path / "in", {f"{c}.xlsx": d for c, d in shared.items()})
    report = batch.check_folder(folder, lang="en")
    (package,) = report.packages
    results = [f.results for f in report.files]
    assert package.files == ("hongyupo_district.xlsx", "jinsong_north.xlsx")
    assert package.project_ids == ("CQ-JLP-HONGYUPO", "BJ-CY-JINSONG-N")
    assert package.balance.renovation_surplus == pytest.approx(sum(r["renovation_surplus"] for r in results))
    assert package.balance.npv == pytest.approx(sum(r["npv"] for r in results))
    assert package.balance.balanced == (package.balance.npv >= 0)


def test_results_json_follows_the_committed_schema(mixed_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    assert _run(str(mixed_folder), "--out", str(out)) == 1
    doc = _load(out)
    assert results_schema()["$defs"]["pattern"]["enum"] == list(PATTERN_CODES)
    statuses = {f["path"]: f["status"] for f in doc["files"]}
    assert statuses["more/texts.xlsx"] == "ok"
    assert statuses["more/bad_city.xlsx"] == "invalid"
    assert statuses["more/legacy.xlsx"] == "unreadable"
    assert doc["stats"]["files"] == {"total": 10, "ok": 8, "invalid": 1, "unreadable": 1}
    assert sum(doc["stats"]["findings"].values()) == 2 * sum(len(f["findings"]) for f in doc["files"])
    bad = next(f for f in doc["files"] if f["path"] == "more/bad_city.xlsx")
    assert bad["results"] is None
    assert bad["findings"] == [{
        "file": "more/bad_city.xlsx", "sheet": "Project", "cell": testing.named_cell(
            (mixed_folder / "more/bad_city.xlsx").read_bytes(), "in_city")[1],
        "field": "in_city", "severity": "error", "code": "CODE_UNKNOWN",
        "message": bad["findings"][0]["message"], "value": "+CITY"}]
    assert bad["findings"][0]["message"].startswith('city (in_city): "+CITY" is not a known code')


def test_summary_xlsx_holds_texts_never_formulas(mixed_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    _run(str(mixed_folder), "--out", str(out))
    with zipfile.ZipFile(out / "summary.xlsx") as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(re.search(rb"<f[ >]", z.read(n)) for n in sheets)
    wb = openpyxl.load_workbook(out / "summary.xlsx")
    assert wb.sheetnames == ["projects", "findings", "packages", "since last run"]
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    risky = [c for c in cells if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@"))]
    assert {c.value for c in risky} >= {*FORMULA_TEXTS.values(), "+CITY"}
    assert all(c.data_type == "s" and c.quotePrefix for c in risky)
    projects = wb["projects"]
    assert projects.max_row == 1 + 10 + 1  # the header, a row per file, the totals
    assert wb["findings"].max_row == 1 + 2  # header, the unknown city, the legacy file


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.style = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        if self.tags and self.tags[-1][0] == "style":
            self.style += data


def test_report_html_is_self_contained(mixed_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    _run(str(mixed_folder), "--out", str(out))
    page = _Tags()
    page.feed((out / "report.html").read_text("utf-8"))
    names = [t for t, _ in page.tags]
    assert not {"script", "link", "img", "iframe", "object", "embed", "base"} & set(names)
    loading = {"src", "href", "xlink:href", "action", "formaction", "poster", "srcset", "data"}
    assert not [(t, a) for t, a in page.tags if loading & set(a) and not (
        set(a) & loading == {"href"} and (a["href"] or "").startswith("#"))]  # links within the page only
    assert [a["href"] for t, a in page.tags if t == "a" and "href" in a]  # there are such links
    assert "url(" not in page.style and "@import" not in page.style
    csp = next(a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv"))
    assert csp.startswith("default-src 'none'")
    assert names.count("svg") == 8  # one balance chart per computed project
    assert "=1+2" in (out / "report.html").read_text("utf-8")


def test_messages_follow_lang(cases_folder: Path, tmp_path: Path, case_workbooks: dict[str, bytes]) -> None:
    twenty = set_named(set_named(case_workbooks["jinsong_north"], "in_project_id", "T-X"), "in_horizon", "twenty")
    (cases_folder / "x.xlsx").write_bytes(twenty)
    out = tmp_path / "report"
    assert main(["batch", str(cases_folder), "--out", str(out), "--lang", "zh"]) == 1
    doc = _load(out)
    assert doc["lang"] == "zh"
    finding = next(f for f in doc["files"] if f["path"] == "x.xlsx")["findings"][0]
    assert finding["code"] == "NOT_A_NUMBER"
    assert finding["message"] == "“测算期限（in_horizon）”应为数字，实际为“twenty”"
    assert '<html lang="zh-CN">' in (out / "report.html").read_text("utf-8")


def test_exit_codes_follow_fail_on(cases_folder: Path, tmp_path: Path, case_workbooks: dict[str, bytes]) -> None:
    out = str(tmp_path / "report")
    warned = set_named(set_named(case_workbooks["jinsong_north"], "in_project_id", "T-W"),
                       "in_pattern", "BULK_LEASE")  # PATTERN_NOT_APPLICABLE: a warning
    (cases_folder / "warned.xlsx").write_bytes(warned)
    assert _run(str(cases_folder), "--out", out) == 0
    assert _run(str(cases_folder), "--out", out, "--fail-on", "warning") == 1
    (cases_folder / "broken.xlsx").write_bytes(b"not a workbook")
    assert _run(str(cases_folder), "--out", out) == 1
    assert _run(str(cases_folder), "--out", out, "--fail-on", "never") == 0


def test_runs_that_cannot_proceed_exit_2(cases_folder: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(str(tmp_path / "missing"), "--out", str(tmp_path / "r")) == 2
    assert _run(str(cases_folder), "--out", str(cases_folder / "report")) == 2
    assert _run(str(cases_folder / "sub"), "--out", str(cases_folder)) == 2
    foreign = tmp_path / "documents"
    foreign.mkdir()
    (foreign / "thesis.docx").write_bytes(b"precious")
    assert _run(str(cases_folder), "--out", str(foreign)) == 2
    assert [p.name for p in foreign.iterdir()] == ["thesis.docx"]
    blocked = tmp_path / "file"
    blocked.write_text("x")
    assert _run(str(cases_folder), "--out", str(blocked / "report")) == 2
    err = capsys.readouterr().err
    assert "no such folder" in err and "must not lie inside" in err and "refusing" in err
    with pytest.raises(SystemExit) as bad_args:
        _run(str(cases_folder), "--out", str(tmp_path / "r"), "--workers", "0")
    assert bad_args.value.code == 2


def _digest(folder: Path) -> dict[str, tuple[str, int]]:
    return {str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_inputs_keep_their_bytes(mixed_folder: Path, tmp_path: Path) -> None:
    before = _digest(mixed_folder)
    _run(str(mixed_folder), "--out", str(tmp_path / "report"))
    assert _digest(mixed_folder) == before
    doc = _load(tmp_path / "report")
    assert {f["path"]: f["sha256"] for f in doc["files"]} == {k: v[0] for k, v in before.items()}


def test_the_samples_folder_is_never_written(tmp_path: Path) -> None:
    folder = SAMPLES
    before = _digest(folder)
    assert _run(str(folder), "--out", str(tmp_path / "report")) == 1  # samples/invalid has errors
    assert _digest(folder) == before
    assert _load(tmp_path / "report")["stats"]["files"]["total"] == len(before) - 1  # not MANIFEST.json


def _report_bytes(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir()}


def _boom(*_: object) -> None:
    raise RuntimeError("killed while writing report.html")


def test_a_run_dying_while_writing_keeps_the_previous_report(
        cases_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "report"
    assert _run(str(cases_folder), "--out", str(out)) == 0
    previous = _report_bytes(out)
    (cases_folder / "broken.xlsx").write_bytes(b"junk")
    monkeypatch.setitem(batch.WRITERS, "report.html", _boom)
    with pytest.raises(RuntimeError, match="killed while writing"):
        _run(str(cases_folder), "--out", str(out))
    assert _report_bytes(out) == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases", "report"]  # no temporary left


def test_a_run_killed_between_the_two_renames_is_recovered(
        cases_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "report"
    assert _run(str(cases_folder), "--out", str(out)) == 0
    previous = _report_bytes(out)
    out.rename(tmp_path / ".report.old")  # killed after the first rename: no report folder now
    (tmp_path / ".report.new-99999").mkdir()  # and a temporary of a run killed while writing
    (tmp_path / ".report.new-99999" / "results.json").write_text("{")
    monkeypatch.setitem(batch.WRITERS, "report.html", _boom)
    with pytest.raises(RuntimeError):
        _run(str(cases_folder), "--out", str(out))
    assert _report_bytes(out) == previous  # restored before the new run wrote anything
    monkeypatch.undo()
    assert _run(str(cases_folder), "--out", str(out)) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases", "report"]


def test_workers_give_the_same_report(mixed_folder: Path, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    _run(str(mixed_folder), "--out", str(one))
    _run(str(mixed_folder), "--out", str(two), "--workers", "2")
    first, second = _load(one), _load(two)
    first.pop("generated_at"), second.pop("generated_at")
    assert first == second


def test_pandera_runs_once_per_frame_whatever_the_number_of_files(
        cases_folder: Path, tmp_path: Path, case_workbooks: dict[str, bytes],
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    validate = schemas.findings_of

    def counted(model: object, frame: object) -> list:
        calls.append(len(frame))  # type: ignore[arg-type]
        return validate(model, frame)  # type: ignore[arg-type]

    monkeypatch.setattr(inputs, "findings_of", counted)
    monkeypatch.setattr(compare, "findings_of", counted)
    monkeypatch.setattr(financing, "findings_of", counted)
    batch.check_folder(cases_folder)
    small = list(calls)
    for i in range(14):
        (cases_folder / f"copy{i}.xlsx").write_bytes(set_named(case_workbooks["yulin_block"],
                                                               "in_project_id", f"T-{i}"))
    calls.clear()
    batch.check_folder(cases_folder)
    assert len(calls) == len(small) == 10  # meta, fields, 4 tables, leases, results, patterns, financing
    assert sum(calls) > sum(small)


def test_verbose_prints_a_line_per_file(mixed_folder: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    _run(str(mixed_folder), "--out", str(tmp_path / "report"), "--verbose")
    lines = capsys.readouterr().out.splitlines()
    assert "invalid  more/bad_city.xlsx (1 errors, 0 warnings, 0 notes)" in lines
    assert "unreadable  more/legacy.xlsx (1 errors, 0 warnings, 0 notes)" in lines
    assert sum(" (" in line and line.endswith("notes)") for line in lines) == 10


class _Terminal:
    def __init__(self) -> None:
        self.text = ""

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        """Nothing buffered."""


def test_progress_bar_only_on_a_terminal() -> None:
    terminal = _Terminal()
    bar = Progress(terminal)  # type: ignore[arg-type]
    bar(1, 4, "a.xlsx")
    bar(4, 4, "d.xlsx")
    assert "\r[#######.....................] 1/4 a.xlsx" in terminal.text
    assert terminal.text.endswith("\n")
