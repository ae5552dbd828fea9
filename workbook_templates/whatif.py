"""The What-if sheet: the subsidy gap, the sensitivity table with its tornado chart,
base / optimistic / pessimistic scenarios and the risk profile, each one call of
the what-if functions (:mod:`xl_addin.udfs_whatif`).

The drivers come from the input sheets in a block at the bottom (Ro and Co as
the Results sheet sums them, Rk and Ck by year, named ``wi_ro``, ``wi_co``,
``wi_rk``, ``wi_ck``); the settings (swing, spread, trials, seed) and the
scenario factors are inputs (``wi_`` names; the batch reads none of them).
As on the Results sheet, everything is guarded by ``calc_ready``, and a
function that spills is one array formula for xlwings Lite and one ``INDEX``
per cell for classic xlwings (LibreOffice recalculates array formulas when it
opens a file, and would show ``#NAME?`` instead of the cached values).
"""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.series import SeriesLabel
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties, RegularTextRun
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from renewal.drivers import DRIVERS
from renewal.language import load_data
from renewal.risk import FIGURES
from workbook_templates import contract, styles
from workbook_templates.layout import (
    area,
    bilingual,
    cell_ref,
    define,
    fit_height,
    header,
    landscape_fit_width,
    number_validation,
    protect,
    set_widths,
    texts,
    title_rows,
)
from workbook_templates.project import operation_year_range
from workbook_templates.results import renovation_revenue_formula

LABEL_COL, FIRST_COL, LAST_COL = 1, 2, 11
"""Labels in column A; values from column B; the printed width ends at column K."""
STATUS_COL = 10
WIDTHS = {1: 44} | dict.fromkeys(range(2, contract.MAX_YEARS + 2), 12) | {STATUS_COL: 28}
CHART_ROWS = 18
CHART_SIZE = (24.0, 8.6)
TITLE_POINTS = 11
READY = contract.READY_NAME
DRIVER_ARGS = "wi_ro,wi_co,wi_rk,wi_ck,in_horizon,in_discount_rate"
SETTINGS = {"swing": ("rate", 0.0001, 1, False), "spread": ("rate", 0.0001, 1, False),
            "trials": ("count", 1, 1_000_000, True), "seed": ("whole", 0, None, True)}
"""Setting -> (number format, minimum, maximum, whole number)."""
SCENARIO_FORMATS = ("years", "money", "rate", "text", "money")
"""Formats of SCENARIOS' columns: payback, NPV, IRR, balance status, subsidy gap."""
SENSITIVITY_FORMATS = ("text", "money", "money", "money", "rate")
RISK_FORMATS = ("rate", "money", "money", "money", "rate", "years", "years")


def _data() -> dict[str, Any]:
    return load_data("workbook_templates", "whatif.toml")


def _guard(body: str) -> str:
    return f'=IF({READY},{body},"")'


def _label(ws: Worksheet, row: int, key: str) -> None:
    styles.LABEL.apply(ws.cell(row, LABEL_COL, bilingual("whatif", key)))


def _caption(ws: Worksheet, row: int, key: str) -> None:
    styles.CAPTION.apply(ws.cell(row, LABEL_COL, bilingual("whatif", key)))
    ws.merge_cells(area(row, LABEL_COL, row, LAST_COL))


def _spill(ws: Worksheet, row: int, col: int, body: str, *, formats: tuple[str, ...], rows: int,
           runtime: str) -> str:
    """``body`` spilled over ``rows`` x len(formats) cells from (row, col); returns the range."""
    last_row, last_col = row + rows - 1, col + len(formats) - 1
    ref = area(row, col, last_row, last_col)
    if runtime == "lite":
        ws.cell(row, col).value = ArrayFormula(ref, _guard(body))
    for i in range(rows):
        for j, fmt in enumerate(formats):
            cell = ws.cell(row + i, col + j)
            if runtime != "lite":
                cell.value = _guard(f"INDEX({body},{i + 1},{j + 1})")
            styles.FORMULA.apply(cell, fmt)
    return ref


def add_whatif_sheet(wb: Workbook, runtime: str) -> Worksheet:
    """The What-if sheet, after the Results sheet (whose ``res_`` names it reads)."""
    ws = wb.create_sheet(contract.SHEETS["whatif"])
    title_rows(ws, contract.SHEETS["whatif"], LAST_COL)
    not_ready = bilingual("results", "not_ready")
    styles.NOTE.apply(ws.cell(3, LABEL_COL, f'=IF({READY},"","{not_ready}")'))
    ws.merge_cells(area(3, LABEL_COL, 3, LAST_COL))
    row = _gap_block(wb, ws, 4)
    row = _settings_block(wb, ws, row + 2)
    table_row = row + 4  # the sensitivity table's first driver: caption and header above it
    row = _sensitivity_block(wb, ws, table_row - 2, runtime)
    chart_row = row + 2
    row = _scenarios_block(wb, ws, chart_row + CHART_ROWS + 1, runtime)
    printed = _risk_block(wb, ws, row + 2, runtime)
    row = _drivers_block(wb, ws, printed + 2)
    _tornado(ws, chart_row, table_row, row + 2)
    set_widths(ws, WIDTHS)
    landscape_fit_width(ws, area(1, 1, printed, LAST_COL), pages_high=1)
    protect(ws)
    return ws


def _gap_block(wb: Workbook, ws: Worksheet, row: int) -> int:
    """The subsidy gap at the target return (and at the discount rate, as the batch reports it)."""
    _caption(ws, row, "gap")
    flows = "res_renovation_surplus,res_operating_surpluses"
    lines = (("gap_target", f"SUBSIDY_GAP({flows},in_target_return,in_horizon,in_horizon)", "wi_subsidy_gap"),
             ("gap_discount", f"SUBSIDY_GAP({flows},in_discount_rate,in_horizon,in_horizon)", None),
             ("base_npv", "res_npv", None))
    gap_note = texts("whatif", "gap_note")
    note = f"{gap_note.zh} / {gap_note.en}"
    for key, body, name in lines:
        row += 1
        _label(ws, row, key)
        styles.FORMULA.apply(ws.cell(row, FIRST_COL, _guard(body)), "money")
        styles.UNIT.apply(ws.cell(row, FIRST_COL + 1, "万元"))
        if key != "base_npv":
            styles.NOTE.apply(ws.cell(row, FIRST_COL + 2, note))
            ws.merge_cells(area(row, FIRST_COL + 2, row, LAST_COL))
        fit_height(ws, row, [(ws.cell(row, LABEL_COL).value, WIDTHS[1])])
        if name:
            define(wb, name, ws, cell_ref(row, FIRST_COL))
    return row


def _settings_block(wb: Workbook, ws: Worksheet, row: int) -> int:
    _caption(ws, row, "settings")
    settings = _data()["settings"]
    for key, (fmt, low, high, whole) in SETTINGS.items():
        row += 1
        _label(ws, row, key)
        fit_height(ws, row, [(ws.cell(row, LABEL_COL).value, WIDTHS[LABEL_COL])])
        ref = cell_ref(row, FIRST_COL)
        styles.INPUT.apply(ws.cell(row, FIRST_COL, settings[key]), fmt)
        number_validation(ws, ref, texts("whatif", key), whole=whole, minimum=low, maximum=high)
        define(wb, f"wi_{key}", ws, ref)
    return row


def _sensitivity_block(wb: Workbook, ws: Worksheet, row: int, runtime: str) -> int:
    """SENSITIVITY's five rows (driver, NPV at -swing and +swing, range, switching value)."""
    _caption(ws, row, "sensitivity")
    labels = [bilingual("whatif", k) for k in ("driver", "low", "high", "range", "switching")]
    header(ws, row + 1, LABEL_COL, labels)
    fit_height(ws, row + 1, [(text, WIDTHS[2]) for text in labels[1:]])
    ref = _spill(ws, row + 2, LABEL_COL, f"SENSITIVITY({DRIVER_ARGS},wi_swing,\"npv\",in_lang)",
           formats=SENSITIVITY_FORMATS, rows=len(DRIVERS), runtime=runtime)
    define(wb, "wi_sensitivity", ws, ref)
    note = row + 2 + len(DRIVERS)
    zh, en = texts("whatif", "switching_note")
    styles.NOTE.apply(ws.cell(note, LABEL_COL, f"{zh}\n{en}"))
    ws.merge_cells(area(note, LABEL_COL, note, LAST_COL))
    fit_height(ws, note, [(f"{zh}\n{en}", sum(WIDTHS[c] for c in range(LABEL_COL, LAST_COL + 1)))])
    return note


def _scenarios_block(wb: Workbook, ws: Worksheet, row: int, runtime: str) -> int:
    """The scenario table (inputs) with SCENARIOS spilled beside it."""
    _caption(ws, row, "scenarios")
    keys = ("scenario", *(f"factor_{d}" for d in DRIVERS), "payback", "npv", "irr", "status", "gap")
    labels = [bilingual("whatif", k) for k in keys]
    header(ws, row + 1, LABEL_COL, labels)
    fit_height(ws, row + 1, [(text, WIDTHS[2]) for text in labels[1:]])
    scenarios = _data()["scenario"]
    first = row + 2
    for i, scenario in enumerate(scenarios):
        styles.INPUT.apply(ws.cell(first + i, LABEL_COL, f"{scenario['zh']} / {scenario['en']}"), "text")
        for j, factor in enumerate(scenario["factors"]):
            styles.INPUT.apply(ws.cell(first + i, FIRST_COL + j, factor), "share")
    last = first + len(scenarios) - 1
    factors = area(first, FIRST_COL, last, FIRST_COL + len(DRIVERS) - 1)
    number_validation(ws, factors, texts("whatif", "scenarios"), minimum=0)
    table = area(first, LABEL_COL, last, FIRST_COL + len(DRIVERS) - 1)
    define(wb, "wi_scenarios", ws, table)
    ref = _spill(ws, first, FIRST_COL + len(DRIVERS), f"SCENARIOS({table},{DRIVER_ARGS},in_lang)",
           formats=SCENARIO_FORMATS, rows=len(scenarios), runtime=runtime)
    define(wb, "wi_scenario_results", ws, ref)
    return last


def _risk_block(wb: Workbook, ws: Worksheet, row: int, runtime: str) -> int:
    """RISK_PROFILE's one row of seven figures under their labels."""
    _caption(ws, row, "risk")
    labels = [bilingual("whatif", k) for k in FIGURES]
    header(ws, row + 1, FIRST_COL, labels)
    fit_height(ws, row + 1, [(text, WIDTHS[2]) for text in labels])
    _label(ws, row + 2, "risk_figures")
    ref = _spill(ws, row + 2, FIRST_COL, f"RISK_PROFILE({DRIVER_ARGS},wi_spread,wi_trials,wi_seed)",
           formats=RISK_FORMATS, rows=1, runtime=runtime)
    define(wb, "wi_risk_profile", ws, ref)
    return row + 2


def _drivers_block(wb: Workbook, ws: Worksheet, row: int) -> int:
    """Ro and Co (one cell each), Rk and Ck by year 1..50 (blank beyond the horizon)."""
    _caption(ws, row, "drivers")
    year = row + 1
    _label(ws, year, "year")
    for k in range(1, contract.MAX_YEARS + 1):
        styles.HEADER.apply(ws.cell(year, FIRST_COL + k - 1, k), "whole")
    for r, (key, body) in enumerate((("ro", renovation_revenue_formula()),
                                      ("co", 'SUMIF(ren_kind,"cost",ren_amount)')), start=year + 1):
        _label(ws, r, key)
        styles.FORMULA.apply(ws.cell(r, FIRST_COL, _guard(body)), "money")
        define(wb, f"wi_{key}", ws, cell_ref(r, FIRST_COL))
    for r, (key, kind) in enumerate((("rk", "revenue"), ("ck", "cost")), start=year + 3):
        _label(ws, r, key)
        for k in range(1, contract.MAX_YEARS + 1):
            col = FIRST_COL + k - 1
            letter = get_column_letter(col)
            formula = (f'=IF(AND({READY},{letter}${year}<=in_horizon),'
                       f'SUMIF(op_kind,"{kind}",{operation_year_range(k)}),"")')
            styles.FORMULA.apply(ws.cell(r, col, formula), "money")
        define(wb, f"wi_{key}", ws, area(r, FIRST_COL, r, FIRST_COL + contract.MAX_YEARS - 1))
    return year + 4


def _tornado(ws: Worksheet, anchor_row: int, table_row: int, data_row: int) -> None:
    """A horizontal bar chart of each driver's NPV at -swing and +swing less the base NPV,
    widest on top; its data rows sit below the drivers, in the table's reverse order (a bar
    chart draws its first category at the bottom)."""
    _caption(ws, data_row, "chart_data")
    for i in range(len(DRIVERS)):
        r, t = data_row + 1 + i, table_row + len(DRIVERS) - 1 - i
        styles.FORMULA.apply(ws.cell(r, LABEL_COL, f"=A{t}"), "text")
        for j, col in enumerate(("B", "C")):
            styles.FORMULA.apply(ws.cell(r, FIRST_COL + j, f'=IF(ISNUMBER({col}{t}),{col}{t}-res_npv,"")'), "money")
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap, chart.gapWidth = "bar", "clustered", 100, 40
    first_data, last_data = data_row + 1, data_row + len(DRIVERS)
    for j, key in enumerate(("tornado_low", "tornado_high")):
        chart.add_data(Reference(ws, min_col=FIRST_COL + j, min_row=first_data, max_row=last_data))
        chart.series[j].tx = SeriesLabel(v=bilingual("whatif", key))
    chart.set_categories(Reference(ws, min_col=LABEL_COL, min_row=first_data, max_row=last_data))
    chart.title = _small_title(bilingual("whatif", "tornado_title"))
    chart.x_axis.tickLblPos = "low"  # the drivers' names at the left, clear of the bars
    chart.x_axis.tickLblSkip = 1
    chart.x_axis.delete = chart.y_axis.delete = False
    chart.y_axis.title = bilingual("whatif", "tornado_axis")
    chart.y_axis.number_format = "#,##0"
    chart.legend.position = "b"
    chart.width, chart.height = CHART_SIZE  # type: ignore[assignment]  # centimetres; types-openpyxl says int
    ws.add_chart(chart, cell_ref(anchor_row, LABEL_COL))


def _small_title(text: str) -> Title:
    """A chart title in 11-point bold (the default, 18 points, crowds out the drivers' names)."""
    font = CharacterProperties(sz=TITLE_POINTS * 100, b=True)
    paragraph = Paragraph(pPr=ParagraphProperties(defRPr=font), r=[RegularTextRun(rPr=font, t=text)])
    return Title(tx=Text(rich=RichText(p=[paragraph])), overlay=False)
