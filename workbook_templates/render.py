"""From an openpyxl workbook to the bytes of the file: save, recalculate with the
formula engine, fit the text rows, and cache the values in the package."""

from __future__ import annotations

import io

from openpyxl import Workbook

from workbook_templates.cached import finish_package
from workbook_templates.engine import Values, recalculate
from workbook_templates.results import fit_text_rows


def save_bytes(wb: Workbook) -> bytes:
    """The workbook as openpyxl saves it."""
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def compute(wb: Workbook) -> Values:
    """Every formula of ``wb`` computed by the formula engine."""
    return recalculate(wb)


def package(wb: Workbook, values: Values, runtime: str) -> bytes:
    """The file's bytes with ``values`` cached; rows of long text results made to fit them."""
    if "res_reasons" in wb.defined_names:
        fit_text_rows(wb, values)
    return finish_package(save_bytes(wb), values, dynamic=runtime == "lite")


def calculated(wb: Workbook, runtime: str) -> tuple[bytes, Values]:
    """The file's bytes with every formula calculated and its value cached, and those values:
    :func:`compute` then :func:`package`."""
    values = compute(wb)
    return package(wb, values, runtime), values
