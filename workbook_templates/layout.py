"""Building blocks of the generated workbooks: the book and its hidden sheets,
titles, defined names, tables, data validation, row heights and protection.

Every sheet module (guide, project, results, portfolio) draws with these, so
that all workbooks share one look, one way of naming and one protection rule.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypedDict

from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.cell import absolute_coordinate
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from renewal.language import Text, display_width, message_text
from workbook_templates import contract, styles

FIXED_CREATED = datetime(2024, 1, 1)
"""Document created/modified time (the generator is deterministic; see cached.FIXED_TIMESTAMP)."""
CALC_ID = 191029
"""The calculation engine id of current Excel: a file saved with an older id is fully
recalculated on open, which would replace the cached values with #NAME? where the
functions are not loaded."""
LINE_HEIGHT = 14.5
"""Points per line of wrapped 10-point text (CJK fonts set lines taller than Latin ones)."""
CHARS_PER_WIDTH = 1.15
"""Narrow characters of 10-point text per unit of column width (a unit is one digit of the 11-point default font)."""
PACKAGE = "workbook_templates"


def texts(section: str, key: str, **fields: object) -> Text:
    """A text of ``data/messages.toml`` in Chinese and in English."""
    return message_text(section, key, package=PACKAGE, **fields)


def bilingual(section: str, key: str, sep: str = " / ", **fields: object) -> str:
    """Chinese and English in one cell: ``"中文 / English"`` (or the Chinese alone when both are equal).

    >>> bilingual("column", "value")
    '取值 / value'
    """
    return texts(section, key, **fields).both(sep)


@dataclass(frozen=True)
class Identity:
    """What a generated workbook is: its template id, the runtime its formulas are spelt
    for, and the visible sheets (keys of ``title`` in messages.toml) its guide describes."""

    template_id: str
    runtime: str
    sheets: tuple[str, ...]

    @property
    def files(self) -> dict[str, str]:
        """The file name of this template in each runtime's spelling.

        >>> Identity("renewal_project", "classic", ()).files["lite"]
        'renewal_project_lite.xlsx'
        """
        return {runtime: f"{self.template_id}{'' if runtime == 'classic' else '_' + runtime}.xlsx"
                for runtime in contract.RUNTIMES}

    @property
    def properties(self) -> dict[str, str]:
        """The identity as (custom document property name, value), also kept in ``_Meta``."""
        return {"template_id": self.template_id, "template_version": contract.TEMPLATE_VERSION,
                "runtime": self.runtime}


def new_book(identity: Identity, title: str) -> Workbook:
    """An empty workbook with fixed document properties, calculation settings that keep
    the cached values on open, and its identity in the custom document properties."""
    if identity.runtime not in contract.RUNTIMES:
        raise ValueError(f"runtime: must be one of {', '.join(contract.RUNTIMES)}, got {identity.runtime!r}")
    wb = Workbook()
    wb.remove(wb.worksheets[0])  # the sheet a new workbook comes with
    wb.properties.creator = "renewal-balance"
    wb.properties.title = title
    wb.properties.created = wb.properties.modified = FIXED_CREATED
    wb.calculation.fullCalcOnLoad = False
    wb.calculation.calcId = CALC_ID
    for key, value in identity.properties.items():
        wb.custom_doc_props.append(  # type: ignore[attr-defined]  # openpyxl has it; types-openpyxl does not
            StringProperty(name=key, value=value))
    return wb


def add_meta_sheet(wb: Workbook, identity: Identity) -> None:
    """The hidden ``_Meta`` sheet: template id, version and runtime under their defined names."""
    meta = wb.create_sheet(contract.SHEETS["meta"])
    names = (*contract.META_NAMES, contract.RUNTIME_NAME)
    for row, (name, (key, value)) in enumerate(zip(names, identity.properties.items(), strict=True), start=1):
        styles.LABEL.apply(meta.cell(row, 1, key))
        styles.LABEL.apply(meta.cell(row, 2, value))
        define(wb, name, meta, f"B{row}")
    set_widths(meta, {1: 20, 2: 20})
    meta.sheet_state = "hidden"
    protect(meta)


def define(wb: Workbook, name: str, ws: Worksheet, ref: str) -> None:
    """A workbook-scope defined name for ``ref`` on ``ws`` (made absolute)."""
    wb.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(ws.title)}!{absolute_coordinate(ref)}")


def address_of(wb: Workbook, name: str) -> tuple[str, str]:
    """The sheet and range (without ``$``) a defined name points to."""
    ((sheet, ref),) = wb.defined_names[name].destinations
    return sheet, ref.replace("$", "")


def cell_ref(row: int, col: int) -> str:
    """``(5, 3)`` -> ``"C5"``."""
    return f"{get_column_letter(col)}{row}"


def cells_of(ref: str) -> list[str]:
    """The cells of a range, row by row.

    >>> cells_of("D5:E6"), cells_of("$C$9")
    (['D5', 'E5', 'D6', 'E6'], ['C9'])
    """
    cells = CellRange(ref.replace("$", ""))
    return [cell_ref(r, c) for r in range(cells.min_row, cells.max_row + 1)
            for c in range(cells.min_col, cells.max_col + 1)]


def area(first_row: int, first_col: int, last_row: int, last_col: int) -> str:
    """A range from its corners: ``area(5, 1, 9, 2)`` -> ``"A5:B9"``."""
    return f"{cell_ref(first_row, first_col)}:{cell_ref(last_row, last_col)}"


def title_rows(ws: Worksheet, key: str, last_col: int) -> None:
    """Row 1: the sheet's title in both languages; row 2: its instruction, merged across."""
    zh, en = texts("title", key)
    styles.TITLE.apply(ws.cell(1, 1, f"{zh}  {en}"))
    zh, en = texts("instruction", key)
    styles.NOTE.apply(ws.cell(2, 1, f"{zh}\n{en}"))
    ws.merge_cells(area(2, 1, 2, last_col))
    ws.row_dimensions[1].height = 22


def header(ws: Worksheet, row: int, first_col: int, values: Sequence[str],
           look: styles.Look = styles.HEADER) -> None:
    """A row of header cells."""
    for j, value in enumerate(values):
        look.apply(ws.cell(row, first_col + j, value))


def add_table(ws: Worksheet, table: contract.Table, header_row: int, first_col: int = 1) -> str:
    """The contract's named table at ``header_row``: header cells hold its column names
    exactly (Excel requires it); returns the data area (without the header)."""
    header(ws, header_row, first_col, table.columns)
    last_col = first_col + len(table.columns) - 1
    ref = area(header_row, first_col, header_row + table.rows, last_col)
    excel_table = Table(displayName=table.name, ref=ref)
    excel_table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
    ws.add_table(excel_table)
    return area(header_row + 1, first_col, header_row + table.rows, last_col)


class _Messages(TypedDict):
    prompt: str
    error: str
    allow_blank: bool
    showErrorMessage: bool
    showInputMessage: bool


def _messages(hint: Text) -> _Messages:
    """A data validation's input message and error text, in both languages (Excel allows 255 characters)."""
    text = "\n".join(h for h in hint if h)[:255]
    return {"prompt": text, "error": text, "allow_blank": True, "showErrorMessage": True,
            "showInputMessage": True}


def list_validation(ws: Worksheet, ref: str, list_name: str, hint: Text) -> None:
    """A drop-down from the defined name ``list_name`` over ``ref``."""
    dv = DataValidation(type="list", formula1=f"={list_name}", **_messages(hint))
    dv.add(ref)
    ws.add_data_validation(dv)


def number_validation(ws: Worksheet, ref: str, hint: Text, *, whole: bool = False,
                      minimum: float | None = None, maximum: float | None = None) -> None:
    """Numbers only (whole or decimal), within the bounds that are given."""
    operator: Literal["between", "greaterThanOrEqual", "lessThanOrEqual"]
    if minimum is not None and maximum is not None:
        operator, formula1, formula2 = "between", _number(minimum), _number(maximum)
    elif minimum is not None:
        operator, formula1, formula2 = "greaterThanOrEqual", _number(minimum), None
    elif maximum is not None:
        operator, formula1, formula2 = "lessThanOrEqual", _number(maximum), None
    else:
        operator, formula1, formula2 = "between", _number(-1e15), _number(1e15)
    dv = DataValidation(type="whole" if whole else "decimal", operator=operator, formula1=formula1,
                        formula2=formula2, **_messages(hint))
    dv.add(ref)
    ws.add_data_validation(dv)


def _number(value: float) -> str:
    return f"{value:g}"


def set_widths(ws: Worksheet, widths: Mapping[int, float]) -> None:
    """Column widths by column number."""
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width


def lines_needed(text: str, width: float) -> int:
    """Lines a wrapped text takes in a column ``width`` characters wide (CJK counts double).

    >>> lines_needed("abc", 10), lines_needed("劲松北社区" * 3, 10), lines_needed("a\\nb", 10)
    (1, 3, 2)
    """
    capacity = max((width - 1) * CHARS_PER_WIDTH, 1)
    return sum(max(1, math.ceil(display_width(line) / capacity)) for line in str(text).split("\n"))


def fit_height(ws: Worksheet, row: int, text_widths: Iterable[tuple[object, float]]) -> None:
    """Make ``row`` tall enough for each (text, width in characters) it holds (one line: the default height)."""
    lines = max((lines_needed(str(t), w) for t, w in text_widths if t), default=1)
    if lines > 1:
        ws.row_dimensions[row].height = lines * LINE_HEIGHT + 2


def protect(ws: Worksheet) -> None:
    """Lock the sheet without a password: locked cells cannot be edited; columns and rows may be resized."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def landscape_fit_width(ws: Worksheet, print_area: str | None = None, pages_wide: int = 1,
                        pages_high: int = 0) -> None:
    """Print the sheet (or ``print_area``) in landscape on A4, ``pages_wide`` pages wide and
    ``pages_high`` high (0: as many as it takes; both 0: at full size)."""
    if print_area:
        ws.print_area = print_area
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = pages_wide
    ws.page_setup.fitToHeight = pages_high
    if ws.sheet_properties.pageSetUpPr is None:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties()
    ws.sheet_properties.pageSetUpPr.fitToPage = bool(pages_wide or pages_high)
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.5)
