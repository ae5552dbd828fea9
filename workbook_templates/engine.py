"""Recalculate a workbook without Excel: the ``formulas`` package, with the renewal
functions bound to the model through :mod:`xl_addin.udfs`.

``formulas`` hands a custom function its arguments as numbers, text, 0-d
arrays (a computed scalar) or 2-D numpy object arrays (a range) in which
empty cells are ``schedula.EMPTY``; :mod:`xl_addin.cells` expects what Excel
sends: numbers, text, ``None`` for an empty cell and 2-D lists for ranges.
:func:`excel_argument` converts; :func:`engine_result` turns the function's
answer (a value, an error string such as ``"#N/A"``, or rows that spill) back.
An error value in an argument propagates, as with Excel's own functions; bad
input (:class:`~renewal.errors.RenewalInputError`) is ``#VALUE!``.

The cached values the generator writes and the tests' recalculation both
come from :func:`recalculate`.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import tempfile
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import cast

import numpy as np
from openpyxl import Workbook, load_workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.formula import ArrayFormula

from workbook_templates.layout import cells_of
from workbook_templates.runtime import function_names, spellings

ERROR_CODES = ("#N/A", "#NUM!", "#VALUE!", "#REF!", "#NAME?", "#DIV/0!", "#NULL!")


class ExcelError(str):
    """An Excel error value (``#N/A``, ``#NUM!``...): compares equal to its text."""

    __slots__ = ()


CellValue = float | int | bool | str | ExcelError | None
Values = dict[tuple[str, str], CellValue]
"""Computed values by (sheet title, cell) of every formula cell and every cell of an array."""


def excel_argument(value: object) -> object:
    """A ``formulas`` argument in the shape Excel sends it; raises on an error value.

    >>> from schedula import EMPTY
    >>> excel_argument(np.array([[1.0, EMPTY], ["a", True]], dtype=object))
    [[1.0, None], ['a', True]]
    >>> excel_argument(np.array(np.float64(2.5), dtype=object)), excel_argument("x")
    (2.5, 'x')
    """
    from formulas.functions import raise_errors
    from schedula import EMPTY

    raise_errors(value)
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return excel_argument(value.item())
        return [[excel_argument(v) for v in row] for row in np.atleast_2d(value).tolist()]
    if value is EMPTY:
        return None
    return value.item() if isinstance(value, np.generic) else value


def engine_result(value: object) -> object:
    """A function's answer as ``formulas`` takes it: errors as Excel errors, rows as a 2-D array.

    >>> engine_result(6.25), engine_result("#N/A")
    (6.25, #N/A)
    >>> engine_result([["ACTIVATION", 91.7, True]]).shape
    (1, 3)
    """
    from formulas.tokens.operand import Error

    if isinstance(value, str) and value in ERROR_CODES:
        return Error.errors[value]
    if isinstance(value, (list, tuple)):
        return np.array([[engine_result(v) for v in row] for row in value], dtype=object)
    return "" if value is None else value


def _bind(function: Callable[..., object]) -> Callable[..., object]:
    from formulas.functions import wrap_func

    def call(*args: object) -> object:
        return engine_result(function(*(excel_argument(a) for a in args)))

    return wrap_func(call)


def excel_own_irr(values: object, guess: object = None) -> object:
    """Excel's own ``IRR(values, [guess])`` on a range: its number cells in order (blank and
    text cells skipped, as Excel does), by Excel's documented rule
    (:func:`renewal.returns.excel_irr`); ``#NUM!`` where the rule does not settle.

    ``formulas`` computes ``IRR`` with numpy-financial's root nearest 0, which is not
    the root Excel shows where the flows change sign more than once.

    >>> round(excel_own_irr([[-1000, None, 2100, "", -1100]]), 12)
    0.1
    >>> excel_own_irr([[-1000, 2100, -1100]], 0.0), excel_own_irr([[100, 10]])
    (0.0, '#NUM!')
    """
    from renewal.returns import excel_irr
    from xl_addin.cells import NO_NUMBER, as_grid, number

    cells = [v for row in as_grid(values) for v in row if isinstance(v, int | float) and not isinstance(v, bool)]
    rate = excel_irr(cells, float(number("guess", guess, 0.1)))
    return NO_NUMBER if math.isnan(rate) else rate


@cache
def register_functions() -> tuple[str, ...]:
    """Bind the renewal functions into ``formulas`` under every spelling, and Excel's own
    ``IRR`` (:func:`excel_own_irr`); once per process."""
    from formulas.functions import get_functions

    from xl_addin import udfs

    registry = get_functions()
    registry["IRR"] = _bind(excel_own_irr)
    names = []
    for name in function_names():
        bound = _bind(getattr(udfs, name.lower()))
        for spelling in spellings(name):
            registry[spelling] = bound
            names.append(spelling)
    return tuple(names)


LEAN_NAME = "book.xlsx"
_KEY = re.compile(r"^'?\[(?P<book>[^\]]+)\](?P<sheet>.+?)'?!(?P<ref>\$?[A-Z]+\$?\d+(?::\$?[A-Z]+\$?\d+)?)$")


def _python_value(value: object) -> CellValue:
    from formulas.tokens.operand import XlError
    from schedula import EMPTY

    if isinstance(value, XlError):
        return ExcelError(str(value))
    if value is EMPTY or value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value + 0.0  # no negative zero in a cell
    return cast(CellValue, value)  # a number, a text or a truth value: what else the engine gives


def formula_cells(book: Workbook) -> Iterator[tuple[str, str, str]]:
    """(sheet, anchor cell, range) of every formula in ``book``; range = anchor for one cell."""
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, ArrayFormula):
                    yield ws.title, cell.coordinate, cell.value.ref
                elif cell.data_type == "f":
                    yield ws.title, cell.coordinate, cell.coordinate


def lean_copy(book: Workbook) -> Workbook:
    """The cells that hold a value or a formula, and the defined names: all a calculation
    reads. Styles and empty input cells are left out (an absent cell is empty, as before),
    which makes the formula engine faster on the templates' wide input tables."""
    lean = Workbook()
    lean.remove(lean.worksheets[0])  # the sheet a new workbook comes with
    for ws in book.worksheets:
        target = lean.create_sheet(ws.title)
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    target[cell.coordinate] = cell.value
    for name, defined in book.defined_names.items():
        # A name whose sheet was deleted (Excel keeps it as #REF!$A$1:...) is #REF! to formulas.
        target = "#REF!" if defined.attr_text.startswith("#REF!") else defined.attr_text
        lean.defined_names[name] = DefinedName(name, attr_text=target)
    return lean


def recalculate(book: Workbook) -> Values:
    """Every formula of ``book`` computed by the formula engine: values by (sheet, cell).

    Array formulas give a value for each cell of their range.
    """
    import formulas

    register_functions()
    cells = list(formula_cells(book))
    with tempfile.TemporaryDirectory() as tmp:
        lean_copy(book).save(Path(tmp) / LEAN_NAME)
        model = formulas.ExcelModel()
        model.basedir = tmp
        # Load only what the formulas read: the engine compiles every cell of a range it loads.
        targets = [f"'[{LEAN_NAME}]{sheet.upper()}'!{ref}" for sheet, _, ref in cells]
        with contextlib.redirect_stderr(io.StringIO()):  # formulas draws a progress bar
            solution = model.from_ranges(*targets).finish(complete=False).calculate()
    titles = {ws.title.upper(): ws.title for ws in book.worksheets}
    computed: dict[tuple[str, str], np.ndarray] = {}
    for key, ranges in solution.items():
        match = _KEY.match(str(key))
        if match and match["sheet"].upper() in titles:
            ref = match["ref"].replace("$", "")
            computed[(titles[match["sheet"].upper()], ref)] = np.asarray(ranges.value, dtype=object)
    values: Values = {}
    for sheet, anchor, ref in cells:
        grid = computed.get((sheet, ref), computed.get((sheet, anchor)))
        if grid is None:
            raise KeyError(f"{sheet}!{ref}: the formula engine gave no value")
        flat = grid.ravel()
        targets = cells_of(ref)
        if flat.size not in (1, len(targets)):
            raise ValueError(f"{sheet}!{ref}: {flat.size} values for {len(targets)} cells")
        for i, cell in enumerate(targets):
            values[(sheet, cell)] = _python_value(flat[i % flat.size])
    return values


def recalculate_file(path: Path) -> Values:
    """:func:`recalculate` for a saved workbook."""
    return recalculate(load_workbook(path))
