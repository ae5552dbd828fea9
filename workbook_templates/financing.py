"""The Financing sheet: the sources of the renovation money (tblFinancing), the
sources = uses check, and the debt service by year.

The table is optional: left empty, the entity's own money pays for what the
other renovation revenue does not (all equity). Filled, its amounts must add up
to the renovation cost, a visible check cell in the FAST/ICAEW habit. Each
loan or bond row gets its yearly debt service (``DEBT_SERVICE``), summed into
the rows the Results sheet reads: all debt (``fin_debt_service``, for the DSCR
and the equity IRR) and special bonds only (``fin_bond_service``, for the
coverage ratio), with Sk and each year's DSCR beside them.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from renewal.financing import debt_kinds, sources_uses_tolerance
from workbook_templates import contract, styles
from workbook_templates.filling import Filling
from workbook_templates.layout import (
    area,
    bilingual,
    cell_ref,
    define,
    fit_height,
    landscape_fit_width,
    list_validation,
    number_validation,
    protect,
    set_widths,
    texts,
)
from workbook_templates.lists import code_hint
from workbook_templates.project import FIRST_ROW, _table_sheet

TABLE = contract.FINANCING_TABLE
YEAR1_COL = 3
"""Year 1 of the by-year block sits in column C, beside the two label columns."""
VALUE_COL, NOTE_COL = 3, 5
"""The check block: values in C (merged across D), notes from E."""
PRINT_PAGES_WIDE = 3
"""The sheet prints its 40 years of debt service across this many landscape pages."""
FORMATS = {"amount": "money", "rate": "rate", "term": "whole", "grace_years": "whole"}
"""Number formats of the table's numeric columns (the others hold text)."""
WIDTHS = {1: 34, 2: 18, 3: 11, 4: 11, 5: 11, 6: 11, 7: 14, 8: 16} | dict.fromkeys(
    range(9, YEAR1_COL + contract.MAX_DEBT_YEARS), 10)
READY = contract.READY_NAME
LIMITS = {"amount": (0, None, False), "rate": (-0.99, 0.99, False),
          "term": (1, contract.MAX_DEBT_YEARS - contract.MAX_GRACE_YEARS, True),
          "grace_years": (0, contract.MAX_GRACE_YEARS, True)}
"""Column -> (minimum, maximum, whole numbers): the drop-down checks of the inputs."""


def _col(name: str) -> str:
    return get_column_letter(TABLE.columns.index(name) + 1)


def add_financing_sheet(wb: Workbook, filling: Filling) -> Worksheet:
    """The Financing sheet: tblFinancing, the sources = uses check and the debt service by year."""
    ws = _table_sheet(wb, "financing", TABLE, [bilingual("financing", f"col_{c}") for c in TABLE.columns],
                     {c: WIDTHS[c] for c in range(1, len(TABLE.columns) + 1)})
    for i in range(TABLE.rows):
        source = filling.financing[i] if i < len(filling.financing) else None
        for j, name in enumerate(TABLE.columns, start=1):
            value = getattr(source, name) if source else None
            look = styles.INPUT_TEXT if name == "note" else styles.INPUT
            look.apply(ws.cell(FIRST_ROW + i, j, value), FORMATS.get(name, "text"))
        fit_height(ws, FIRST_ROW + i, [(source.note, WIDTHS[len(TABLE.columns)])] if source else [])
    last = FIRST_ROW + TABLE.rows - 1
    list_validation(ws, f"{_col('kind')}{FIRST_ROW}:{_col('kind')}{last}", "list_fin_kind",
                    code_hint("fin_kind"))
    list_validation(ws, f"{_col('method')}{FIRST_ROW}:{_col('method')}{last}", "list_fin_method",
                    code_hint("fin_method"))
    for name, (low, high, whole) in LIMITS.items():
        number_validation(ws, f"{_col(name)}{FIRST_ROW}:{_col(name)}{last}", texts("financing", f"col_{name}"),
                          whole=whole, minimum=low, maximum=high)
    row = _check_block(wb, ws, last + 2)
    end = _by_year_block(wb, ws, row + 2)
    set_widths(ws, WIDTHS)
    fit_height(ws, 2, [(str(ws.cell(2, 1).value), sum(WIDTHS[c] for c in range(1, len(TABLE.columns) + 1)))])
    ws.freeze_panes = cell_ref(FIRST_ROW, YEAR1_COL)
    ws.print_title_cols = "A:B"
    landscape_fit_width(ws, area(1, 1, end, YEAR1_COL + contract.MAX_DEBT_YEARS - 1), pages_wide=PRINT_PAGES_WIDE,
                        pages_high=1)
    protect(ws)
    return ws


def _caption(ws: Worksheet, row: int, key: str, **fields: object) -> None:
    styles.CAPTION.apply(ws.cell(row, 1, texts("financing", key, **fields).both()))
    ws.merge_cells(area(row, 1, row, len(TABLE.columns)))


def _line(ws: Worksheet, row: int, key: str, formula: str, fmt: str, **fields: object) -> str:
    """Labels, a formula in column C and its note (``fields`` fill its placeholders); returns the formula's cell."""
    zh, en = texts("financing", key)
    styles.LABEL.apply(ws.cell(row, 1, zh))
    styles.LABEL.apply(ws.cell(row, 2, en))
    styles.FORMULA.apply(ws.cell(row, VALUE_COL, formula), fmt)
    ws.merge_cells(area(row, VALUE_COL, row, NOTE_COL - 1))
    note_text = texts("financing", f"{key}_note", **fields)
    note = f"{note_text.zh} / {note_text.en}"
    styles.NOTE.apply(ws.cell(row, NOTE_COL, note))
    ws.merge_cells(area(row, NOTE_COL, row, len(TABLE.columns)))
    fit_height(ws, row, [(zh, WIDTHS[1]), (en, WIDTHS[2]),
                         (note, sum(WIDTHS[c] for c in range(NOTE_COL, len(TABLE.columns) + 1)))])
    return cell_ref(row, VALUE_COL)


def _check_block(wb: Workbook, ws: Worksheet, row: int) -> int:
    """Sources, uses, their difference and the check cell; the entity's equity and the debt."""
    _caption(ws, row, "check_caption")
    sources = _line(ws, row + 1, "sources", f'=IF({READY},SUM(fin_amount),"")', "money")
    define(wb, "res_sources_total", ws, sources)
    uses = _line(ws, row + 2, "uses", f'=IF({READY},SUMIF(ren_kind,"cost",ren_amount),"")', "money")
    tolerance = f"{sources_uses_tolerance():g}"
    difference = _line(ws, row + 3, "difference", f'=IF({READY},{sources}-{uses},"")', "money", tolerance=tolerance)
    empty, ok, bad = (bilingual("financing", k) for k in ("state_empty", "state_ok", "state_bad"))
    _line(ws, row + 4, "check", f'=IF({READY},IF(COUNT(fin_amount)=0,"{empty}",IF(ABS({difference})<='
                                f'{tolerance},"{ok}","{bad}")),"")', "text")
    equity = _line(ws, row + 5, "equity", f'=IF({READY},IF(COUNT(fin_amount)=0,MAX(0,-res_renovation_surplus),'
                                          f'SUMIF(fin_kind,"ENTITY_EQUITY",fin_amount)),"")', "money")
    define(wb, "fin_equity", ws, equity)
    debt = "+".join(f'SUMIF(fin_kind,"{k}",fin_amount)' for k in debt_kinds())
    _line(ws, row + 6, "debt", f'=IF({READY},{debt},"")', "money")
    return row + 6


def _by_year_block(wb: Workbook, ws: Worksheet, row: int) -> int:
    """Years 1..MAX_DEBT_YEARS: each table row's debt service, the totals, Sk and the DSCR; returns its last row.

    Column B holds each row's years of service (0 for a source that is no debt),
    so that a year's cell calls ``DEBT_SERVICE`` only within them.
    """
    _caption(ws, row, "by_year", years=contract.MAX_DEBT_YEARS)
    year_row, first = row + 1, row + 2
    header_zh, header_en = texts("financing", "year")
    styles.HEADER.apply(ws.cell(year_row, 1, f"{header_zh} / {header_en}"))
    styles.HEADER.apply(ws.cell(year_row, 2, bilingual("financing", "service_years")))
    fit_height(ws, year_row, [(str(ws.cell(year_row, j).value), WIDTHS[j]) for j in (1, 2)])
    total, bonds, sk, cover = (first + TABLE.rows + k for k in range(4))
    kinds = f"${_col('kind')}${FIRST_ROW}:${_col('kind')}${FIRST_ROW + TABLE.rows - 1}"
    for i in range(TABLE.rows):
        src, out = FIRST_ROW + i, first + i
        item, kind, amount, rate, term, grace, method = (f"${_col(c)}{src}" for c in (
            "item", "kind", "amount", "rate", "term", "grace_years", "method"))
        styles.LABEL.apply(ws.cell(out, 1, f'=IF({item}<>"",{item},""&{kind})'))
        is_debt = ",".join(f'{kind}="{k}"' for k in debt_kinds())
        styles.FORMULA.apply(ws.cell(out, 2, f"=IF(AND({READY},OR({is_debt}),ISNUMBER({amount})),"
                                             f"MAX(1,{term}+{grace}),0)"), "whole")
        for k in range(1, contract.MAX_DEBT_YEARS + 1):
            year = f"{get_column_letter(YEAR1_COL + k - 1)}${year_row}"
            formula = f'=IF({year}<=$B{out},INDEX(DEBT_SERVICE({amount},{rate},{term},{grace},{method}),1,{year}),"")'
            styles.FORMULA.apply(ws.cell(out, YEAR1_COL + k - 1, formula), "money")
    for k in range(1, contract.MAX_DEBT_YEARS + 1):
        col = YEAR1_COL + k - 1
        letter = get_column_letter(col)
        styles.HEADER.apply(ws.cell(year_row, col, k), "whole")
        rows = f"{letter}{first}:{letter}{first + TABLE.rows - 1}"
        styles.FORMULA.apply(ws.cell(total, col, f'=IF({READY},SUM({rows}),"")'), "money")
        styles.FORMULA.apply(ws.cell(bonds, col, f'=IF({READY},SUMIF({kinds},"SPECIAL_BOND",{rows}),"")'), "money")
        styles.FORMULA.apply(ws.cell(sk, col, f'=IF({READY},INDEX(res_operating_surpluses,1,{k}),"")'), "money")
        styles.FORMULA.apply(ws.cell(cover, col, f'=IF(AND({READY},N({letter}{total})>0),'
                                                 f'DSCR({letter}{sk},{letter}{total}),"")'), "share")
    for out, key in ((total, "total"), (bonds, "bonds"), (sk, "sk"), (cover, "dscr")):
        zh, en = texts("financing", key)
        styles.LABEL.apply(ws.cell(out, 1, zh))
        styles.LABEL.apply(ws.cell(out, 2, en))
    last = get_column_letter(YEAR1_COL + contract.MAX_DEBT_YEARS - 1)
    define(wb, "fin_debt_service", ws, f"C{total}:{last}{total}")
    define(wb, "fin_bond_service", ws, f"C{bonds}:{last}{bonds}")
    return cover
