"""Excel's argument shapes in, Excel's values out: the conventions of the cell functions.

Arguments arrive as Excel sends them (xlwings, classic or Office.js): a number,
text, None for an empty cell, or a 2-D list for a range. This module turns them
into the model's arrays and the model's answers back into cell values:

* Empty cells: an empty optional argument takes its default. Inside a range
  of operating surpluses, an empty cell between values is a year with 0
  surplus; empty cells after a row's last value end that project's horizon,
  so ragged rows are projects with different horizons.
* Text or TRUE/FALSE where a number belongs raises
  :class:`~renewal.errors.RenewalInputError` naming the argument, the row and
  the column: Excel shows ``#VALUE!`` with that message.
* "Never within the horizon" becomes ``#N/A``; "no IRR" becomes ``#NUM!``.

Nothing here knows finance; nothing in the model knows these conventions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import chain
from typing import cast

import numpy as np

from renewal.errors import RenewalInputError
from renewal.fit import site_attribute_keys

NOT_AVAILABLE = "#N/A"
NO_NUMBER = "#NUM!"
DIVIDE_BY_ZERO = "#DIV/0!"

Cell = object
Grid = list[list[Cell]]


def as_grid(value: object) -> Grid:
    """Any argument as a 2-D list: a scalar becomes ``[[value]]``, a row ``[row]``.

    >>> as_grid(5), as_grid([1, 2]), as_grid([[1], [2]])
    ([[5]], [[1, 2]], [[1], [2]])
    """
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        return [[value]]
    if not value:
        return [[]]
    if not isinstance(value[0], (list, tuple)):
        return [list(value)]
    return [list(row) for row in value]


def _is_empty(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _bad_cell(grid: Grid) -> tuple[int, int, Cell] | None:
    for i, row in enumerate(grid):
        for j, cell in enumerate(row):
            if (type(cell) is str and cell.strip()) or type(cell) is bool:
                return i, j, cell
    return None


_PLAIN = {float, int, type(None)}


def numbers(name: str, value: object) -> np.ndarray:
    """A range of numbers as a float matrix; empty cells are NaN.

    >>> numbers("revenue", [[1, None], [2, 3]]).tolist()
    [[1.0, nan], [2.0, 3.0]]
    >>> numbers("revenue", [[1, "abc"]])
    Traceback (most recent call last):
    ...
    renewal.errors.RenewalInputError: revenue: text 'abc' where a number belongs (row 1, column 2)
    """
    grid = as_grid(value)
    if not set(map(type, chain.from_iterable(grid))) <= _PLAIN:  # text, TRUE/FALSE or numpy scalars
        bad = _bad_cell(grid)
        if bad:
            i, j, cell = bad
            what = "TRUE/FALSE" if isinstance(cell, bool) else f"text {cell!r}"
            raise RenewalInputError(f"{name}: {what} where a number belongs (row {i + 1}, column {j + 1})")
        grid = [[None if _is_empty(c) else c for c in row] for row in grid]
    try:
        return np.array(grid, dtype=float)
    except (TypeError, ValueError):
        raise RenewalInputError(f"{name}: must be numbers in a rectangular range") from None


def number(name: str, value: object, default: float | None = None) -> float | np.ndarray:
    """An optional number (or one per project, as a column); empty takes ``default``.

    >>> number("rate", None, 0.08), number("rate", [[0.1]])
    (0.08, 0.1)
    >>> number("rate", [[0.1], [0.2]]).tolist()
    [0.1, 0.2]
    """
    grid = numbers(name, value)
    if grid.size == 0 or (grid.size == 1 and np.isnan(grid.flat[0])):
        if default is None:
            raise RenewalInputError(f"{name}: is required")
        return default
    if grid.size == 1:
        return float(grid.flat[0])
    if np.isnan(grid).any():
        raise RenewalInputError(f"{name}: has empty cells; give one value per project")
    return grid.ravel()


def text(name: str, value: object, default: str | None = None) -> str | None:
    """An optional single text argument; empty takes ``default``."""
    grid = as_grid(value)
    cells = [c for row in grid for c in row]
    if not cells or all(_is_empty(c) for c in cells):
        return default
    if len(cells) != 1:
        raise RenewalInputError(f"{name}: must be a single cell")
    return str(cells[0]).strip()


def texts(name: str, value: object) -> list[list[str | None]]:
    """A range of text cells, stripped; empty cells are None."""
    return [[None if _is_empty(c) else str(c).strip() for c in row] for row in as_grid(value)]


def flows(renovation_surplus: object, operating_surpluses: object,
          horizon: object = None) -> tuple[object, object, object, bool]:
    """So, Sk and horizon as the model takes them, from Excel ranges.

    One So (a single cell): Sk is that project's years, in a row or a column,
    or one number meaning the same every year (then ``horizon`` is needed).
    Several So (a column): Sk has one row per project. Without ``horizon``
    each project's horizon ends at its last filled year. Returns
    ``(so, sk, horizon, one_project)``.

    >>> so, sk, h, one = flows(-600, [[96], [96], [None]])
    >>> so, sk.tolist(), h, one
    (-600.0, [[96.0, 96.0, 0.0]], 2, True)
    >>> so, sk, h, one = flows([[-3100], [-600]], [[348, 348, 348], [96, None, 96]])
    >>> so.tolist(), sk.tolist()[1], h.tolist(), one
    ([-3100.0, -600.0], [96.0, 0.0, 96.0], [3, 3], False)
    """
    one_row = _one_plain_row(renovation_surplus, operating_surpluses, horizon)
    if one_row is not None:
        return one_row
    so = numbers("renovation_surplus", renovation_surplus)
    if np.isnan(so).any():
        raise RenewalInputError("renovation_surplus: has empty cells")
    sk = numbers("operating_surpluses", operating_surpluses)
    one = so.size == 1
    if one and sk.shape[0] > 1 and sk.shape[1] == 1:
        sk = sk.T
    if not one and sk.size > 1 and sk.shape[0] != so.size:
        raise RenewalInputError(
            f"operating_surpluses: has {sk.shape[0]} rows but renovation_surplus has "
            f"{so.size} projects (one row of years per project)"
        )
    so_out = float(so.flat[0]) if one else so.ravel()
    given = not all(_is_empty(c) for row in as_grid(horizon) for c in row)
    h = number("horizon", horizon) if given else None
    if sk.size == 1 and not np.isnan(sk.flat[0]):
        return so_out, float(sk.flat[0]), h, one
    if h is None:
        filled = ~np.isnan(sk)
        last = np.where(filled.any(axis=1), sk.shape[1] - np.argmax(filled[:, ::-1], axis=1), 0)
        h = int(last[0]) if one else last
    return so_out, np.nan_to_num(sk, nan=0.0), h, one


def _single(value: object) -> object:
    """The one cell of a one-cell argument (a value or ``[[value]]``), else a marker list."""
    if type(value) is list and len(value) == 1 and type(value[0]) is list and len(value[0]) == 1:
        return value[0][0]
    return value


def _one_plain_row(renovation_surplus: object, operating_surpluses: object,
                   horizon: object) -> tuple[float, list[float], int, bool] | None:
    """:func:`flows` for the common cell formula ``=F(A2, B2:U2)`` in plain Python: one So
    and one row of numbers or empty cells, no horizon. None for anything else, which
    the general path reads (and checks)."""
    so = _single(renovation_surplus)
    if type(so) not in (float, int) or not _is_empty(_single(horizon)):
        return None
    row = operating_surpluses[0] if type(operating_surpluses) is list and len(operating_surpluses) == 1 \
        else None
    if type(row) is not list or len(row) < 2 or not set(map(type, row)) <= _PLAIN:
        return None
    last = len(row)
    while last and row[last - 1] is None:
        last -= 1
    values = [0.0 if v is None else float(cast(float, v)) for v in row]  # numbers: checked above
    return float(cast(float, so)), values, last, True


def year_rows(name: str, value: object, one_project: bool) -> float | np.ndarray:
    """Yearly amounts (operating revenue or cost) as the model takes them.

    One number: the same every year. One project: a row or a column of years.
    Several projects: one row of years per project, or a column of one number
    per project (the same every year). Empty cells are years with 0.

    >>> year_rows("revenue", [[627]], True), year_rows("revenue", [[1], [None], [3]], True).tolist()
    (627.0, [[1.0, 0.0, 3.0]])
    """
    grid = numbers(name, value)
    if grid.size == 0 or (grid.size == 1 and np.isnan(grid.flat[0])):
        raise RenewalInputError(f"{name}: is required")
    if grid.size == 1:
        return float(grid.flat[0])
    if one_project and grid.shape[1] == 1:
        grid = grid.T
    if one_project and grid.shape[0] > 1:
        raise RenewalInputError(f"{name}: one project takes one row (or column) of years, "
                                f"got {grid.shape[0]} rows")
    amounts: np.ndarray = np.nan_to_num(grid, nan=0.0)
    return amounts


def excel_numbers(values: object, never: str = NOT_AVAILABLE, none: str = NO_NUMBER) -> object:
    """Model answers as cell values: ``inf`` becomes ``never``, NaN ``none``; a
    vector becomes a column (one row per project) that spills.

    >>> excel_numbers(6.25), excel_numbers(math.inf), excel_numbers([1.5, math.nan])
    (6.25, '#N/A', [[1.5], ['#NUM!']])
    """
    def cell(x: float) -> object:
        if math.isnan(x):
            return none
        return never if math.isinf(x) else float(x)

    if type(values) is float:  # one project's answer: no array
        return cell(values)
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 0:
        return cell(float(arr))
    if arr.ndim == 1:
        return [[cell(x)] for x in arr.tolist()]
    return [[cell(x) for x in row] for row in arr.tolist()]


def column(values: Sequence[object]) -> object:
    """One answer per project as a spilling column; a single answer as a value."""
    return values[0] if len(values) == 1 else [[v] for v in values]


def site_table(value: object) -> dict[str, list[float | None]]:
    """Site attributes from a range: (key, value) pairs in two columns for one
    site, or a header row of keys over one row per site. Empty values are missing.

    >>> site_table([["idle_space_m2", 2670], ["service_gap", None]])
    {'idle_space_m2': [2670.0], 'service_gap': [None]}
    >>> site_table([["rent_gap", "rental_demand"], [0.5, 0.9], [0.1, None]])
    {'rent_gap': [0.5, 0.1], 'rental_demand': [0.9, None]}
    """
    grid = as_grid(value)
    keys = set(site_attribute_keys())

    def is_key(cell: Cell) -> bool:
        return isinstance(cell, str) and cell.strip() in keys

    first_col = [row[0] for row in grid if row and not _is_empty(row[0])]
    if len(grid[0]) >= 2 and first_col and all(is_key(c) for c in first_col):
        pairs = [(str(row[0]).strip(), row[1]) for row in grid if row and not _is_empty(row[0])]
        columns = {k: [v] for k, v in pairs}
    elif len(grid) >= 2 and all(is_key(c) for c in grid[0] if not _is_empty(c)):
        header = [None if _is_empty(c) else str(c).strip() for c in grid[0]]
        columns = {k: [row[j] for row in grid[1:]] for j, k in enumerate(header) if k}
    else:
        unknown = sorted({str(c) for row in grid for c in row[:1] if isinstance(c, str)} - keys)
        raise RenewalInputError(
            "site: expected two columns (key, value) or a header row of keys; "
            + (f"unknown key(s) {', '.join(unknown)}" if unknown else "no site attribute keys found")
        )
    out: dict[str, list[float | None]] = {}
    for key, cells in columns.items():
        vals = numbers(f"site: {key}", [cells])[0]
        out[key] = [None if math.isnan(v) else float(v) for v in vals]
    return out
