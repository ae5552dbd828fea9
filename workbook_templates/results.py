"""The Results sheet: formulas that call the renewal functions over the inputs'
defined names, each result under its ``res_`` name, and the chart.

Every result is guarded by ``calc_ready`` (every required field filled): an
empty template shows blank results rather than a sheet of error values, and
a half-filled one shows what is missing. Where a function's answer is an
error, that is the answer (``#NUM!``: no IRR; ``#N/A``: never recovered, or no
pattern applies; ``#VALUE!``: bad input).
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.chart import Reference, ScatterChart, Series
from openpyxl.chart.error_bar import ErrorBars
from openpyxl.chart.marker import Marker
from openpyxl.chart.series import SeriesLabel
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.drawing.line import LineProperties
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from renewal.codes import counts_in_renovation_surplus, source_codes
from renewal.language import Text
from renewal.patterns import PATTERN_CODES
from workbook_templates import contract, styles
from workbook_templates.engine import Values
from workbook_templates.layout import (
    address_of,
    area,
    bilingual,
    cell_ref,
    define,
    fit_height,
    header,
    landscape_fit_width,
    protect,
    set_widths,
    texts,
    title_rows,
)
from workbook_templates.project import operation_year_range

VALUE_COL, UNIT_COL, NOTE_COL, LAST_COL = 3, 4, 5, 12
"""Value (and year 0), unit (and year 1), note; the printed width ends at column L. In the
check block: the add-in's answer, Excel's own, and whether they agree."""
YEAR0_COL = VALUE_COL
LAST_YEAR_COL = YEAR0_COL + contract.MAX_YEARS
WIDTHS = {1: 28, 2: 34, 3: 20} | dict.fromkeys(range(4, LAST_YEAR_COL + 1), 10)
READY_ROW, HEADER_ROW = 3, 4
CHART_ROWS = 18
CHART_SIZE = (28.0, 8.8)
"""Width and height of the chart in cm: it fits CHART_ROWS rows and the printed width."""
FLOWS_COLOUR, BALANCE_COLOUR = "4472C4", "ED7D31"
COLUMN_POINTS = 7
"""Width of a year's column (an error bar from the value down to 0), in points."""
TEXT_WIDTH = sum(WIDTHS[c] for c in range(VALUE_COL, LAST_COL + 1))
NOTE_WIDTH = sum(WIDTHS[c] for c in range(NOTE_COL, LAST_COL + 1))
READY = contract.READY_NAME
SO, SK = "res_renovation_surplus", "res_operating_surpluses"


RESULT_NAMES = {r.name for r in contract.RESULTS}


@dataclass(frozen=True)
class Line:
    """A one-cell result: its key (named ``res_<key>`` when it is a contract result), formula body,
    number format and unit."""

    key: str
    formula: str
    number_format: str
    unit: str = ""


def _excluded_sources() -> tuple[str, ...]:
    """Sources whose amounts are the entity's own money: left out of Ro (codes.toml, counts_in_So)."""
    return tuple(s for s in source_codes() if not counts_in_renovation_surplus(s))


def renovation_revenue_formula() -> str:
    """Ro: revenue of the sources that count in So, e.g. ``SUMIFS(..., ren_source, "<>ENTITY_INVESTMENT")``.

    >>> renovation_revenue_formula()
    'SUMIFS(ren_amount,ren_kind,"revenue",ren_source,"<>ENTITY_INVESTMENT")'
    """
    excluded = "".join(f',ren_source,"<>{s}"' for s in _excluded_sources())
    return f'SUMIFS(ren_amount,ren_kind,"revenue"{excluded})'


def entity_investment_formula() -> str:
    """The entity's own money: revenue rows of the excluded sources."""
    parts = [f'SUMIFS(ren_amount,ren_kind,"revenue",ren_source,"{s}")' for s in _excluded_sources()]
    return "+".join(parts) or "0"


def _lines(ro: str, co: str) -> tuple[Line, ...]:
    flows = f"{SO},{SK}"
    return (
        Line("renovation_revenue", renovation_revenue_formula(), "money", "万元"),
        Line("renovation_cost", 'SUMIF(ren_kind,"cost",ren_amount)', "money", "万元"),
        Line("renovation_surplus", f"STAGE_SURPLUS({ro},{co})", "money", "万元"),
        Line("entity_investment", entity_investment_formula(), "money", "万元"),
        Line("payback_years", f"PAYBACK_YEARS({flows},0,in_horizon)", "years", "年"),
        Line("discounted_payback_years", f"PAYBACK_YEARS({flows},in_discount_rate,in_horizon)", "years", "年"),
        Line("npv", f"RENEWAL_NPV(in_discount_rate,{flows},in_horizon)", "money", "万元"),
        Line("irr", f"RENEWAL_IRR({flows},in_horizon)", "rate", "%"),
        Line("mirr", f"RENEWAL_MIRR({flows},in_discount_rate,in_discount_rate,in_horizon)", "rate", "%"),
        Line("years_to_target", f"YEARS_TO_RETURN(in_target_return,{flows},in_horizon)", "years", "年"),
        Line("required_annual_surplus", f"REQUIRED_ANNUAL_SURPLUS({SO},in_horizon,in_discount_rate)",
             "money", "万元/年"),
        Line("balance_status", f"BALANCE_STATUS({flows},0,in_horizon,in_lang)", "text"),
        Line("declared_pattern_name", "PATTERN_NAME(in_pattern,in_lang)", "text"),
        Line("best_fit_pattern", "PATTERN_FIT(site_attributes)", "text"),
        Line("best_fit_name", "PATTERN_NAME(res_best_fit_pattern,in_lang)", "text"),
        Line("min_dscr", f'IF(SUM(fin_debt_service)>0,MIN_DSCR({SK},fin_debt_service),"{contract.NOT_APPLICABLE}")',
             "share", "倍"),
        Line("coverage_ratio", f'IF(SUM(fin_bond_service)>0,COVERAGE_RATIO({SK},fin_bond_service),'
                               f'"{contract.NOT_APPLICABLE}")', "share", "倍"),
        Line("equity_irr", f"EQUITY_IRR(fin_equity,{SK},fin_debt_service,in_horizon)", "rate", "%"),
    )


def _guard(body: str) -> str:
    return f'=IF({READY},{body},"")'


def _label(ws: Worksheet, row: int, zh: str, en: str) -> None:
    styles.LABEL.apply(ws.cell(row, 1, zh))
    styles.LABEL.apply(ws.cell(row, 2, en))


def _result_labels(key: str) -> Text:
    """A contract result's labels, or the Results sheet's own line (messages.toml, [results])."""
    if key in RESULT_NAMES:
        result = next(r for r in contract.RESULTS if r.name == key)
        return result.label
    return texts("results", key)


def _note(ws: Worksheet, row: int, key: str) -> str:
    """The explanation beside a contract result, merged across to the printed width."""
    zh, en = texts("note", key) if key in RESULT_NAMES else ("", "")
    note = f"{zh} / {en}" if zh else ""
    styles.NOTE.apply(ws.cell(row, NOTE_COL, note or None))
    ws.merge_cells(area(row, NOTE_COL, row, LAST_COL))
    return note


def add_results_sheet(wb: Workbook, runtime: str) -> Worksheet:
    """The Results sheet with every ``res_`` name, ``calc_ready`` and the chart."""
    ws = wb.create_sheet(contract.SHEETS["results"])
    title_rows(ws, "Results", LAST_COL)
    styles.TITLE.apply(ws.cell(1, VALUE_COL, '=IF(in_project_id="","",in_project_id&"  "&in_project_name)'))
    required = ",".join(f.defined_name for f in contract.PROJECT_FIELDS if f.required)
    n_required = sum(f.required for f in contract.PROJECT_FIELDS)
    _label(ws, READY_ROW, *texts("results", "ready"))
    styles.FORMULA.apply(ws.cell(READY_ROW, VALUE_COL, f"=COUNTA({required})={n_required}"))
    define(wb, READY, ws, cell_ref(READY_ROW, VALUE_COL))
    not_ready = bilingual("results", "not_ready")
    styles.NOTE.apply(ws.cell(READY_ROW, NOTE_COL, f'=IF({READY},"","{not_ready}")'))
    ws.merge_cells(area(READY_ROW, NOTE_COL, READY_ROW, LAST_COL))
    header(ws, HEADER_ROW, 1, [*texts("results", "indicator"), bilingual("column", "value"),
                               bilingual("column", "unit"), bilingual("column", "note")])
    for col in range(NOTE_COL + 1, LAST_COL + 1):
        styles.HEADER.apply(ws.cell(HEADER_ROW, col))
    row = HEADER_ROW
    ro = cell_ref(HEADER_ROW + 1, VALUE_COL)
    co = cell_ref(HEADER_ROW + 2, VALUE_COL)
    for line in _lines(ro, co):
        row += 1
        _label(ws, row, *_result_labels(line.key))
        styles.FORMULA.apply(ws.cell(row, VALUE_COL, _guard(line.formula)), line.number_format)
        styles.UNIT.apply(ws.cell(row, UNIT_COL, line.unit or None))
        note = _note(ws, row, line.key)
        fit_height(ws, row, [(ws.cell(row, 1).value, WIDTHS[1]), (ws.cell(row, 2).value, WIDTHS[2]),
                             (note, NOTE_WIDTH)])
        if line.key in RESULT_NAMES:
            define(wb, f"res_{line.key}", ws, cell_ref(row, VALUE_COL))
    row = _irr_warning_row(wb, ws, row + 1)
    check_row = row + 2
    row = _scores_block(wb, ws, check_row + len(CHECKS) + 3, runtime)
    row = _texts_block(wb, ws, row + 2)
    chart_row = row + 2
    by_year = _by_year_block(wb, ws, chart_row + CHART_ROWS + 1)
    _check_block(wb, ws, check_row, by_year.cash)
    _chart(ws, chart_row, by_year)
    set_widths(ws, WIDTHS)
    ws.freeze_panes = cell_ref(HEADER_ROW + 1, VALUE_COL)
    landscape_fit_width(ws, area(1, 1, chart_row + CHART_ROWS - 1, LAST_COL), pages_high=1)
    protect(ws)
    return ws


def _irr_warning_row(wb: Workbook, ws: Worksheet, row: int) -> int:
    """IRR_WARNING across the sheet: empty unless the flows have several IRRs; returns its row."""
    _label(ws, row, *_result_labels("irr_warning"))
    formula = _guard(f"IRR_WARNING({SO},{SK},in_horizon,in_lang)")
    styles.FORMULA_TEXT.apply(ws.cell(row, VALUE_COL, formula), "text")
    ws.merge_cells(area(row, VALUE_COL, row, LAST_COL))
    define(wb, "res_irr_warning", ws, cell_ref(row, VALUE_COL))
    return row


CHECKS = (  # key, our result, Excel's own function over the same cells ({flows}: year 0..50)
    ("npv", "res_npv", "NPV(in_discount_rate,res_operating_surpluses)+res_renovation_surplus"),
    ("irr", "res_irr", "IRR({flows})"),
    ("mirr", "res_mirr", "MIRR({flows},in_discount_rate,in_discount_rate)"),
    ("pmt", "res_required_annual_surplus", "PMT(in_discount_rate,in_horizon,res_renovation_surplus)"),
)
"""The check block's rows: the add-in's answer beside Excel's own on the same inputs."""


def _agrees(ours: str, native: str, improves_on_excel: bool) -> str:
    """OK where both are the same number (1e-9 relative), or both errors; for IRR also where
    Excel shows an error and the add-in the one root (the documented improvement). NOT
    CALCULATED where the add-in's function did not run (``#NAME?``: the add-in is not loaded)."""
    ok, mismatch = f'"{contract.EXCEL_CHECK_OK}"', f'"{contract.EXCEL_CHECK_MISMATCH}"'
    not_run = f'"{contract.EXCEL_CHECK_NOT_CALCULATED}"'
    ours_error = f"IF(ERROR.TYPE({ours})=5,{not_run},IF(ISERROR({native}),{ok},{mismatch}))"
    same = f"IF(ABS({ours}-{native})<=1E-9*MAX(1,ABS({native})),{ok},{mismatch})"
    excel_error = ok if improves_on_excel else mismatch
    return _guard(f"IF(ISERROR({ours}),{ours_error},IF(ISERROR({native}),{excel_error},{same}))")


def _check_block(wb: Workbook, ws: Worksheet, row: int, cash_row: int) -> None:
    """Excel's own NPV, IRR, MIRR and PMT beside the add-in's, and one cell that says OK or
    names what differs (``res_excel_check``): a user with Excel checks the add-in in place."""
    _caption(ws, row, "excel_block")
    captions = [*texts("results", "indicator"), bilingual("results", "ours"), bilingual("results", "native"),
                bilingual("results", "agrees")]
    header(ws, row + 1, 1, captions)
    fit_height(ws, row + 1, [(c, WIDTHS[i]) for i, c in enumerate(captions, start=1)])
    flows = f"{cell_ref(cash_row, YEAR0_COL)}:{cell_ref(cash_row, LAST_YEAR_COL)}".replace("$", "")
    verdicts = []
    for r, (key, ours, native) in enumerate(CHECKS, start=row + 2):
        _label(ws, r, *texts("results", f"check_{key}"))
        fmt = "rate" if key in ("irr", "mirr") else "money"
        styles.FORMULA.apply(ws.cell(r, VALUE_COL, _guard(ours)), fmt)
        styles.FORMULA.apply(ws.cell(r, UNIT_COL, _guard(native.format(flows=flows))), fmt)
        verdict = _agrees(cell_ref(r, VALUE_COL), cell_ref(r, UNIT_COL), improves_on_excel=key == "irr")
        styles.FORMULA.apply(ws.cell(r, NOTE_COL, verdict), "text")
        ws.merge_cells(area(r, NOTE_COL, r, NOTE_COL + 1))
        note = bilingual("results", "check_irr_note") if key == "irr" else None
        styles.NOTE.apply(ws.cell(r, NOTE_COL + 2, note))
        ws.merge_cells(area(r, NOTE_COL + 2, r, LAST_COL))
        fit_height(ws, r, [(ws.cell(r, 1).value, WIDTHS[1]), (ws.cell(r, 2).value, WIDTHS[2]),
                           (note or "", NOTE_WIDTH - WIDTHS[NOTE_COL] - WIDTHS[NOTE_COL + 1])])
        verdicts.append((key, cell_ref(r, NOTE_COL)))
    r = row + 2 + len(CHECKS)
    _label(ws, r, *_result_labels("excel_check"))
    ok, not_run = f'"{contract.EXCEL_CHECK_OK}"', f'"{contract.EXCEL_CHECK_NOT_CALCULATED}"'
    any_not_run = f"OR({','.join(f'{cell}={not_run}' for _, cell in verdicts)})"
    all_ok = f"AND({','.join(f'{cell}={ok}' for _, cell in verdicts)})"
    names = "&".join(f'IF({cell}={ok},"","{key.upper()} ")' for key, cell in verdicts)
    check = f'IF({any_not_run},{not_run},IF({all_ok},{ok},"{contract.EXCEL_CHECK_MISMATCH}: "&TRIM({names})))'
    styles.FORMULA.apply(ws.cell(r, VALUE_COL, _guard(check)), "text")
    ws.merge_cells(area(r, VALUE_COL, r, UNIT_COL))
    note = _note(ws, r, "excel_check")
    fit_height(ws, r, [(ws.cell(r, 1).value, WIDTHS[1]), (ws.cell(r, 2).value, WIDTHS[2]), (note, NOTE_WIDTH)])
    define(wb, "res_excel_check", ws, cell_ref(r, VALUE_COL))


def _caption(ws: Worksheet, row: int, key: str) -> None:
    styles.CAPTION.apply(ws.cell(row, 1, bilingual("results", key)))
    ws.merge_cells(area(row, 1, row, LAST_COL))


def _scores_block(wb: Workbook, ws: Worksheet, row: int, runtime: str) -> int:
    """PATTERN_SCORES (code, score, applicable; best first) with both names beside it; returns its last row.

    For xlwings Lite one spilled call; for classic xlwings one cell each
    (``INDEX`` into the call, "applicable" as yes/no text), because LibreOffice
    recalculates every array formula, and every formula whose cached value is
    TRUE/FALSE, when it opens a file, and would show ``#NAME?`` instead of the
    cached values.
    """
    _caption(ws, row, "scores")
    captions = [bilingual("column", k) for k in ("name_zh", "name_en", "code", "score", "applicable")]
    header(ws, row + 1, 1, captions)
    fit_height(ws, row + 1, [(c, WIDTHS[i]) for i, c in enumerate(captions, start=1)])
    first, last = row + 2, row + 1 + len(PATTERN_CODES)
    scores = area(first, VALUE_COL, last, VALUE_COL + 2)
    define(wb, "res_pattern_scores", ws, scores)
    names = {1: "zh", 2: "en"}
    if runtime == "lite":
        codes = area(first, VALUE_COL, last, VALUE_COL)
        ws.cell(first, VALUE_COL).value = ArrayFormula(scores, _guard("PATTERN_SCORES(site_attributes)"))
        for col, lang in names.items():
            ref = area(first, col, last, col)
            ws.cell(first, col).value = ArrayFormula(ref, _guard(f'PATTERN_NAME({codes},"{lang}")'))
    for r in range(first, last + 1):
        for j, fmt in enumerate(("text", "score", "general")):
            cell = ws.cell(r, VALUE_COL + j)
            if runtime != "lite":
                value = f"INDEX(PATTERN_SCORES(site_attributes),{r - first + 1},{j + 1})"
                if fmt == "general":  # LibreOffice recalculates a cell whose cached value is TRUE/FALSE
                    value = f'IF({value},"{bilingual("results", "yes")}","{bilingual("results", "no")}")'
                cell.value = _guard(value)
            styles.FORMULA.apply(cell, fmt)
        for col, lang in names.items():
            if runtime != "lite":
                ws.cell(r, col).value = _guard(f'PATTERN_NAME({cell_ref(r, VALUE_COL)},"{lang}")')
            styles.FORMULA.apply(ws.cell(r, col), "text")
    return last


def _texts_block(wb: Workbook, ws: Worksheet, row: int) -> int:
    """Reasons and policy guidance for the declared pattern, wrapped across the sheet."""
    _caption(ws, row, "texts")
    bodies = {"reasons": "PATTERN_REASONS(site_attributes,in_pattern,in_lang)",
              "policy_guidance": "POLICY_GUIDANCE(in_pattern,in_lang)"}
    for key, body in bodies.items():
        row += 1
        _label(ws, row, *_result_labels(key))
        styles.FORMULA_TEXT.apply(ws.cell(row, VALUE_COL, _guard(body)), "text")
        ws.merge_cells(area(row, VALUE_COL, row, LAST_COL))
        define(wb, f"res_{key}", ws, cell_ref(row, VALUE_COL))
    return row


@dataclass(frozen=True)
class ByYear:
    """Rows of the by-year block."""

    year: int
    cash: int
    flows: int
    balance: int
    years: int


def _year_cols() -> range:
    return range(YEAR0_COL, LAST_YEAR_COL + 1)


def _by_year_block(wb: Workbook, ws: Worksheet, row: int) -> ByYear:
    """Year 0..50: Sk, So + cumulative Sk, and the chart's rows (``#N/A`` where nothing to draw,
    the years included, so that the chart's year axis ends at the horizon)."""
    _caption(ws, row, "by_year")
    year, sk, cumulative = row + 1, row + 2, row + 3
    _label(ws, year, *texts("results", "year"))
    for col in _year_cols():
        styles.HEADER.apply(ws.cell(year, col, col - YEAR0_COL), "whole")
    _label(ws, sk, *_result_labels("operating_surpluses"))
    _label(ws, cumulative, *_result_labels("cumulative_balance"))
    styles.FORMULA.apply(ws.cell(cumulative, YEAR0_COL, _guard(SO)), "money")
    for col in _year_cols()[1:]:
        letter, prev = get_column_letter(col), get_column_letter(col - 1)
        k = col - YEAR0_COL
        in_range = operation_year_range(k)
        sk_formula = (f'=IF(AND({READY},{letter}${year}<=in_horizon),STAGE_SURPLUS('
                      f'SUMIF(op_kind,"revenue",{in_range}),SUMIF(op_kind,"cost",{in_range})),"")')
        styles.FORMULA.apply(ws.cell(sk, col, sk_formula), "money")
        styles.FORMULA.apply(ws.cell(cumulative, col, f'=IF({letter}{sk}="","",{prev}{cumulative}+{letter}{sk})'),
                             "money")
    define(wb, SK, ws, area(sk, YEAR0_COL + 1, sk, LAST_YEAR_COL))
    define(wb, "res_cumulative_balance", ws, area(cumulative, YEAR0_COL, cumulative, LAST_YEAR_COL))
    cash = cumulative + 1
    _label(ws, cash, *texts("results", "cash_flows"))
    styles.FORMULA.apply(ws.cell(cash, YEAR0_COL, _guard(SO)), "money")
    for col in _year_cols()[1:]:
        styles.FORMULA.apply(ws.cell(cash, col, f"={get_column_letter(col)}{sk}"), "money")
    _caption(ws, cash + 1, "chart_data")
    flows, balance = cash + 2, cash + 3
    first, year1, last = (get_column_letter(c) for c in (YEAR0_COL, YEAR0_COL + 1, LAST_YEAR_COL))
    balances, surpluses = f"{first}{cumulative}:{last}{cumulative}", f"{year1}{sk}:{last}{sk}"
    ws.cell(flows, YEAR0_COL).value = f'=IF({first}{cumulative}="",NA(),{SO})'
    chart_years = balance + 1
    arrays = (  # row, first column (to the last year), formula
        (flows, YEAR0_COL + 1, f'=IF({year1}{cumulative}:{last}{cumulative}="",NA(),{surpluses})'),
        (balance, YEAR0_COL, f'=IF({balances}="",NA(),{balances})'),
        (chart_years, YEAR0_COL, f'=IF({balances}="",NA(),{first}{year}:{last}{year})'),
    )
    for chart_row, col, formula in arrays:
        ws.cell(chart_row, col).value = ArrayFormula(area(chart_row, col, chart_row, LAST_YEAR_COL), formula)
    for name, chart_row, key, number_format in (
            (contract.CHART_NAMES[0], flows, "chart_flows", "money"),
            (contract.CHART_NAMES[1], balance, "chart_balance", "money"),
            (contract.CHART_YEARS_NAME, chart_years, "chart_years", "whole")):
        _label(ws, chart_row, *texts("results", key))
        for col in _year_cols():
            styles.NOTE.apply(ws.cell(chart_row, col), number_format)
        define(wb, name, ws, area(chart_row, YEAR0_COL, chart_row, LAST_YEAR_COL))
    return ByYear(year, cash, flows, balance, chart_years)


def _chart(ws: Worksheet, anchor_row: int, rows: ByYear) -> None:
    """So (year 0) and each Sk as columns, the cumulative balance as a line crossing 0 where
    recovered, over the project's years only.

    An XY chart: its year axis is a value axis, scaled to the years plotted, and the years
    beyond the horizon are ``#N/A`` (not plotted), so that a 20-year project's chart ends at
    year 20 (or the axis's next round value), not 50, in Excel and LibreOffice alike; a
    category axis would keep a slot for every one of the 51 columns, and LibreOffice draws
    nothing from a range sized by OFFSET. The columns are error bars from each value down to 0.
    """
    years = Reference(ws, min_col=YEAR0_COL, max_col=LAST_YEAR_COL, min_row=rows.years)
    chart = ScatterChart(scatterStyle="lineMarker")
    for data_row, key in ((rows.flows, "series_flows"), (rows.balance, "series_balance")):
        series = Series(Reference(ws, min_col=YEAR0_COL, max_col=LAST_YEAR_COL, min_row=data_row), years)
        series.tx = SeriesLabel(v=bilingual("results", key))
        chart.series.append(series)
    flows, balance = chart.series
    flows.graphicalProperties.line.noFill = True
    flows.marker = Marker(symbol="square", size=3, spPr=GraphicalProperties(solidFill=FLOWS_COLOUR))
    flows.errBars = ErrorBars(errDir="y", errBarType="minus", errValType="percentage", val=100, noEndCap=True,
                              spPr=GraphicalProperties(ln=LineProperties(w=COLUMN_POINTS * 12700,
                                                                         solidFill=FLOWS_COLOUR)))
    balance.graphicalProperties.line.solidFill = BALANCE_COLOUR
    balance.marker = Marker(symbol="circle", size=4, spPr=GraphicalProperties(solidFill=BALANCE_COLOUR))
    chart.title = texts("results", "chart_title").zh
    chart.y_axis.title = texts("results", "chart_axis").zh
    chart.x_axis.title = bilingual("results", "year")
    chart.y_axis.number_format = "#,##0"
    chart.x_axis.number_format = "0"
    chart.x_axis.scaling.min = 0
    chart.x_axis.tickLblPos = "low"  # the years below the plot, clear of the columns
    chart.x_axis.majorGridlines = None
    chart.x_axis.delete = chart.y_axis.delete = False
    if chart.legend is not None:  # a new chart has one
        chart.legend.position = "b"
    chart.width, chart.height = CHART_SIZE  # type: ignore[assignment]  # centimetres; types-openpyxl says int
    ws.add_chart(chart, cell_ref(anchor_row, 1))


def fit_text_rows(wb: Workbook, values: Values) -> None:
    """Row heights for the long text results (reasons, policy guidance), from their computed values."""
    for name in ("res_reasons", "res_policy_guidance", "res_irr_warning"):
        sheet, ref = address_of(wb, name)
        text = values.get((sheet, ref))
        if isinstance(text, str) and text:
            fit_height(wb[sheet], wb[sheet][ref].row, [(text, TEXT_WIDTH)])
