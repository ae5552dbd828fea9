"""The report a reviewer reads. report.html: hostile texts come out inert, the projects table
marks invalid files and withholds their figures, "since last run" shows a hand-built
comparison, empty sections are left out, per-file detail is capped, and in headless Chromium
every chart label lies inside its chart. summary.xlsx: its print setup, column widths, the
words for missing figures and its totals row."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import chromium  # tests/chromium.py
import lxml.html
import openpyxl
import pytest

from validation.batch import check_folder
from validation.check.findings import Finding
from validation.read.runner import ReadStage
from validation.report import html
from validation.report.charts import GAP, balance_chart, text_width
from validation.report.records import Report, SinceLastRun
from validation.report.xlsx import MISSING, PROJECT_COLUMNS, RESULT_KEYS, header_width, write_xlsx

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '" onload="x'


@pytest.fixture(scope="module")
def samples() -> Report:
    """The bundled samples checked once: valid projects, invalid ones with and without results."""
    return check_folder(ROOT / "samples", lang="en", stage=ReadStage(workers=1))


def _page(report: Report) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(html.render(report))


def _hostile(report: Report) -> Report:
    """The first ok project renamed to a script, its file to an attribute break, a finding's
    value an image with an onerror."""
    files = list(report.files)
    i = next(k for k, f in enumerate(files) if f.status == "ok" and f.results)
    f = files[i]
    path = f"{ATTRIBUTE}/{SCRIPT}.xlsx"
    finding = Finding(path, "NOT_A_NUMBER", "Project", "C9", "in_horizon", '<img src=x onerror="alert(2)">')
    files[i] = dataclasses.replace(f, path=path, findings=(finding,),
                                   results={**f.results, "project_name": SCRIPT, "project_id": ATTRIBUTE})
    return dataclasses.replace(report, folder=SCRIPT, files=tuple(files))


def test_texts_from_workbooks_come_out_inert(samples: Report) -> None:
    page = _page(_hostile(samples))
    assert page.xpath("//script") == [] and page.xpath("//img") == []
    handlers = [(el.tag, a) for el in page.iter() if isinstance(el.tag, str) for a in el.attrib
                if a.lower().startswith("on")]
    assert handlers == []
    text = page.text_content()
    assert f"{ATTRIBUTE}/{SCRIPT}.xlsx" in text and f"{SCRIPT} ({ATTRIBUTE})" in text
    assert '<img src=x onerror="alert(2)">' in text
    raw = html.render(_hostile(samples))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw and "&#34; onload=&#34;x" in raw


def _rows(page: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    return page.xpath('//table[@id="projects"]/tbody/tr')


def test_the_page_opens_with_the_projects_table_marking_invalid_files(samples: Report) -> None:
    page = _page(samples)
    first_table = page.xpath("//table")[0]
    assert first_table.get("id") == "projects"
    header = [th.text_content() for th in first_table.xpath("thead/tr/th")]
    assert header == ["file", "project name", "status", "errors", "warnings", "payback (years)", "NPV", "IRR",
                      "balance status", "best-fit pattern"]
    rows = _rows(page)
    assert len(rows) == len(samples.files)
    for f, row in zip(samples.files, rows, strict=True):
        cells = row.xpath("td")
        assert cells[0].text_content() == f.path
        assert row.get("class") == f"status-{f.status}"
        assert cells[2].xpath('span[contains(@class, "badge")]')[0].get("class") == f"badge {f.status}"
        if f.status == "ok":
            assert len(cells) == 10 and cells[6].text_content() == f"{f.results['npv']:,.1f}"
        else:  # one grey cell saying why, no figure
            assert len(cells) == 6 and cells[5].get("class") == "nc" and cells[5].get("colspan") == "5"
            note = cells[5].text_content()
            assert note.startswith("not computed: ") if f.results is None else "figures not trusted" in note
            if f.results:
                assert f"{f.results['npv']:,.1f}" not in row.text_content()
    half = next(r for r in rows if r.xpath("td")[0].text_content() == "invalid/half_filled_missing_required.xlsx")
    assert half.xpath("td")[5].text_content() == "not computed: required: city (in_city) is empty"
    never = next(r for f, r in zip(samples.files, rows, strict=True) if f.status == "ok" and f.results["irr"] is None)
    assert never.xpath("td")[7].text_content() == "none"


def test_the_page_in_chinese(samples: Report) -> None:
    page = _page(dataclasses.replace(samples, lang="zh"))
    assert page.get("lang") == "zh-CN"
    rows = _rows(page)
    invalid = next(r for r in rows if r.get("class") == "status-invalid")
    assert invalid.xpath("td")[2].text_content() == "不通过"
    assert any(r.xpath("td")[5].text_content().startswith("未计算：") for r in rows)


SINCE: SinceLastRun = {
    "previous_run": {"run_id": 7, "started_at": "2026-12-01T02:00:00.070304+00:00", "folder": "samples", "files": 18},
    "new": [{"file": "jinsong_north.xlsx", "project_id": "BJ-CY-JINSONG-N", "status": "ok"}],
    "removed": [{"file": "old/<b>gone</b>.xlsx", "project_id": None, "status": "invalid"}],
    "changed": [{
        "file": "yulin_block.xlsx", "previous_file": "2025/yulin_block.xlsx", "project_id": "CD-WH-YULIN",
        "fields": [
            {"field": "in_discount_rate", "label": "discount rate", "sheet": "Project", "cell": "C12",
             "old": 0.06, "new": 0.08},
            {"field": "tblRenovation[amount]#3", "label": "renovation item amount", "sheet": "Renovation",
             "cell": "D7", "old": None, "new": 600.0}],
        "results": [
            {"result": "status", "old": "ok", "new": "invalid", "delta": None},
            {"result": "npv", "old": 412.5, "new": 348.0, "delta": -64.5},
            {"result": "payback_years", "old": 5.2, "new": None, "delta": None},
            {"result": "irr", "old": 0.1173, "new": 0.1, "delta": -0.0173},
            {"result": "balance_status", "old": "balanced in operation year 5",
             "new": "not balanced within the horizon", "delta": None}]}],
    "unchanged": 15,
    "findings_new": [{"file": "yulin_block.xlsx", "code": "YEAR_GAP", "severity": "error", "sheet": "Operation",
                      "cell": "F4", "message": "a year is missing"}],
    "findings_resolved": [],
    "duplicate_project_ids": ["GZ-LW-HEYUAN"],
}


def test_since_last_run_shows_what_changed(samples: Report) -> None:
    page = _page(dataclasses.replace(samples, since_last_run=SINCE))
    section = page.get_element_by_id("since")
    assert section.text_content() == "since last run"
    assert section.getnext().text_content() == "Compared with run 7 of 2026-12-01 02:00:00 UTC (samples, 18 files)."
    counts = [d.text_content() for d in page.get_element_by_id("since-counts").xpath("div")]
    assert counts == ["1new", "1removed", "1changed", "15unchanged", "1new findings", "0resolved findings"]
    removed = page.get_element_by_id("since-removed")
    assert removed.xpath(".//b") == [] and "old/<b>gone</b>.xlsx" in removed.text_content()
    assert page.get_element_by_id("since-new").xpath("tbody/tr/td")[1].text_content() == "BJ-CY-JINSONG-N"
    cells = page.get_element_by_id("since-changed").xpath("tbody/tr/td")
    assert cells[0].text_content() == "yulin_block.xlsxwas 2025/yulin_block.xlsx"
    assert [d.text_content() for d in cells[2].xpath("div")] == [
        "discount rate Project!C12: 0.06 → 0.08", "renovation item amount Renovation!D7: (empty) → 600"]
    assert [d.text_content() for d in cells[3].xpath("div")] == [
        "status: ok → invalid", "NPV: 412.5 → 348.0 (−64.5)", "payback (years): 5.20 → never",
        "IRR: 11.73% → 10.00% (−1.73%)",
        "balance status: balanced in operation year 5 → not balanced within the horizon"]
    found = page.get_element_by_id("since-findings-new").xpath("tbody/tr/td")
    assert [c.text_content() for c in found] == ["yulin_block.xlsx", "Operation", "F4", "error", "YEAR_GAP",
                                                 "a year is missing"]
    assert page.xpath('//*[@id="since-findings-resolved"]') == []  # nothing resolved: left out
    assert page.get_element_by_id("since-duplicates").text_content() == \
        "project ids found in more than one file, those files compared by path: GZ-LW-HEYUAN"


def test_long_lists_since_last_run_are_capped(samples: Report, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html, "CHANGE_ROWS", 1)
    since: SinceLastRun = {**SINCE, "new": SINCE["new"] * 3}
    page = _page(dataclasses.replace(samples, since_last_run=since))
    assert len(page.get_element_by_id("since-new").xpath("tbody/tr")) == 1
    notes = [p.text_content() for p in page.xpath('//p[@class="note"]')]
    assert "The first 1 of 3 are listed; results.json holds them all." in notes


def test_sections_with_nothing_to_show_are_left_out(samples: Report) -> None:
    page = _page(samples)
    assert page.xpath('//*[@id="since"]') == [] and page.xpath('//a[@href="#since"]') == []
    assert page.xpath('//*[@id="packages"]') and page.xpath('//*[@id="frequent-findings"]')
    clean = tuple(f for f in samples.files if f.status == "ok" and not f.findings)
    page = _page(dataclasses.replace(samples, files=clean, packages=()))
    for absent in ("packages", "packages-section", "frequent-findings", "frequent", "since", "details-capped"):
        assert page.xpath(f'//*[@id="{absent}"]') == [], absent
    assert len(page.xpath("//details")) == len(clean)


def test_per_file_detail_is_capped_and_says_where_the_rest_is(samples: Report,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html, "DETAILED_FILES", 3)
    page = _page(samples)
    details = page.xpath("//details")
    assert len(details) == 3 and all(d.get("open") is None for d in details)  # collapsed
    note = page.get_element_by_id("details-capped").text_content()
    assert note == f"The first 3 files with findings or results are detailed here; the other " \
                   f"{len(samples.files) - 3} are in results.json and summary.xlsx."
    links = [a.get("href") for a in page.xpath('//table[@id="projects"]//a')]
    assert links == ["#f0", "#f1", "#f2"] and [d.get("id") for d in details] == ["f0", "f1", "f2"]
    frequent = page.get_element_by_id("frequent-findings").xpath("tbody/tr")
    counts = [int(r.xpath("td")[2].text_content()) for r in frequent]
    assert counts == sorted(counts, reverse=True) and sum(counts) == len(samples.findings)


def test_charts_run_to_the_horizon_and_their_value_labels_fit() -> None:
    for so, sk in ((-3100.0, [160.0] * 20), (-31000.0, [1200.0] * 40), (-0.4, [0.05] * 12), (0.0, [2.0] * 50)):
        chart = balance_chart(so, sk, "t")
        assert len(chart.bars) == len(chart.years) == len(sk) + 1  # a bar and a tick every year
        assert chart.years[0].label == "0" and chart.years[-1].label in ("", str(len(sk)))
        assert all(text_width(v.label) + GAP <= chart.left for v in chart.values)
        assert chart.bars[-1].x + chart.bars[-1].width <= chart.width
    assert balance_chart(-3100.0, [160.0] * 20, "t").values[0].label == "−4,000"


LABELS_INSIDE = """(() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const out = [];
  let texts = 0;
  for (const svg of document.querySelectorAll('svg')) {
    const box = svg.viewBox.baseVal;
    for (const t of svg.querySelectorAll('text')) {
      texts += 1;
      const b = t.getBBox();
      if (b.width === 0 || b.x < box.x || b.y < box.y || b.x + b.width > box.x + box.width
          || b.y + b.height > box.y + box.height) out.push([t.textContent, b.x, b.y, b.width, b.height]);
    }
  }
  const rows = [...document.querySelectorAll('#projects tbody tr')].map(r => ({
    cls: r.className, badge: getComputedStyle(r.querySelector('.badge')).backgroundColor,
    badgeText: getComputedStyle(r.querySelector('.badge')).color,
    cells: r.cells.length, grey: r.querySelector('td.nc') ? getComputedStyle(r.querySelector('td.nc')).color : null}));
  return {outside: out, texts, charts: document.querySelectorAll('svg').length, rows,
          fileWraps: [...document.querySelectorAll('#projects td.file')].every(td => td.scrollWidth <= td.clientWidth),
          minus: [...document.querySelectorAll('svg text.value')].some(t => t.textContent.startsWith('\u2212'))};
})()"""


@pytest.mark.skipif(chromium.chromium() is None, reason="chromium is not installed (make system-deps)")
def test_in_chromium_every_chart_label_is_inside_its_chart_and_rows_are_marked(samples: Report,
                                                                               tmp_path: Path) -> None:
    files = list(samples.files)
    i = next(k for k, f in enumerate(files) if f.status == "ok" and f.results)
    long_name = "submissions/" + "a_very_long_file_name_without_spaces_" * 4 + ".xlsx"
    files[i] = dataclasses.replace(files[i], path=long_name, results={
        **files[i].results, "renovation_surplus": -31000.0, "operating_surpluses": [1200.0] * 40})
    report = dataclasses.replace(samples, files=tuple(files))
    path = tmp_path / "report.html"
    html.write_html(report, path)
    run = chromium.open_page(path, LABELS_INSIDE)
    assert run.errors == []
    value = run.value
    assert value["outside"] == []
    assert value["charts"] == sum(1 for f in files if f.results) and value["texts"] > 10 * value["charts"]
    assert value["minus"]
    colours = {"ok": "rgb(27, 110, 42)", "invalid": "rgb(179, 38, 30)"}
    for f, row in zip(files, value["rows"], strict=True):
        assert row["cls"] == f"status-{f.status}"
        assert row["badge"] == colours[f.status] and row["badgeText"] == "rgb(255, 255, 255)"
        assert (row["cells"], row["grey"]) == ((10, None) if f.status == "ok" else (6, "rgb(107, 114, 128)"))
    assert value["fileWraps"]


@pytest.fixture(scope="module", params=["en", "zh"])
def summary(request: pytest.FixtureRequest, samples: Report,
            tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, openpyxl.Workbook]:
    report = dataclasses.replace(samples, lang=request.param)
    path = tmp_path_factory.mktemp("summary") / "summary.xlsx"
    write_xlsx(report, path)
    return report, openpyxl.load_workbook(path)


def test_summary_prints_landscape_one_page_wide_with_its_header_on_every_page(
        summary: tuple[Report, openpyxl.Workbook]) -> None:
    _, wb = summary
    assert wb.sheetnames == ["projects", "findings", "packages", "since last run"]
    for ws in wb:
        setup = ws.page_setup
        assert (setup.orientation, setup.fitToWidth, setup.fitToHeight) == ("landscape", 1, 0), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows == "$1:$1"
        for cell in ws[1]:
            assert ws.column_dimensions[cell.column_letter].width >= header_width(cell.value), cell.value


def test_summary_says_never_and_none_and_ends_with_totals(summary: tuple[Report, openpyxl.Workbook]) -> None:
    report, wb = summary
    ws = wb["projects"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(report.files) + 1
    words = {"en": {"never", "none", "no debt", "no special bond"}, "zh": {"未回收", "无", "无债务", "无专项债"}}
    said = set()
    for f, row in zip(report.files, rows[:-1], strict=True):
        results = dict(zip(RESULT_KEYS, row[5:], strict=True))
        if f.results:  # a figure that does not exist is said, never blank
            assert None not in {results[k] for k in MISSING}
            said |= {results[k] for k in MISSING if isinstance(results[k], str)}
        else:
            assert set(results.values()) == {None}
    assert words[report.lang] <= said
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, len(PROJECT_COLUMNS)).column_letter}{len(report.files) + 1}"
    totals = dict(zip(PROJECT_COLUMNS, rows[-1], strict=True))
    computed = [f.results for f in report.files if f.results]
    stats = report.stats()
    assert totals["file"] == {"en": f"total: {len(report.files)} files, {len(computed)} computed projects",
                              "zh": f"合计：{len(report.files)} 个文件，{len(computed)} 个已测算项目"}[report.lang]
    assert (totals["errors"], totals["warnings"], totals["infos"]) == tuple(
        stats["findings"][s] for s in ("error", "warning", "info"))
    assert totals["npv"] == pytest.approx(sum(r["npv"] for r in computed), rel=1e-12)
    assert totals["subsidy_gap"] == pytest.approx(report.subsidy_gaps()["subsidy_gap"], rel=1e-12)
    assert totals["irr"] is None and totals["payback_years"] is None  # not summable: left blank
    assert all(c.font.bold for c in ws[ws.max_row])
