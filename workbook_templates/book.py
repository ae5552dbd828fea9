"""A whole project workbook: the sheets in order, the names, the runtime's spelling."""

from __future__ import annotations

from openpyxl import Workbook

from workbook_templates import contract, styles
from workbook_templates.filling import Filling
from workbook_templates.financing import add_financing_sheet
from workbook_templates.guide import add_guide_sheet
from workbook_templates.layout import Identity, add_meta_sheet, new_book, set_widths
from workbook_templates.lists import add_lists_sheet
from workbook_templates.project import (
    add_operation_sheet,
    add_project_sheet,
    add_renovation_sheet,
    add_site_sheet,
    define_table_names,
)
from workbook_templates.results import add_results_sheet
from workbook_templates.runtime import respell
from workbook_templates.whatif import add_whatif_sheet

PROJECT_SHEETS = tuple(contract.SHEETS[k] for k in ("guide", "project", "renovation", "operation", "site",
                                                    "financing", "results", "whatif"))
XLWINGS_CONF = {"UDF Modules": "xl_addin.udfs"}
"""Classic xlwings reads its settings from a sheet named ``xlwings.conf`` (keys in column A)."""
XLWINGS_CONF_SHEET = "xlwings.conf"


def add_xlwings_conf_sheet(wb: Workbook) -> None:
    """The hidden ``xlwings.conf`` sheet that points classic xlwings' Import Functions at the module."""
    ws = wb.create_sheet(XLWINGS_CONF_SHEET)
    for row, (key, value) in enumerate(XLWINGS_CONF.items(), start=1):
        styles.LABEL.apply(ws.cell(row, 1, key))
        styles.LABEL.apply(ws.cell(row, 2, value))
    set_widths(ws, {1: 20, 2: 30})
    ws.sheet_state = "hidden"


def project_book(filling: Filling, runtime: str) -> Workbook:
    """The project workbook filled with ``filling``, its formulas spelt for ``runtime``."""
    identity = Identity(contract.TEMPLATE_ID, runtime, PROJECT_SHEETS)
    name = filling.fields.get("project_name") or contract.TEMPLATE_ID
    wb = new_book(identity, str(name))
    add_guide_sheet(wb, identity)
    add_project_sheet(wb, filling)
    add_renovation_sheet(wb, filling)
    add_operation_sheet(wb, filling)
    add_site_sheet(wb, filling)
    add_financing_sheet(wb, filling)
    add_results_sheet(wb, runtime)
    add_whatif_sheet(wb, runtime)
    define_table_names(wb)
    finish_book(wb, identity)
    return wb


def finish_book(wb: Workbook, identity: Identity) -> None:
    """The sheets every generated workbook ends with (Lists, _Meta and, for classic
    xlwings, xlwings.conf), formulas spelt for its runtime, the Guide shown first."""
    add_lists_sheet(wb)
    add_meta_sheet(wb, identity)
    if identity.runtime == "classic":
        add_xlwings_conf_sheet(wb)
    respell(wb, identity.runtime)
    wb.active = 0
