"""What ``renewal batch`` shows on the terminal: a progress bar while it reads, then the
counts and a line per workbook when they are few, or the most frequent findings when
they are many. The report files hold everything; these are for the person watching."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from typing import TextIO

from renewal.language import display_width, message
from validation.check.findings import SEVERITIES
from validation.report.records import Report

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
        lines.append(table([_t("column", k, lang) for k in keys], rows,
                            right=[False, False, True, True, True, False, False]))
    else:
        codes = Counter(f.code for f in report.findings)
        lines += [f"  {count:>6}  {code}" for code, count in codes.most_common(TOP_CODES)]
    return lines + history_lines(report, lang)


def history_lines(report: Report, lang: str) -> list[str]:
    """Whether the run was recorded in the run history, and what changed since the last run."""
    note, since = report.history, report.since_last_run
    if note is None:
        return [_t("history", "off", lang)]
    if not note["recorded"]:
        return [_t("history", "not_recorded", lang, reason=note["message"])]
    lines = [_t("history", "recorded", lang, run_id=note["run_id"], path=note["path"])]
    if since is None:
        return [*lines, _t("history", "first_run", lang)]
    previous = since["previous_run"]
    lines.append(_t("history", "since", lang, run_id=previous["run_id"],
                    started_at=previous["started_at"][:19].replace("T", " ") + " UTC",
                    **{k: len(since[k]) for k in ("new", "removed", "changed", "findings_new", "findings_resolved")},
                    unchanged=since["unchanged"]))
    if since.get("duplicate_project_ids"):
        lines.append(_t("history", "duplicates", lang, ids=", ".join(since.get("duplicate_project_ids", []))))
    return lines


def table(header: Sequence[str], rows: Sequence[Sequence[str]],
           right: Sequence[bool] | None = None) -> str:
    """Rows under a header, columns padded to the widest cell, numbers right-aligned.

    >>> print(table(["case", "So"], [["劲松", "-3,100"], ["x", "0"]], right=[False, True]))
    case  So
    ----  ------
    劲松  -3,100
    x          0
    """
    right = right or [False] * len(header)
    widths = [max(display_width(str(r[j])) for r in [header, *rows]) for j in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        out = []
        for j, cell in enumerate(cells):
            pad = " " * (widths[j] - display_width(str(cell)))
            out.append(pad + str(cell) if right[j] else str(cell) + pad)
        return "  ".join(out).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


BAR = 28


class Progress:
    """Called once per file read: ``progress(done, total, file)``.

    Draws a bar when ``stream`` is a terminal; writes nothing otherwise.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.active = self.stream.isatty()

    def __call__(self, done: int, total: int, file: str) -> None:
        if not self.active:
            return
        filled = BAR * done // max(total, 1)
        name = file if len(file) <= 40 else "…" + file[-39:]
        self.stream.write(f"\r[{'#' * filled}{'.' * (BAR - filled)}] {done}/{total} {name:<40}")
        if done == total:
            self.stream.write("\n")
        self.stream.flush()
