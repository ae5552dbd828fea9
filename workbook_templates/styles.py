"""The one look of every generated workbook (FAST-standard habits) and its number formats.

Inputs are pale yellow with a blue font and unlocked; formulas are black on
white and locked; labels are plain; headers are dark with a white font; units
and notes are grey. Sheet protection (no password) keeps locked cells from
accidental edits, so what is an input is exactly what a person may type into.
"""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.styles.cell_style import StyleArray

FONT_NAME = "等线"
"""Excel's default font for Chinese (DengXian); other programs substitute a CJK font."""
FONT_SIZE = 10

COLOURS = {
    "input_fill": "FFF2CC",
    "input_font": "0000FF",
    "formula_font": "000000",
    "header_fill": "1F3864",
    "header_font": "FFFFFF",
    "caption_fill": "D9E1F2",
    "title_font": "1F3864",
    "muted_font": "595959",
    "rule": "BFBFBF",
}

NUMBER_FORMATS = {
    "money": "#,##0.0",
    "rate": "0.00%",
    "years": "0.00",
    "whole": "0",
    "count": "#,##0",
    "area": "#,##0",
    "share": "0.00",
    "score": "0.0",
    "text": "@",
    "general": "General",
}
"""Money is in 万元 with one decimal; rates as percentages; years with two decimals."""

_RULE = Side(style="thin", color=COLOURS["rule"])


@dataclass(frozen=True)
class Look:
    """A cell style: font, fill, alignment, and whether the cell is locked."""

    font: Font
    fill: PatternFill | None = None
    locked: bool = True
    wrap: bool = False
    horizontal: str | None = None
    border: bool = False

    def apply(self, cell: Cell | MergedCell, number_format: str | None = None) -> Cell | MergedCell:
        """Give ``cell`` this look (and ``number_format``, a key of :data:`NUMBER_FORMATS`)."""
        book = cell.parent.parent
        if book is None:
            raise ValueError("a look applies to a cell of a workbook's sheet")
        known = _APPLIED.setdefault(book, {})
        key = (id(self), number_format)
        if key in known:  # openpyxl registers a style by hashing it: do it once per workbook
            cell._style = copy(known[key])  # type: ignore[union-attr]  # openpyxl's own, not in its stubs
            return cell
        cell.font = self.font
        if self.fill is not None:
            cell.fill = self.fill
        cell.protection = Protection(locked=self.locked)
        cell.alignment = Alignment(wrap_text=self.wrap, vertical="top", horizontal=self.horizontal)
        if self.border:
            cell.border = Border(left=_RULE, right=_RULE, top=_RULE, bottom=_RULE)
        if number_format is not None:
            cell.number_format = NUMBER_FORMATS[number_format]
        known[key] = copy(cell._style)  # type: ignore[union-attr]  # as above
        return cell


_APPLIED: WeakKeyDictionary[Workbook, dict[tuple[int, str | None], StyleArray]] = WeakKeyDictionary()
"""Per workbook, the registered style of each (look, number format) applied so far."""


def _font(colour: str, bold: bool = False, size: int = FONT_SIZE, italic: bool = False) -> Font:
    return Font(name=FONT_NAME, size=size, bold=bold, italic=italic, color=colour)


def _fill(colour: str) -> PatternFill:
    return PatternFill(fill_type="solid", start_color=colour, end_color=colour)


INPUT = Look(_font(COLOURS["input_font"]), _fill(COLOURS["input_fill"]), locked=False, border=True)
"""A cell a person types into."""
INPUT_TEXT = Look(INPUT.font, INPUT.fill, locked=False, wrap=True, border=True)
"""A long free-text input (notes), wrapped."""
FORMULA = Look(_font(COLOURS["formula_font"]))
"""A formula's result."""
FORMULA_TEXT = Look(FORMULA.font, wrap=True)
"""A formula whose result is a long text, wrapped."""
LABEL = Look(_font(COLOURS["formula_font"]), wrap=True)
"""A row label."""
HEADER = Look(_font(COLOURS["header_font"], bold=True), _fill(COLOURS["header_fill"]), wrap=True)
"""A column header (dark fill, white font)."""
CAPTION = Look(_font(COLOURS["title_font"], bold=True), _fill(COLOURS["caption_fill"]), wrap=True)
"""A section heading or the bilingual caption above a table header."""
TITLE = Look(_font(COLOURS["title_font"], bold=True, size=14))
"""A sheet's title."""
NOTE = Look(_font(COLOURS["muted_font"], italic=True), wrap=True)
"""Instructions, hints and units."""
UNIT = Look(_font(COLOURS["muted_font"]), horizontal="center")
"""The units column."""
