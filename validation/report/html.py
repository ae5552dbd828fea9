"""report.html: one self-contained page (no scripts, no external styles, fonts or images)
with the counts, the findings table, the folder's subsidy gap, and each project's figures
(subsidy gap, switching values, P(NPV < 0)) and cumulative balance as inline SVG.

Every text from a workbook is HTML-escaped; a Content-Security-Policy forbids
the page to load anything, so it opens offline and stays inert.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

from renewal.cashflow import cumulative_balance
from renewal.drivers import DRIVERS
from renewal.language import message
from validation.check.findings import SEVERITIES, display
from validation.report.records import STATUSES, FileReport, Report

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI","Microsoft YaHei","PingFang SC",sans-serif;
 margin:1.5rem;color:#1d2330;max-width:1200px}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ccd}
table{border-collapse:collapse;font-size:.85rem;width:100%}
th,td{border:1px solid #d5d8e0;padding:.25rem .45rem;text-align:left;vertical-align:top}
td.w{overflow-wrap:anywhere;min-width:8rem}
th{background:#eef1f6}td.n{text-align:right;font-variant-numeric:tabular-nums}
.counts{display:flex;gap:.6rem;flex-wrap:wrap}.counts div{border:1px solid #d5d8e0;border-radius:6px;
 padding:.4rem .8rem}.counts b{font-size:1.3rem;display:block}
.ok{color:#1b6e2a}.invalid,.error{color:#b3261e}.unreadable{color:#7a1e8c}.warning{color:#9a6700}
.info{color:#44546a}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(370px,1fr));gap:1rem}
.card{border:1px solid #d5d8e0;border-radius:6px;padding:.6rem}.card h3{margin:.1rem 0 .4rem;font-size:1rem}
.card dl{display:grid;grid-template-columns:auto auto;gap:.1rem .8rem;font-size:.82rem;margin:.3rem 0}
.card dd{margin:0;text-align:right}svg{display:block}
"""
CSP = "default-src 'none'; style-src 'unsafe-inline'"

WIDTH, HEIGHT, PAD = 360, 150, 34


def _t(section: str, key: str, lang: str, **fields: object) -> str:
    return escape(message(section, key, lang, package="validation", **fields))


def _money(value: float | None) -> str:
    return "" if value is None else f"{value:,.1f}"


def _years(value: float | None, lang: str) -> str:
    return _t("report", "never", lang) if value is None else f"{value:.2f}"


def balance_chart(renovation_surplus: float, operating_surpluses: list[float], title: str) -> str:
    """Inline SVG bars of So + cumulative Sk for years 0..n; red below zero, green above.

    >>> svg = balance_chart(-600, [96.0] * 10, "Zhenwumiao")
    >>> svg.count("<rect"), "<title>Zhenwumiao</title>" in svg
    (11, True)
    """
    balance = [float(v) for v in cumulative_balance(renovation_surplus, operating_surpluses)]
    low, high = min(0.0, *balance), max(0.0, *balance)
    span = (high - low) or 1.0
    plot_w, plot_h = WIDTH - PAD - 8, HEIGHT - 24

    def y(v: float) -> float:
        return 8 + (high - v) / span * plot_h

    step = plot_w / len(balance)
    bars = "".join(
        f'<rect x="{PAD + i * step + step * 0.12:.1f}" y="{min(y(v), y(0)):.1f}" '
        f'width="{step * 0.76:.1f}" height="{max(abs(y(v) - y(0)), 0.5):.1f}" '
        f'fill="{"#2e7d32" if v >= 0 else "#c62828"}"><title>{i}: {v:,.1f}</title></rect>'
        for i, v in enumerate(balance))
    axis = (f'<line x1="{PAD}" x2="{WIDTH - 8}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#555"/>'
            f'<text x="{PAD - 4}" y="{y(high) + 4:.1f}" text-anchor="end">{high:,.0f}</text>'
            f'<text x="{PAD - 4}" y="{y(low):.1f}" text-anchor="end">{low:,.0f}</text>'
            f'<text x="{PAD + step / 2:.1f}" y="{HEIGHT - 4}" text-anchor="middle">0</text>'
            f'<text x="{PAD + (len(balance) - 0.5) * step:.1f}" y="{HEIGHT - 4}" '
            f'text-anchor="middle">{len(balance) - 1}</text>')
    return (f'<svg role="img" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'font-size="10" fill="#333"><title>{escape(title)}</title>{bars}{axis}</svg>')


def _table(table_id: str, header: list[str], rows: list[list[tuple[str, str]]]) -> str:
    """A table with an id; each cell is (css class, already escaped html)."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f'<td class="{c}">{v}</td>' for c, v in row) + "</tr>"
                   for row in rows)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _ratio(value: float | None, missing: str) -> str:
    return missing if value is None else f"{value:.2f}"


def _card(f: FileReport, lang: str) -> str:
    r: Mapping[str, Any] = f.results or {}  # a computed file's results
    name = f"{r['project_name']} ({r['project_id']})"
    irr = r["irr"]
    figures = [
        ("pattern", escape(r["pattern"])),
        ("best_fit_pattern", escape(r["best_fit_pattern"] or _t("report", "none", lang))),
        ("renovation_surplus", _money(r["renovation_surplus"])),
        ("payback_years", _years(r["payback_years"], lang)),
        ("npv", _money(r["npv"])),
        ("irr", _t("report", "none", lang) if irr is None else f"{irr:.2%}"),
        ("balance_status", escape(r["balance_status"])),
        ("subsidy_gap", _money(r["subsidy_gap"])),
        ("loss_probability", f"{r['loss_probability']:.1%}"),
        ("min_dscr", _ratio(r["min_dscr"], _t("report", "no_debt", lang))),
        ("coverage_ratio", _ratio(r["coverage_ratio"], _t("report", "no_bond", lang))),
        ("equity_irr", _t("report", "none", lang) if r["equity_irr"] is None else f"{r['equity_irr']:.2%}"),
    ]
    none = _t("report", "none", lang)
    switching = " · ".join(  # a relative change for Ro..Ck, the IRR itself for the rate
        f"{d} {none if v is None else format(v, '.2%' if d == 'rate' else '+.2%')}"
        for d, v in ((d, r["switching_values"][d]) for d in DRIVERS))
    dl = "".join(f"<dt>{_t('column', k, lang)}</dt><dd>{v}</dd>" for k, v in figures)
    chart = balance_chart(r["renovation_surplus"], r["operating_surpluses"],
                          message("report", "chart_label", lang, package="validation", project=name))
    return (f'<div class="card"><h3>{escape(name)}</h3><div>{escape(f.path)}</div><dl>{dl}</dl>'
            f"<div>{_t('report', 'switching', lang)}: {switching}</div>"
            f"<div>{_t('report', 'chart', lang)}</div>{chart}</div>")


def render(report: Report) -> str:
    """The whole page as text."""
    lang = report.lang
    stats = report.stats()
    counts = "".join(
        f'<div class="{key}"><b>{stats[group][key]}</b>{_t(group_section, key, lang)}</div>'
        for group, group_section, keys in (("files", "status", STATUSES),
                                           ("findings", "severity", SEVERITIES))
        for key in keys)
    files = _table(
        "files", [_t("column", k, lang) for k in ("file", "status", "errors", "warnings", "infos")],
        [[("w", escape(f.path)), (f.status, _t("status", f.status, lang)),
          *(("n", str(f.count(s))) for s in SEVERITIES)] for f in report.files])
    findings = [x.record(lang) for x in report.findings]
    finding_table = _table(
        "findings", [_t("column", k, lang) for k in ("file", "sheet", "cell", "field", "severity", "code",
                                          "message", "value")],
        [[("w", escape(r["file"])), ("", escape(r["sheet"] or "")), ("", escape(r["cell"] or "")),
          ("", escape(r["field"] or "")), (r["severity"], _t("severity", r["severity"], lang)),
          ("", escape(r["code"])), ("", escape(r["message"])),
          ("w", escape(display(r["value"])))] for r in findings],
    ) if findings else f"<p>{_t('report', 'no_findings', lang)}</p>"
    computed = [f for f in report.files if f.results]
    gaps = report.subsidy_gaps()
    totals = _t("report", "gaps_line", lang, projects=gaps["projects"], gap=_money(gaps["subsidy_gap"]),
                pooled=_money(gaps["subsidy_gap_pooled"]))
    cards = (f'<div class="cards">{"".join(_card(f, lang) for f in computed)}</div>' if computed
             else f"<p>{_t('report', 'no_projects', lang)}</p>")
    packages = _table(
        "packages", [_t("column", k, lang) for k in ("package_id", "files", "project_ids", "package_surplus",
                                          "package_npv", "balanced", "package_gap", "projects_gap")],
        [[("", escape(p.balance.package_id)), ("", escape(", ".join(p.files))),
          ("", escape(", ".join(p.project_ids))), ("n", _money(p.balance.renovation_surplus)),
          ("n", _money(p.balance.npv)),
          ("ok" if p.balance.balanced else "error",
           _t("report", "yes" if p.balance.balanced else "no", lang)),
          ("n", _money(p.subsidy_gap)), ("n", _money(gaps["packages"][p.balance.package_id]))]
         for p in report.packages])
    title = _t("report", "title", lang)
    return (
        f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{STYLE}</style></head><body><h1>{title}</h1>"
        f"<p>{_t('report', 'folder', lang)}: {escape(report.folder)} · "
        f"{_t('report', 'generated', lang)}: {escape(report.generated_at)} · "
        f"{_t('report', 'money_note', lang)}</p>"
        f'<div class="counts">{counts}</div>'
        f"<h2>{_t('report', 'files', lang)}</h2>{files}"
        f"<h2>{_t('report', 'findings', lang)}</h2>{finding_table}"
        f"<h2>{_t('report', 'gaps', lang)}</h2><p id=\"gaps\">{totals}</p>"
        f"<h2>{_t('report', 'projects', lang)}</h2>{cards}"
        f"<h2>{_t('report', 'packages', lang)}</h2>{packages}"
        "</body></html>\n")


def write_html(report: Report, path: Path) -> None:
    """Write report.html."""
    path.write_text(render(report), encoding="utf-8")
