"""How a saved formula names the renewal functions, per runtime.

Excel binds a saved formula by the kind of function it calls (README, "Which
runtime a saved formula binds to"): a classic xlwings UDF, a VBA function in
the workbook, is stored by its plain name, ``PAYBACK_YEARS(...)``; an Office.js
custom function, xlwings Lite's, as ``_xldudf_PAYBACK_YEARS(...)`` inside a
dynamic-array formula. The generator writes plain names and turns them into
the Lite spelling for the Lite flavour; the formula engine registers both.
"""

from __future__ import annotations

import re
from functools import cache

from openpyxl import Workbook
from openpyxl.worksheet.formula import ArrayFormula

from workbook_templates.contract import RUNTIMES

LITE_PREFIX = "_xldudf_"


@cache
def function_names() -> tuple[str, ...]:
    """The Excel names of the renewal functions (upper-cased Python names of ``xl_addin.udfs``).

    >>> "PAYBACK_YEARS" in function_names(), len(function_names())
    (True, 27)
    """
    from xl_addin import udfs

    return tuple(sorted(name.upper() for name in udfs.__all__))


def spellings(name: str) -> tuple[str, ...]:
    """Every spelling of function ``name`` a generated workbook may hold, upper case.

    >>> spellings("PAYBACK_YEARS")
    ('PAYBACK_YEARS', '_XLDUDF_PAYBACK_YEARS')
    """
    return name.upper(), (LITE_PREFIX + name).upper()


@cache
def _call_pattern() -> re.Pattern[str]:
    names = "|".join(sorted(function_names(), key=len, reverse=True))
    return re.compile(rf"(?<![\w.])({names})\(", re.IGNORECASE)


def calls_renewal(formula: str) -> bool:
    """Whether ``formula`` calls one of the renewal functions (in its plain spelling).

    >>> calls_renewal("=IF(calc_ready,PAYBACK_YEARS(A1,B1:K1),\\"\\")"), calls_renewal("=SUM(A1:A3)")
    (True, False)
    """
    return bool(_call_pattern().search(formula))


def spell(formula: str, runtime: str) -> str:
    """``formula`` (plain names) spelt for ``runtime``: ``classic`` keeps it, ``lite`` prefixes.

    >>> spell("=IF(calc_ready,PAYBACK_YEARS(A1,B1:K1),\\"\\")", "lite")
    '=IF(calc_ready,_xldudf_PAYBACK_YEARS(A1,B1:K1),"")'
    """
    if runtime not in RUNTIMES:
        raise ValueError(f"runtime: must be one of {', '.join(RUNTIMES)}, got {runtime!r}")
    if runtime == "classic":
        return formula
    return _call_pattern().sub(lambda m: f"{LITE_PREFIX}{m.group(1).upper()}(", formula)


def respell(wb: Workbook, runtime: str) -> None:
    """Spell every formula of ``wb`` that calls a renewal function for ``runtime``.

    For xlwings Lite each such formula becomes an array formula over its own cell
    (or keeps its range): Excel stores Office.js custom functions as dynamic arrays,
    and :func:`workbook_templates.cached.finish_package` marks them so.
    """
    if runtime == "classic":
        return
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, ArrayFormula) and value.text is not None and calls_renewal(value.text):
                    cell.value = ArrayFormula(value.ref, spell(value.text, runtime))
                elif cell.data_type == "f" and isinstance(value, str) and calls_renewal(value):
                    cell.value = ArrayFormula(cell.coordinate, spell(value, runtime))
