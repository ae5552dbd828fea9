"""What ``renewal batch`` prints: the counts, then a line per workbook when they are few,
or the most frequent findings when they are many. The report files hold everything."""

from __future__ import annotations

from collections import Counter

from renewal.language import message
from validation.findings import SEVERITIES
from validation.report import Report
from validation.tables import render

TABLE_FILES = 30
"""Up to this many workbooks, one line each; beyond, the most frequent check codes."""
TOP_CODES = 8


def _t(section: str, key: str, lang: str, **fields: object) -> str:
    return message(section, key, lang, package="validation", **fields)


def _number(value: float | None, spec: str, never: str) -> str:
    return never if value is None else format(value, spec)


def summary(report: Report, lang: str) -> list[str]:
    """The lines to print, after the run."""
    stats = report.stats()
    lines = [_t("cli", "summary", lang, **stats["files"],
                **{k: v for k, v in stats["findings"].items() if k != "total"})]
    never = _t("report", "never", lang)
    if len(report.files) <= TABLE_FILES:
        keys = ("file", "status", "payback_years", "npv", "irr", "best_fit_pattern", "code")
        rows = []
        for f in report.files:
            r = f.results or {}
            first = min(f.findings, key=lambda x: SEVERITIES.index(x.severity), default=None)
            where = f" {first.sheet}!{first.cell}" if first and first.sheet and first.cell else ""
            rows.append([
                f.path, _t("status", f.status, lang),
                _number(r.get("payback_years"), ".2f", never) if r else "",
                _number(r.get("npv"), ",.1f", never) if r else "",
                _number(r.get("irr"), ".2%", _t("report", "none", lang)) if r else "",
                (r.get("best_fit_pattern") or "-") if r else "",
                f"{first.code}{where}" if first else "",
            ])
        lines.append(render([_t("column", k, lang) for k in keys], rows,
                            right=[False, False, True, True, True, False, False]))
    else:
        codes = Counter(f.code for f in report.findings)
        lines += [f"  {count:>6}  {code}" for code, count in codes.most_common(TOP_CODES)]
    return lines
