"""summary.xlsx: a sheet of projects (a row per file), a sheet of findings, a sheet of packages
whose last row holds the folder's totals (the subsidy gap with packages pooled, and the
projects' own gaps summed).

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
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from renewal.drivers import DRIVERS
from renewal.language import message
from validation.report.records import FileReport, Report

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


def _label(key: str, lang: str) -> str:
    return message("column", key, lang, package="validation")


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
    if value is None or isinstance(value, (bool, int, float)):
        if number_format is None or value is None:
            return value
        cell = WriteOnlyCell(ws, value)
        cell.number_format = number_format
        return cell
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if not text.startswith(FORMULA_STARTS) and text not in ERROR_CODES:
        return text  # openpyxl writes it as a text cell
    cell = WriteOnlyCell(ws, text)
    cell.data_type = "s"
    cell.quotePrefix = text.startswith(FORMULA_STARTS)
    return cell


def _sheet(ws: WriteOnlyWorksheet, header: Sequence[str], rows: Iterable[Sequence[object]],
           widths: Sequence[float], *, formats: Sequence[str | None] = ()) -> None:
    """A sheet of a header and rows; ``formats``: number format per column (None: General)."""
    for j, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(j)].width = width  # type: ignore[attr-defined]  # not in the stubs
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    titles = [cell if isinstance(cell, Cell) else WriteOnlyCell(ws, cell)
              for cell in (text_cell(ws, text) for text in header)]
    for cell in titles:
        cell.font = bold
    ws.append(titles)
    formats = tuple(formats) + (None,) * (len(header) - len(formats))
    last_row = 1
    for values in rows:
        ws.append([text_cell(ws, value, number_format) for value, number_format in zip(values, formats, strict=True)])
        last_row += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{last_row}"  # type: ignore[attr-defined]  # as above


def _project_row(f: FileReport, lang: str) -> list[object]:
    r: Mapping[str, Any] = f.results or {}
    values = {**r, "first_surplus": (r.get("operating_surpluses") or [None])[0],
              **{f"switching_{d}": v for d, v in (r.get("switching_values") or {}).items()}}
    status = message("status", f.status, lang, package="validation")
    return [f.path, status, f.count("error"), f.count("warning"), f.count("info"),
            *(values.get(k) for k in RESULT_KEYS)]


def write_xlsx(report: Report, path: Path) -> None:
    """Write summary.xlsx (openpyxl's write-only mode: rows streamed to the file)."""
    lang = report.lang
    wb = Workbook(write_only=True)
    _sheet(wb.create_sheet("projects"), [_label(c, lang) for c in PROJECT_COLUMNS],
           (_project_row(f, lang) for f in report.files),
           [36, 10, 7, 7, 7, 20, 28, 11, 18, 18, 14, 14, 14, 9, 11, 11, 12, 9, 11, 28, 16, 12,
            *(11,) * (len(DRIVERS) + 1)],
           formats=PROJECT_FORMATS)
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
           [*([p.balance.package_id, ", ".join(p.files), ", ".join(p.project_ids),
               p.balance.renovation_surplus, p.balance.npv, yes_no[p.balance.balanced], p.subsidy_gap,
               gaps["packages"][p.balance.package_id]] for p in report.packages), total],
           [20, 50, 30, 14, 14, 9, 16, 16], formats=(None, None, None, MONEY, MONEY, None, MONEY, MONEY))
    wb.save(path)
