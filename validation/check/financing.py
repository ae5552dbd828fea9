"""The batch's financing: tblFinancing's cells typed for the input checks, every project's
debt service, minimum DSCR, bond coverage and equity IRR in one model call each, and the
three financing findings.

* ``SOURCES_USES_MISMATCH`` (error, at the sources total's cell): the sources do not add
  up to the renovation cost beyond rounding (``renewal/data/financing.toml``).
* ``DSCR_BELOW_ONE`` (warning, at the minimum DSCR's cell, naming the first such year):
  the debt cannot be served from the operating surpluses that year.
* ``COVERAGE_BELOW_MINIMUM`` (warning, at the coverage ratio's cell): below the
  project's minimum (``in_min_coverage_ratio``; default and source in the data table).

An empty table means all equity: the entity's equity is then ``max(0, -So)`` and
there is no debt, exactly as the template's formulas have it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

import numpy as np
import pandas as pd

from renewal.financing import (
    coverage_minimum,
    debt_kinds,
    debt_schedule,
    dscr,
    equity_irr,
    min_dscr,
    sources_uses_tolerance,
)
from renewal.financing import coverage_ratio as bond_coverage
from validation.check.findings import Finding, display
from workbook_templates.contract import MAX_DEBT_YEARS, MAX_GRACE_YEARS, NOT_APPLICABLE

NUMERIC = {"amount": (0.0, np.nan, False), "rate": (-0.99, 0.99, False),
           "term": (1.0, float(MAX_DEBT_YEARS - MAX_GRACE_YEARS), True),
           "grace_years": (0.0, float(MAX_GRACE_YEARS), True)}
"""Numeric columns of tblFinancing -> (minimum, maximum, whole numbers), as the template's drop-down checks."""
CODED = {"kind": "fin_kind", "method": "fin_method"}
"""Coded columns -> their code list (validation.schemas.CODE_LISTS)."""
DEBT_ONLY = ("rate", "term")
"""Columns a loan or bond row must fill."""


class FinancingRecord(TypedDict):
    """A project's financing results as results.json holds them (None: no debt / no IRR)."""

    sources_total: float
    equity: float
    min_dscr: float | None
    coverage_ratio: float | None
    equity_irr: float | None


@dataclass(frozen=True)
class Financed:
    """Each computed project's financing (arrays in the order of the projects)."""

    has_sources: np.ndarray
    sources_total: np.ndarray
    uses: np.ndarray
    equity: np.ndarray
    debt_service: np.ndarray
    bond_service: np.ndarray
    operating: np.ndarray
    min_dscr: np.ndarray
    coverage_ratio: np.ndarray
    equity_irr: np.ndarray
    min_coverage: np.ndarray

    def record(self, i: int) -> FinancingRecord:
        """Project ``i``'s financing results as results.json holds them (None: no debt / no IRR)."""
        return {"sources_total": float(self.sources_total[i]), "equity": float(self.equity[i]),
                "min_dscr": _or_none(self.min_dscr[i]), "coverage_ratio": _or_none(self.coverage_ratio[i]),
                "equity_irr": _or_none(self.equity_irr[i])}

    def expected(self, no_irr: str) -> dict[str, list[float | str]]:
        """What each financing result cell should show, by defined name (``NOT_APPLICABLE`` without debt)."""
        return {"res_sources_total": self.sources_total.tolist(),
                "res_min_dscr": _or(self.min_dscr, NOT_APPLICABLE),
                "res_coverage_ratio": _or(self.coverage_ratio, NOT_APPLICABLE),
                "res_equity_irr": _or(self.equity_irr, no_irr)}


def _or_none(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _or(values: np.ndarray, missing: str) -> list[float | str]:
    return [float(v) if np.isfinite(v) else missing for v in values]


def _sources(frame: pd.DataFrame, files: list[str]) -> pd.DataFrame:
    """One row per used table row of the computed files: file, kind, amount, rate, term, grace, method."""
    cells = frame[frame["file"].isin(files)]
    values = cells.assign(cell=cells["number"].astype(object).where(cells["numeric"], cells["value"]))
    rows = values.pivot(index=["file", "row"], columns="column", values="cell")
    return rows.reindex(columns=["kind", "amount", "rate", "term", "grace_years", "method"]).reset_index()


def finance(frame: pd.DataFrame, files: list[str], projects: pd.DataFrame, *, so: np.ndarray,
            operating: np.ndarray, cost: np.ndarray) -> Financed:
    """The financing of the projects in ``files`` (validated inputs), one model call each.

    ``operating``: Sk (P, N) within each horizon (0 beyond); ``cost``: the renovation cost Co.
    """
    rows = _sources(frame, files)
    at = pd.Series(range(len(files)), index=files)
    project = at[rows["file"]].to_numpy(dtype=int)
    amount = pd.to_numeric(rows["amount"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    has = np.bincount(project, minlength=len(files)) > 0
    total = np.bincount(project, amount, minlength=len(files))
    own = np.bincount(project, np.where(rows["kind"] == "ENTITY_EQUITY", amount, 0.0), minlength=len(files))
    equity = np.where(has, own, np.maximum(0.0, -so)) + 0.0  # no negative zero
    debt = rows["kind"].isin(debt_kinds()).to_numpy()
    service = np.zeros((len(files), MAX_DEBT_YEARS))
    bonds = np.zeros_like(service)
    if debt.any():
        loans = rows[debt]
        payment = np.atleast_2d(debt_schedule(
            amount[debt], loans["rate"].to_numpy(dtype=float), loans["term"].to_numpy(dtype=float),
            loans["grace_years"].fillna(0.0).to_numpy(dtype=float),
            loans["method"].where(loans["method"].notna(), None).tolist()).payment)
        np.add.at(service, (project[debt][:, None], np.arange(payment.shape[1])[None, :]), payment)
        is_bond = (loans["kind"] == "SPECIAL_BOND").to_numpy()
        np.add.at(bonds, (project[debt][is_bond][:, None], np.arange(payment.shape[1])[None, :]), payment[is_bond])
    horizon = projects["horizon"].to_numpy(dtype=float).astype(np.int64)
    minimum = projects["min_coverage_ratio"].to_numpy(dtype=float)
    return Financed(
        has, total, cost, equity, service, bonds, operating, np.atleast_1d(min_dscr(operating, service)),
        np.atleast_1d(bond_coverage(operating, bonds)), np.atleast_1d(equity_irr(equity, operating, service, horizon)),
        np.where(np.isnan(minimum), coverage_minimum().minimum, minimum))


def findings(financed: Financed, files: list[str], results: pd.DataFrame) -> list[Finding]:
    """The three financing findings, each at its result cell (``results``: the stated results' frame)."""
    cells = results[results["year"] == 0]
    where = {(file, field): (sheet, cell) for file, field, sheet, cell
             in zip(cells["file"], cells["field"], cells["sheet"], cells["cell"], strict=True)}

    def at(i: int, field: str) -> dict[str, str | None]:
        sheet, cell = where.get((files[i], field), (None, None))
        return {"sheet": sheet, "cell": cell, "field": field}

    found = []
    gap = financed.sources_total - financed.uses
    for i in np.flatnonzero(financed.has_sources & (np.abs(gap) > sources_uses_tolerance())).tolist():
        found.append(Finding(files[i], "SOURCES_USES_MISMATCH", **at(i, "res_sources_total"),
                             value=float(financed.sources_total[i]),
                             params={"uses": display(financed.uses[i]), "difference": display(gap[i])}))
    ratios = np.atleast_2d(dscr(financed.operating, financed.debt_service))
    below = np.nan_to_num(ratios, nan=np.inf) < 1.0
    for i in np.flatnonzero(below.any(axis=1)).tolist():
        k = int(np.argmax(below[i]))
        found.append(Finding(files[i], "DSCR_BELOW_ONE", **at(i, "res_min_dscr"), value=float(financed.min_dscr[i]),
                             params={"year": k + 1, "dscr": f"{ratios[i, k]:.2f}",
                                     "surplus": display(round(float(financed.operating[i, k]), 1)),
                                     "service": display(round(float(financed.debt_service[i, k]), 1))}))
    source = coverage_minimum()
    for i in np.flatnonzero(np.nan_to_num(financed.coverage_ratio, nan=np.inf) < financed.min_coverage).tolist():
        found.append(Finding(files[i], "COVERAGE_BELOW_MINIMUM", **at(i, "res_coverage_ratio"),
                             value=float(financed.coverage_ratio[i]),
                             params={"minimum": display(financed.min_coverage[i]), "source": source.source}))
    return found
