"""The arguments the cell functions share, described once: the category every function is
listed under in Excel's function wizard, and the help texts of So, Sk, horizon and lang.

Imported by :mod:`xl_addin.udfs`, :mod:`xl_addin.udfs_whatif` and :mod:`xl_addin.udfs_financing`
alike (none imports another's definitions, so any may be imported first).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from xlwings import arg

CellFunction = TypeVar("CellFunction", bound=Callable[..., Any])
"""An Excel function (its arguments are whatever Excel passes)."""

CATEGORY = "Renewal 老旧小区更新"

SO_DOC = "So, the renovation surplus Ro - Co: one cell, or a column with one project per row"
SK_DOC = ("Sk, operating surpluses of years 1..n: a row (or column) for one project, one row per "
          "project for many, or one number meaning the same every year (give horizon)")
HORIZON_DOC = "Years to count (default: up to the last filled year); one, or one per project"
LANG_DOC = 'Language of the text: "zh" (default) or "en"'


def cash_flow_arguments(function: CellFunction) -> CellFunction:
    """The So, Sk and horizon parameters every cash-flow function shares, described once."""
    for name, options in (("horizon", {"doc": HORIZON_DOC}),
                          ("operating_surpluses", {"ndim": 2, "doc": SK_DOC}),
                          ("renovation_surplus", {"ndim": 2, "doc": SO_DOC})):
        function = arg(name, **options)(function)
    return function
