"""summary.xlsx: a sheet of projects (a row per file, then a totals row: the files by status,
the findings by severity, and the sums of So, the entity's investment, NPV and the subsidy gap
over the computed projects), a sheet of findings, a sheet of packages whose last row holds the
folder's totals (the subsidy gap with packages pooled, and the projects' own gaps summed).

A computed project's missing figure is said, not left blank: a payback that never comes is
"never", an IRR that does not exist "none", a DSCR without debt "no debt" (in the run's
language). Each sheet prints in landscape, one page wide, its header row on every page, and
each column is at least as wide as its header (Chinese characters count double).

Everything a workbook submitted, including its texts, lands in these cells, so
no text may become a formula: every text is written as a text cell (a text
starting with ``=``, ``+``, ``-`` or ``@`` also gets Excel's quote prefix, so
that editing the cell keeps it text), characters XML cannot hold are dropped,
and no cell is ever given a formula.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from renewal.drivers import DRIVERS
from renewal.language import display_width, message
from validation.report.records import STATUSES, FileReport, Report, Scalar
from workbook_templates.layout import landscape_fit_width

FORMULA_STARTS = ("=", "+", "-", "@")

PROJECT_COLUMNS = ("file", "status", "errors", "warnings", "infos", "project_id", "project_name",
                   "city", "pattern", "best_fit_pattern", "renovation_surplus", "entity_investment",
                   "first_surplus", "horizon", "payback_years", "discounted_payback_years", "npv",
                   "irr", "years_to_target", "balance_status", "package_id", "subsidy_gap",
                   *(f"switching_{driver}" for driver in DRIVERS), "loss_probability", "min_dscr", "coverage_ratio",
                   "equity_irr")
FINDING_COLUMNS = ("file", "sheet", "cell", "field", "severity", "code", "message", "value")
PACKAGE_COLUMNS = ("package_id", "files", "project_ids", "package_surplus", "package_npv",
                   "balanced", "package_gap", "projects_gap")
RESULT_KEYS = PROJECT_COLUMNS[5:]
MONEY, YEARS, RATE, RATIO = "#,##0.0", "0.00", "0.00%", "0.00"
PROJECT_FORMATS = ((None,) * 10 + (MONEY, MONEY, MONEY, None, YEARS, YEARS, MONEY, RATE, YEARS, None, None, MONEY)
                   + (RATE,) * (len(DRIVERS) + 1) + (RATIO, RATIO, RATE))
MISSING = {"payback_years": "never", "discounted_payback_years": "never", "years_to_target": "never",
           "irr": "none", "equity_irr": "none", "best_fit_pattern": "none", "min_dscr": "no_debt",
           "coverage_ratio": "no_bond", **{f"switching_{driver}": "none" for driver in DRIVERS}}
"""What a computed project's figure says when it does not exist (a key of the report's messages)."""
SUMMED = ("renovation_surplus", "entity_investment", "npv", "subsidy_gap")
"""The projects' money the totals row sums (over the computed projects)."""
FILTER_BUTTON = 3
"""Width an autofilter's drop-down button takes in a header cell, in characters."""
WIDTH_SAMPLE, MAX_WIDTH = 500, 60
"""A text column is as wide as its longest text in the first WIDTH_SAMPLE rows, up to MAX_WIDTH."""


class Said(str):
    """A text standing for a figure that does not exist ("never", "none"): right-aligned, like
    the figures in its column."""

    __slots__ = ()


def _label(key: str, lang: str) -> str:
    return message("column", key, lang, package="validation")


def _report_text(key: str, lang: str) -> str:
    return message("report", key, lang, package="validation")


def header_width(text: str) -> int:
    """A column's width that shows its header beside the filter button.

    >>> header_width("NPV"), header_width("净现值")
    (7, 10)
    """
    return display_width(text) + FILTER_BUTTON + 1


def text_cell(ws: WriteOnlyWorksheet, value: object, number_format: str | None = None) -> Cell | str | float | None:
    """What to append for one value: numbers and booleans as themselves (with ``number_format``),
    anything else as text, never a formula.

    A plain value where openpyxl writes it as it is (a number, a text that is
    neither formula-like nor an error code's spelling), else a cell that says so.

    >>> from openpyxl import Workbook
    >>> ws = Workbook(write_only=True).create_sheet()
    >>> a, b, c = text_cell(ws, "=HYPERLINK(1)"), text_cell(ws, "#N/A"), text_cell(ws, 3.5, "0.00")
    >>> a.data_type, a.quotePrefix, a.value, b.data_type, c.data_type, c.number_format
    ('s', True, '=HYPERLINK(1)', 's', 'n', '0.00')
    >>> text_cell(ws, "北京\x07"), text_cell(ws, 2)
    ('北京', 2)
    """
    if isinstance(value, Cell):  # made already, with its own number format
        return value
    if value is None or isinstance(value, (bool, int, float)):
        if number_format is None or value is None:
            return value
        cell = WriteOnlyCell(ws, value)
        cell.number_format = number_format
        return cell
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if isinstance(value, Said):
        cell = WriteOnlyCell(ws, text)
        cell.alignment = Alignment(horizontal="right")
        return cell
    if not text.startswith(FORMULA_STARTS) and text not in ERROR_CODES:
        return text  # openpyxl writes it as a text cell
    cell = WriteOnlyCell(ws, text)
    cell.data_type = "s"
    cell.quotePrefix = text.startswith(FORMULA_STARTS)
    return cell


def _sheet(ws: WriteOnlyWorksheet, header: Sequence[str], rows: Iterable[Sequence[object]],
           widths: Sequence[float], *, formats: Sequence[str | None] = (),
           totals: Sequence[object] | None = None) -> None:
    """A sheet of a header, rows and an optional totals row (bold, outside the filter);
    ``formats``: number format per column (None: General). Printed landscape, one page wide,
    the header on every page; each column at least as wide as its header, its totals and
    (up to MAX_WIDTH) its texts."""
    rows = list(rows)
    texts = [*rows[:WIDTH_SAMPLE], *([totals] if totals else [])]
    for j, (width, title) in enumerate(zip(widths, header, strict=True)):
        longest = max((display_width(v) + 1 for v in (row[j] for row in texts) if isinstance(v, str)), default=0)
        ws.column_dimensions[get_column_letter(j + 1)].width = max(  # type: ignore[attr-defined]  # not in the stubs
            width, header_width(title), min(longest, MAX_WIDTH))
    ws.freeze_panes = "A2"
    landscape_fit_width(ws)  # type: ignore[arg-type]  # a write-only sheet has the same print settings
    ws.print_title_rows = "1:1"
    bold = Font(bold=True)
    formats = tuple(formats) + (None,) * (len(header) - len(formats))

    def bold_row(values: Sequence[object]) -> list[Cell]:
        cells = [cell if isinstance(cell, Cell) else WriteOnlyCell(ws, cell)
                 for cell in (text_cell(ws, value, number_format)
                              for value, number_format in zip(values, formats, strict=True))]
        for cell in cells:
            cell.font = bold
        return cells

    ws.append(bold_row(header))
    for values in rows:
        ws.append([value if isinstance(value, Cell) else text_cell(ws, value, number_format)
                   for value, number_format in zip(values, formats, strict=True)])
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"  # type: ignore[attr-defined]  # as above
    if totals is not None:
        ws.append(bold_row(totals))


def _project_row(f: FileReport, lang: str) -> list[object]:
    r: Mapping[str, Any] = f.results or {}
    values = {**r, "first_surplus": (r.get("operating_surpluses") or [None])[0],
              **{f"switching_{d}": v for d, v in (r.get("switching_values") or {}).items()}}
    if f.results:  # a computed figure that does not exist is said, not left blank
        values |= {k: Said(_report_text(missing, lang)) for k, missing in MISSING.items() if values.get(k) is None}
    status = message("status", f.status, lang, package="validation")
    return [f.path, status, f.count("error"), f.count("warning"), f.count("info"),
            *(values.get(k) for k in RESULT_KEYS)]


def _project_totals(report: Report, lang: str) -> list[object]:
    """The projects sheet's last row: files by status, findings by severity, money summed."""
    stats = report.stats()
    computed: list[Mapping[str, Any]] = [f.results for f in report.files if f.results]
    statuses = " · ".join(f"{stats['files'][s]} {message('status', s, lang, package='validation')}"
                          for s in STATUSES if stats["files"][s])
    sums = {k: sum(float(r[k]) for r in computed) for k in SUMMED}
    label = message("report", "totals_label", lang, package="validation", files=stats["files"]["total"],
                    projects=len(computed))
    return [label, statuses, *(stats["findings"][s] for s in ("error", "warning", "info")),
            *(sums.get(k) for k in RESULT_KEYS)]


def write_xlsx(report: Report, path: Path) -> None:
    """Write summary.xlsx (openpyxl's write-only mode: rows streamed to the file)."""
    lang = report.lang
    wb = Workbook(write_only=True)
    _sheet(wb.create_sheet("projects"), [_label(c, lang) for c in PROJECT_COLUMNS],
           (_project_row(f, lang) for f in report.files),
           [36, 10, 7, 7, 7, 20, 28, 11, 18, 18, 14, 14, 14, 9, 11, 11, 12, 9, 11, 28, 16, 12,
            *(11,) * (len(DRIVERS) + 1), 11, 11, 11],
           formats=PROJECT_FORMATS, totals=_project_totals(report, lang))
    _sheet(wb.create_sheet("findings"), [_label(c, lang) for c in FINDING_COLUMNS],
           ([r["file"], r["sheet"], r["cell"], r["field"],
             message("severity", r["severity"], lang, package="validation"), r["code"],
             r["message"], r["value"]] for r in (f.record(lang) for f in report.findings)),
           [36, 12, 8, 24, 8, 26, 90, 20])
    yes_no = {True: message("report", "yes", lang, package="validation"),
              False: message("report", "no", lang, package="validation")}
    gaps = report.subsidy_gaps()
    total = [_label("total", lang), None, None, None, None, None, gaps["subsidy_gap_pooled"], gaps["subsidy_gap"]]
    _sheet(wb.create_sheet("packages"), [_label(c, lang) for c in PACKAGE_COLUMNS],
           ([p.balance.package_id, ", ".join(p.files), ", ".join(p.project_ids),
             p.balance.renovation_surplus, p.balance.npv, yes_no[p.balance.balanced], p.subsidy_gap,
             gaps["packages"][p.balance.package_id]] for p in report.packages),
           [20, 50, 30, 14, 14, 9, 16, 16], formats=(None, None, None, MONEY, MONEY, None, MONEY, MONEY),
           totals=total)
    _since_last_run_sheet(wb, report)
    wb.save(path)


SINCE_COLUMNS = ("change", "file", "previous_file", "project_id", "item", "sheet", "cell", "old", "new", "delta",
                 "message")
SINCE_RESULT_LABELS = {"status": "status", "npv": "npv", "payback_years": "payback_years", "irr": "irr",
                       "balance_status": "balance_status", "best_fit": "best_fit_pattern"}
SINCE_NUMBER_FORMATS = {"npv": MONEY, "payback_years": YEARS, "irr": RATE}
STATUS_CODES = ("ok", "invalid", "unreadable")


def _since_rows(report: Report) -> list[list[object]]:
    """The rows of the "since last run" sheet: the compared run, then one row per submission new
    or removed, per changed input, per moved result, per finding new or resolved."""
    lang, since, note = report.lang, report.since_last_run, report.history

    def t(key: str, **fields: object) -> str:
        return message("history", key, lang, package="validation", **fields)

    def row(kind: str, *where: object, **cells: object) -> list[object]:
        """A row: its kind, then (file, previous file, project id) and the other columns by name."""
        values = dict(zip(SINCE_COLUMNS[1:4], where, strict=False)) | cells
        return [t(kind) if kind else None, *(values.get(c) for c in SINCE_COLUMNS[1:])]

    def status(code: Scalar) -> Scalar:
        return message("status", str(code), lang, package="validation") if code in STATUS_CODES else code

    def number(key: str, value: object) -> object:
        """A result as a number cell in its format (NPV as money, payback in years, IRR as a rate)."""
        return (value, SINCE_NUMBER_FORMATS[key]) if key in SINCE_NUMBER_FORMATS and isinstance(value, float) else value

    if since is None:
        why = (t("off") if note is None else t("not_recorded", reason=note["message"]) if not note["recorded"]
               else t("first_run"))
        return [row("", message=why)]
    previous = since["previous_run"]
    when = previous["started_at"][:19].replace("T", " ")
    rows = [row("kind_previous", item=f"{t('run')} {previous['run_id']}", message=f"{when} UTC, {previous['folder']}")]
    for kind, refs in (("kind_new", since["new"]), ("kind_removed", since["removed"])):
        rows += [row(kind, r["file"], None, r["project_id"], item=_label("status", lang), new=status(r["status"]))
                 for r in refs]
    for c in since["changed"]:
        where = (c["file"], c["previous_file"] if c["previous_file"] != c["file"] else None, c["project_id"])
        if not c["fields"] and not c["results"]:
            rows.append(row("kind_moved", *where))
        rows += [row("kind_input", *where, item=f["label"], sheet=f["sheet"], cell=f["cell"], old=f["old"],
                     new=f["new"]) for f in c["fields"]]
        for r in c["results"]:
            key, (old, new) = r["result"], (r["old"], r["new"])
            if key == "status":
                old, new = status(old), status(new)
            rows.append(row("kind_result", *where, item=_label(SINCE_RESULT_LABELS[key], lang), old=number(key, old),
                            new=number(key, new), delta=number(key, r["delta"])))
    for kind, found in (("kind_finding_new", since["findings_new"]),
                        ("kind_finding_resolved", since["findings_resolved"])):
        rows += [row(kind, x["file"], item=x["code"], sheet=x["sheet"], cell=x["cell"], message=x["message"])
                 for x in found]
    return rows


def _since_last_run_sheet(wb: Workbook, report: Report) -> None:
    """The sheet "since last run": what changed since the previous run in the run history, one
    change a row, filterable by the kind of change (a row saying why when there is nothing to compare)."""
    lang = report.lang
    header = [message("history", c, lang, package="validation") if c in ("change", "previous_file", "item", "old",
                                                                          "new", "delta")
              else _label(c, lang) for c in SINCE_COLUMNS]
    ws = wb.create_sheet("since last run")
    rows = ([text_cell(ws, *v) if isinstance(v, tuple) else v for v in row] for row in _since_rows(report))
    _sheet(ws, header, rows, [18, 36, 24, 20, 40, 12, 8, 28, 28, 12, 90])
