"""Compare: the results a workbook states against the model's recomputation.

Stated results that were typed over, are stale or were never calculated; a declared pattern
that does not fit; several IRRs; the workbook's own Excel check cell. Each becomes a finding
at the cell that states it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import numpy as np
import pandas as pd

from renewal.language import message_text
from validation.check.findings import Finding, display
from validation.check.schemas import NAME_ERROR, DeclaredPattern, StatedResults, findings_of
from workbook_templates.contract import EXCEL_CHECK_MISMATCH


def agrees(values: Iterable[object], expected: Iterable[object]) -> list[bool]:
    """Whether each stated value equals the recomputed one: numbers to 1e-6 (relative and
    absolute), text and error values (#N/A, #NUM!) exactly.

    >>> agrees([316.70000001, "#N/A", 1.0, "x"], [316.7, "#N/A", "#N/A", "x "])
    [True, True, False, False]
    """
    stated, wanted = list(values), list(expected)
    numeric = np.array([isinstance(v, (int, float)) and not isinstance(v, bool) and isinstance(w, float)
                        for v, w in zip(stated, wanted, strict=True)], dtype=bool)
    out = np.array([v == w for v, w in zip(stated, wanted, strict=True)], dtype=bool)
    if numeric.any():
        a = np.array([stated[i] for i in np.flatnonzero(numeric)], dtype=float)
        b = np.array([wanted[i] for i in np.flatnonzero(numeric)], dtype=float)
        out[numeric] = np.isclose(a, b, rtol=1e-6, atol=1e-6)
    return out.tolist()


def result_findings(results: pd.DataFrame, expected: pd.DataFrame, fit: pd.DataFrame) -> list[Finding]:
    """Findings about stated results (typed over, stale, not calculated) and declared patterns.

    A result spanning cells (the row of operating surpluses) gets one finding
    per check, at its first cell that fails. ``expected``: (file, field, year) ->
    the recomputed value, for computed projects; ``fit``: the declared-pattern rows
    of :class:`~validation.schemas.DeclaredPattern`.
    """
    stated = results.merge(expected, on=["file", "field", "year"], how="left")
    stated["expected"] = stated["expected"].astype(object).where(stated["expected"].notna(), None)
    stated["agrees"] = pd.Series(agrees(stated["value"], stated["expected"]), index=stated.index,
                                 dtype=bool)
    first: dict[tuple[str, str | None, str], Finding] = {}
    not_calculated: dict[str, list[Finding]] = {}
    for found in sorted(findings_of(StatedResults, stated), key=Finding.sort_key):
        if found.code == "RESULT_NOT_CALCULATED":
            not_calculated.setdefault(found.file, []).append(found)
        else:
            first.setdefault((found.file, found.field, found.code), found)
    return [*first.values(), *(_not_calculated(cells) for cells in not_calculated.values()),
            *findings_of(DeclaredPattern, fit)]


def _not_calculated(cells: list[Finding]) -> Finding:
    """One note for a file whose results were never calculated, at its first such cell: how
    many cells, and why (functions not loaded: #NAME?; or no cached value at all)."""
    unknown = any(f.value == NAME_ERROR for f in cells)
    how = "functions" if unknown else "no_value"
    return dataclasses.replace(cells[0], value=None, params={
        "count": len(cells),
        "how": message_text("not_calculated", how, package="validation")})


def _result_cells(results: pd.DataFrame, field: str) -> pd.DataFrame:
    """The single-cell result ``field`` of every file: file (index), sheet, cell, value."""
    return results[(results["field"] == field) & (results["year"] == 0)].set_index("file")


def irr_findings(results: pd.DataFrame, files: Iterable[str], irrs: list[list[float]],
                 npv: np.ndarray, mirr: np.ndarray) -> list[Finding]:
    """IRR_AMBIGUOUS at the IRR cell of every computed project with more than one IRR.

    ``irrs``, ``npv`` and ``mirr``: the model's, in the order of ``files``.
    """
    cells = _result_cells(results, "res_irr")
    found = []
    for file, rates, value, modified in zip(files, irrs, npv, mirr, strict=True):
        if len(rates) < 2 or file not in cells.index:
            continue
        at = cells.loc[file].to_dict()
        found.append(Finding(file, "IRR_AMBIGUOUS", at["sheet"], at["cell"], "res_irr", at["value"], {
            "irrs": ", ".join(f"{r:.2%}" for r in rates), "npv": display(round(float(value), 2)),
            "mirr": "#DIV/0!" if np.isnan(modified) else f"{modified:.2%}"}))
    return found


def excel_check_findings(results: pd.DataFrame) -> list[Finding]:
    """EXCEL_CHECK_MISMATCH where a workbook's own check cell (``res_excel_check``) says the
    add-in and Excel's own functions differed when it was last calculated."""
    cells = _result_cells(results, "res_excel_check")
    said = cells[cells["value"].map(lambda v: isinstance(v, str) and v.startswith(EXCEL_CHECK_MISMATCH))]
    return [Finding(str(file), "EXCEL_CHECK_MISMATCH", row["sheet"], row["cell"], "res_excel_check", row["value"])
            for file, row in said.iterrows()]
