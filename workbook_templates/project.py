"""The input sheets of a project workbook: Project (identity and assumptions, notes),
Renovation (tblRenovation), Operation (tblOperation) and Site (tblSite).

Every input has a defined name (``in_<field>``) or lives in a named table with
defined names over its columns (contract.COLUMN_NAMES, contract.BLOCK_NAMES),
so the batch never depends on a cell address.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from renewal.cases import PaperFigure
from renewal.fit import site_attributes
from renewal.language import Text
from workbook_templates import contract, styles
from workbook_templates.filling import Filling
from workbook_templates.layout import (
    add_table,
    area,
    bilingual,
    cell_ref,
    define,
    fit_height,
    header,
    landscape_fit_width,
    list_validation,
    number_validation,
    protect,
    set_widths,
    texts,
    title_rows,
)
from workbook_templates.lists import code_hint

HEADER_ROW = 4
"""Row of the column headers on every input sheet (row 3 holds bilingual captions)."""
PRINT_PAGES_WIDE = 3
"""The Operation sheet prints its 50 years across this many landscape pages."""
FIRST_ROW = HEADER_ROW + 1

PROJECT_WIDTHS = {1: 26, 2: 34, 3: 30, 4: 8, 5: 48}
VALUE_COL, UNIT_COL, NOTE_COL = 3, 4, 5

FIELD_FORMATS = {"text": "text", "code": "text", "integer": "whole", "number": "money", "rate": "rate",
                 "share": "share"}
UNIT_FORMATS = {"万元": "money", "m²": "area", "户": "count"}
"""Number formats of the Project fields: by kind, refined by unit."""

SITE_KINDS: dict[str, tuple[bool, float | None, float | None, str]] = {
    "share": (False, 0, 1, "share"),
    "flag": (True, 0, 1, "whole"),
    "ratio": (False, 0, None, "share"),
    "count": (True, 0, None, "count"),
    "money": (False, None, None, "money"),
    "area_m2": (False, 0, None, "area"),
    "distance_m": (False, 0, None, "count"),
}
"""Site attribute kind -> (whole numbers, minimum, maximum, number format)."""

MONEY_COLUMNS = {"amount", *(f"y{k}" for k in range(1, contract.MAX_YEARS + 1))}
"""Table columns that hold money (万元)."""

SITE_WIDTHS = {1: 26, 2: 14, 3: 10, 4: 100}

PAPER_METRICS = {
    "renovation_surplus": ("res_renovation_surplus", "money", "万元"),
    "payback_years": ("res_payback_years", "years", "年"),
    "years_to_target": ("res_years_to_target", "years", "年"),
    "cumulative_surplus": ("res_renovation_surplus+SUM(res_operating_surpluses)", "money", "万元"),
}
"""The metric a paper statement speaks of -> the formula of the computed figure, its format and unit."""


def _field_hint(field: contract.Field) -> Text:
    parts = [texts("field", "required")] if field.required else []
    if field.minimum is not None and field.maximum is not None:
        low: float | str = field.minimum
        high: float | str = field.maximum
        if field.kind == "rate":
            low, high = f"{low:.0%}", f"{high:.0%}"
        parts.append(texts("field", "range", low=low, high=high))
    elif field.minimum is not None:
        parts.append(texts("field", "at_least", low=field.minimum))
    return Text("；".join(p.zh for p in parts), "; ".join(p.en for p in parts))


def _lookup(code_cell: str, list_name: str) -> str:
    """A formula showing the label of the code in ``code_cell`` (blank when empty)."""
    unknown = bilingual("lists", "unknown")
    return (f'=IF({code_cell}="","",IFERROR(INDEX({list_name}_label,MATCH({code_cell},{list_name},0)),'
            f'"{unknown}"))')


def add_project_sheet(wb: Workbook, filling: Filling) -> Worksheet:
    """The Project sheet: one row per contract field, then the notes block."""
    ws = wb.create_sheet(contract.SHEETS["project"])
    title_rows(ws, "Project", NOTE_COL)
    header(ws, HEADER_ROW, 1, [bilingual("column", k) for k in ("label_zh", "label_en", "value", "unit", "note")])
    for row, field in enumerate(contract.PROJECT_FIELDS, start=FIRST_ROW):
        mark = " *" if field.required else ""
        styles.LABEL.apply(ws.cell(row, 1, field.label.zh + mark))
        styles.LABEL.apply(ws.cell(row, 2, field.label.en + mark))
        fmt = UNIT_FORMATS.get(field.unit, FIELD_FORMATS[field.kind])
        styles.INPUT.apply(ws.cell(row, VALUE_COL, filling.fields.get(field.name)), fmt)
        styles.UNIT.apply(ws.cell(row, UNIT_COL, field.unit))
        ref = cell_ref(row, VALUE_COL)
        define(wb, field.defined_name, ws, ref)
        hint = _field_hint(field)
        if field.codes:
            list_validation(ws, ref, f"list_{field.codes}", code_hint(field.codes))
            styles.FORMULA.apply(ws.cell(row, NOTE_COL, _lookup(ref, f"list_{field.codes}")))
        else:
            styles.NOTE.apply(ws.cell(row, NOTE_COL, " / ".join(h for h in hint if h)))
        if field.kind in ("integer", "number", "rate", "share"):
            number_validation(ws, ref, hint, whole=field.kind == "integer", minimum=field.minimum,
                              maximum=field.maximum)
    _notes_block(ws, filling, FIRST_ROW + len(contract.PROJECT_FIELDS) + 1)
    set_widths(ws, PROJECT_WIDTHS)
    landscape_fit_width(ws)
    protect(ws)
    return ws


def _notes_block(ws: Worksheet, filling: Filling, row: int) -> None:
    """Free-text notes (inputs), and for a reference case the paper's statements beside
    the computed figures."""
    styles.CAPTION.apply(ws.cell(row, 1, bilingual("notes", "heading")))
    ws.merge_cells(area(row, 1, row, NOTE_COL))
    text_width = sum(PROJECT_WIDTHS[c] for c in range(VALUE_COL, NOTE_COL + 1))
    for key, value in (("notes_zh", filling.notes.zh), ("notes_en", filling.notes.en),
                       ("illustrative", filling.illustrative)):
        row += 1
        zh, en = texts("notes", key)
        styles.LABEL.apply(ws.cell(row, 1, zh))
        styles.LABEL.apply(ws.cell(row, 2, en))
        styles.INPUT_TEXT.apply(ws.cell(row, VALUE_COL, value or None))
        for col in range(VALUE_COL + 1, NOTE_COL + 1):
            styles.INPUT_TEXT.apply(ws.cell(row, col))
        ws.merge_cells(area(row, VALUE_COL, row, NOTE_COL))
        fit_height(ws, row, [(value, text_width), (zh, PROJECT_WIDTHS[1])])
    if filling.paper:
        _paper_block(ws, filling.paper, row + 2)


def _paper_block(ws: Worksheet, paper: Sequence[PaperFigure], row: int) -> None:
    styles.CAPTION.apply(ws.cell(row, 1, bilingual("notes", "paper")))
    ws.merge_cells(area(row, 1, row, NOTE_COL))
    header(ws, row + 1, 1, [*texts("notes", "said"), bilingual("notes", "stated"),
                            bilingual("column", "unit"), bilingual("notes", "computed")])
    for r, figure in enumerate(paper, start=row + 2):
        formula, fmt, unit = PAPER_METRICS[figure.metric]
        styles.LABEL.apply(ws.cell(r, 1, figure.text.zh))
        styles.LABEL.apply(ws.cell(r, 2, figure.text.en))
        styles.LABEL.apply(ws.cell(r, VALUE_COL, figure.stated), fmt)
        styles.UNIT.apply(ws.cell(r, UNIT_COL, unit))
        styles.FORMULA.apply(ws.cell(r, NOTE_COL, f'=IF({contract.READY_NAME},{formula},"")'), fmt)
        fit_height(ws, r, [(figure.text.zh, PROJECT_WIDTHS[1]), (figure.text.en, PROJECT_WIDTHS[2])])


def _table_sheet(wb: Workbook, key: str, table: contract.Table, captions: Sequence[str],
                 widths: Mapping[int, float]) -> Worksheet:
    """A sheet holding one contract table: title, captions (row 3), the table (row 4 on)."""
    ws = wb.create_sheet(contract.SHEETS[key])
    title_rows(ws, contract.SHEETS[key], min(len(widths), 8))
    header(ws, HEADER_ROW - 1, 1, captions, styles.CAPTION)
    fit_height(ws, HEADER_ROW - 1, [(c, widths.get(i, 9)) for i, c in enumerate(captions, start=1)])
    add_table(ws, table, HEADER_ROW)
    set_widths(ws, widths)
    ws.freeze_panes = cell_ref(FIRST_ROW, 1)
    return ws


def _column(table: contract.Table, name: str) -> int:
    return table.columns.index(name) + 1


def table_cell(table: contract.Table, index: int, column: str) -> tuple[str, str]:
    """(sheet, cell) of data row ``index`` (0-based) in ``column`` of ``table``.

    >>> table_cell(contract.RENOVATION_TABLE, 0, "amount")
    ('Renovation', 'D5')
    """
    return table.sheet, cell_ref(FIRST_ROW + index, _column(table, column))


def _data_area(table: contract.Table, first: str, last: str | None = None) -> str:
    return area(FIRST_ROW, _column(table, first), FIRST_ROW + table.rows - 1, _column(table, last or first))


def _fill_rows(ws: Worksheet, table: contract.Table, rows: Sequence[Sequence[str | float | None]]) -> None:
    """Input cells of every data row of ``table``, filled from ``rows`` where given."""
    if len(rows) > table.rows:
        raise ValueError(f"{table.name}: {len(rows)} rows exceed its capacity of {table.rows}")
    for i in range(table.rows):
        values = rows[i] if i < len(rows) else ()
        for j, name in enumerate(table.columns):
            value = values[j] if j < len(values) else None
            fmt = "money" if name in MONEY_COLUMNS else "text"
            styles.INPUT.apply(ws.cell(FIRST_ROW + i, j + 1, value), fmt)


def add_renovation_sheet(wb: Workbook, filling: Filling) -> Worksheet:
    """tblRenovation: item, kind, source, amount, note."""
    table = contract.RENOVATION_TABLE
    ws = _table_sheet(wb, "renovation", table, [bilingual("column", c) for c in table.columns],
                      {1: 52, 2: 12, 3: 24, 4: 14, 5: 44})
    _fill_rows(ws, table, [(r.item, r.kind, r.source, r.amount, r.note or None) for r in filling.renovation])
    list_validation(ws, _data_area(table, "kind"), "list_kind", code_hint("kind"))
    list_validation(ws, _data_area(table, "source"), "list_source", code_hint("source"))
    number_validation(ws, _data_area(table, "amount"), texts("column", "amount"), minimum=0)
    landscape_fit_width(ws)
    protect(ws)
    return ws


def add_operation_sheet(wb: Workbook, filling: Filling) -> Worksheet:
    """tblOperation: item, kind, then one column per year 1..MAX_YEARS."""
    table = contract.OPERATION_TABLE
    captions = [bilingual("column", "item"), bilingual("column", "kind"),
                *(bilingual("column", "year", k=k) for k in range(1, contract.MAX_YEARS + 1))]
    widths = {1: 48, 2: 12} | dict.fromkeys(range(3, len(table.columns) + 1), 9)
    ws = _table_sheet(wb, "operation", table, captions, widths)
    _fill_rows(ws, table, [(o.item, o.kind, *o.amounts) for o in filling.operation])
    ws.freeze_panes = cell_ref(FIRST_ROW, 3)
    list_validation(ws, _data_area(table, "kind"), "list_kind", code_hint("kind"))
    number_validation(ws, _data_area(table, "y1", f"y{contract.MAX_YEARS}"), texts("column", "amount"),
                      minimum=0)
    ws.print_title_cols = "A:B"
    landscape_fit_width(ws, pages_wide=PRINT_PAGES_WIDE, pages_high=1)
    protect(ws)
    return ws


def add_site_sheet(wb: Workbook, filling: Filling) -> Worksheet:
    """tblSite: the 19 site attribute keys (locked), their values (inputs), unit and meaning."""
    table = contract.SITE_TABLE
    ws = _table_sheet(wb, "site", table, [bilingual("column", c) for c in table.columns],
                      SITE_WIDTHS)
    site = filling.site or {}
    for i, (key, attr) in enumerate(site_attributes().items()):
        row = FIRST_ROW + i
        whole, low, high, fmt = SITE_KINDS[attr.kind]
        styles.LABEL.apply(ws.cell(row, 1, key))
        ref = cell_ref(row, 2)
        styles.INPUT.apply(ws.cell(row, 2, site.get(key)), fmt)
        number_validation(ws, ref, attr.meaning, whole=whole, minimum=low, maximum=high)
        styles.UNIT.apply(ws.cell(row, 3, attr.unit))
        meaning = f"{attr.meaning.zh} / {attr.meaning.en}"
        styles.LABEL.apply(ws.cell(row, 4, meaning))
        fit_height(ws, row, [(meaning, SITE_WIDTHS[4])])
    if len(site_attributes()) != table.rows:
        raise ValueError(f"{table.name}: {len(site_attributes())} attributes for {table.rows} rows")
    landscape_fit_width(ws)
    protect(ws)
    return ws


def define_table_names(wb: Workbook) -> None:
    """The defined names over table columns and blocks that formulas and the batch use."""
    for name, (table, column) in contract.COLUMN_NAMES.items():
        define(wb, name, wb[table.sheet], _data_area(table, column))
    for name, (table, first, last) in contract.BLOCK_NAMES.items():
        define(wb, name, wb[table.sheet], _data_area(table, first, last))


def operation_year_range(year: int) -> str:
    """The Operation sheet's data cells of year ``year`` (for SUMIF), e.g. ``Operation!$C$5:$C$34``."""
    table = contract.OPERATION_TABLE
    col = get_column_letter(_column(table, f"y{year}"))
    return f"{table.sheet}!${col}${FIRST_ROW}:${col}${FIRST_ROW + table.rows - 1}"
