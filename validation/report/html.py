"""report.html: one self-contained page (no scripts, no external styles, fonts or images),
rendered by Jinja2 from the templates in ``validation/report/templates/`` with autoescaping on,
so that every text from a workbook is escaped wherever it lands.

The page opens with the counts and the table of projects (file, status, payback, NPV, IRR,
balance status, best fit; a file that is invalid or unreadable is marked and its figures are
not shown as valid ones), then what changed since the last run (when the run history says),
the most frequent findings, the subsidy gap, the packages, and per file, collapsed in
``<details>``, its findings, figures and cumulative balance chart. Sections with nothing
to show are left out. So that the page stays readable at 10,000 files, per-file detail is
given for the first :data:`DETAILED_FILES` files with findings or results and the page says
where the rest is (results.json, summary.xlsx). A Content-Security-Policy forbids the page
to load anything, so it opens offline and stays inert.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from renewal.drivers import DRIVERS
from renewal.language import message
from validation.check.findings import SEVERITIES, Finding, FindingRecord, display
from validation.report.charts import Chart, balance_chart
from validation.report.records import STATUSES, FileReport, Report, ResultChange, Scalar

if TYPE_CHECKING:
    from validation.check.compute import ProjectResults

CSP = "default-src 'none'; style-src 'unsafe-inline'"
DETAILED_FILES = 200
"""Files (with findings or results) given their own collapsed detail, in file order."""
CHANGE_ROWS = 500
"""Rows shown per list of the "since last run" section (new, removed, changed, findings)."""
RESULT_COLUMNS = {"status": "status", "npv": "npv", "payback_years": "payback_years", "irr": "irr",
                  "balance_status": "balance_status", "best_fit": "best_fit_pattern"}
"""A result change's ``result`` and the column label that names it."""

_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("validation.report", "templates"),
    autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class Texts:
    """The page's texts in one language (``t(section, key, **fields)`` in the templates)."""

    lang: str

    def __call__(self, section: str, key: str, **fields: object) -> str:
        return message(section, key, self.lang, package="validation", **fields)

    def money(self, value: float | None) -> str:
        """A money figure with one decimal, or "none"."""
        return self("report", "none") if value is None else f"{value:,.1f}"

    def years(self, value: float | None) -> str:
        """A payback: years with two decimals, or "never"."""
        return self("report", "never") if value is None else f"{value:.2f}"

    def rate(self, value: float | None) -> str:
        """A rate as a percentage, or "none"."""
        return self("report", "none") if value is None else f"{value:.2%}"

    def ratio(self, value: float | None, missing: str) -> str:
        """A coverage ratio with two decimals, or what ``missing`` says (no debt, no bond)."""
        return self("report", missing) if value is None else f"{value:.2f}"

    def text(self, value: str | None) -> str:
        """A text result, or "none"."""
        return self("report", "none") if value is None else value


@dataclass(frozen=True)
class ProjectRow:
    """A row of the projects table; ``figures`` None: not shown as valid (``note`` says why)."""

    index: int
    file: str
    status: str
    project: str
    errors: int
    warnings: int
    figures: tuple[str, ...] | None
    note: str
    detailed: bool


@dataclass(frozen=True)
class Detail:
    """A file's collapsed detail: its figures and chart (when computed) and its findings."""

    index: int
    file: FileReport
    project: str
    figures: tuple[tuple[str, str], ...]
    switching: str
    chart: Chart | None
    findings: tuple[FindingRecord, ...]


@dataclass(frozen=True)
class FrequentFinding:
    """A check code's findings in the run: how many, in how many files, and one message."""

    code: str
    severity: str
    count: int
    files: int
    example: str


def _project_name(f: FileReport) -> str:
    r = f.results
    return f"{r['project_name']} ({r['project_id']})" if r else ""


def _table_figures(r: ProjectResults, t: Texts) -> tuple[str, ...]:
    return (t.years(r["payback_years"]), t.money(r["npv"]), t.rate(r["irr"]), r["balance_status"],
            t.text(r["best_fit_pattern"]))


def project_row(index: int, f: FileReport, t: Texts, detailed: bool) -> ProjectRow:
    """The projects table's row for ``f``: its figures only when it is ``ok``."""
    errors = f.count("error")
    if f.status == "ok" and f.results:
        figures, note = _table_figures(f.results, t), ""
    elif f.results:
        figures, note = None, t("report", "not_trusted", errors=errors)
    else:
        first = next((x for x in f.findings if x.severity == "error"), None)
        reason = first.message(t.lang) if first else ""
        figures, note = None, t("report", "not_computed", reason=reason)
    return ProjectRow(index, f.path, f.status, _project_name(f), errors, f.count("warning"),
                      figures, note, detailed)


def _detail_figures(r: ProjectResults, t: Texts) -> tuple[tuple[str, str], ...]:
    return (
        ("pattern", r["pattern"]),
        ("best_fit_pattern", t.text(r["best_fit_pattern"])),
        ("renovation_surplus", t.money(r["renovation_surplus"])),
        ("payback_years", t.years(r["payback_years"])),
        ("npv", t.money(r["npv"])),
        ("irr", t.rate(r["irr"])),
        ("balance_status", r["balance_status"]),
        ("subsidy_gap", t.money(r["subsidy_gap"])),
        ("loss_probability", f"{r['loss_probability']:.1%}"),
        ("min_dscr", t.ratio(r["min_dscr"], "no_debt")),
        ("coverage_ratio", t.ratio(r["coverage_ratio"], "no_bond")),
        ("equity_irr", t.rate(r["equity_irr"])),
    )


def _switching(r: ProjectResults, t: Texts) -> str:
    """Each driver's switching value: a relative change for Ro..Ck, the IRR itself for the rate."""
    none = t("report", "none")
    return " · ".join(f"{d} {none if v is None else format(v, '.2%' if d == 'rate' else '+.2%')}"
                      for d, v in ((d, r["switching_values"][d]) for d in DRIVERS))


def detail(index: int, f: FileReport, t: Texts) -> Detail:
    """A file's detail: figures, switching values and chart when computed; its findings."""
    r, project = f.results, _project_name(f)
    chart = (balance_chart(r["renovation_surplus"], r["operating_surpluses"],
                           t("report", "chart_label", project=project)) if r else None)
    return Detail(index, f, project, _detail_figures(r, t) if r else (), _switching(r, t) if r else "", chart,
                  tuple(x.record(t.lang) for x in f.findings))


def frequent_findings(findings: Iterable[Finding], lang: str) -> list[FrequentFinding]:
    """Findings grouped by code, the most frequent first (then errors before warnings)."""
    counts: Counter[str] = Counter()
    files: dict[str, set[str]] = {}
    first: dict[str, Finding] = {}
    for x in findings:
        counts[x.code] += 1
        files.setdefault(x.code, set()).add(x.file)
        first.setdefault(x.code, x)
    return [FrequentFinding(code, first[code].severity, n, len(files[code]), first[code].message(lang))
            for code, n in sorted(counts.items(),
                                  key=lambda c: (-c[1], SEVERITIES.index(first[c[0]].severity), c[0]))]


def delta(change: ResultChange, t: Texts) -> str:
    """A result change's delta as the page shows it (empty for texts)."""
    d = change["delta"]
    if d is None:
        return ""
    text = f"{d:+.2%}" if change["result"] == "irr" else f"{d:+,.2f}" if change["result"] == "payback_years" \
        else f"{d:+,.1f}"
    return text.replace("-", "−")


def shown(value: Scalar, result: str, t: Texts) -> str:
    """A value of the comparison (an input or a result) as the page shows it."""
    if result == "status" and value in STATUSES:
        return t("status", str(value))
    if result == "irr" and isinstance(value, float):
        return t.rate(value)
    if result == "payback_years":
        return t.years(value if isinstance(value, float | int) else None)
    if result == "npv" and isinstance(value, float | int):
        return t.money(value)
    if value is None:
        return t("report", "none" if result in RESULT_COLUMNS else "empty")
    return display(value)


def render(report: Report) -> str:
    """The whole page as text."""
    t = Texts(report.lang)
    candidates = [i for i, f in enumerate(report.files) if f.findings or f.results]
    detailed = candidates[:DETAILED_FILES]
    chosen = set(detailed)
    stats = report.stats()
    gaps = report.subsidy_gaps()
    return _ENVIRONMENT.get_template("report.html").render(
        t=t, report=report, stats=stats, statuses=STATUSES, severities=SEVERITIES, csp=CSP,
        html_lang="zh-CN" if report.lang == "zh" else "en",
        rows=[project_row(i, f, t, i in chosen) for i, f in enumerate(report.files)],
        frequent=frequent_findings(report.findings, report.lang),
        gaps=gaps, details=[detail(i, report.files[i], t) for i in detailed],
        undetailed=len(candidates) - len(detailed),
        since=report.since_last_run, change_rows=CHANGE_ROWS, result_column=RESULT_COLUMNS,
        delta=delta, shown=shown, display=display)


def write_html(report: Report, path: Path) -> None:
    """Write report.html."""
    path.write_text(render(report), encoding="utf-8")
