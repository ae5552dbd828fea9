"""The batch's financing: tblFinancing's cells typed for the input checks, every project's
debt service, minimum DSCR, bond coverage and equity IRR in one model call each, and the
facts of the three financing checks (their rules: :class:`validation.check.schemas.FinancingResults`).

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

import numpy as np
import pandas as pd

from renewal.financing import (
    coverage_minimum,
    debt_kinds,
    debt_schedule,
    dscr,
    equity_irr,
    min_dscr,
)
from renewal.financing import coverage_ratio as bond_coverage
from validation.check.findings import Finding
from validation.check.schemas import FinancingResults, findings_of
from workbook_templates.contract import MAX_DEBT_YEARS, MAX_GRACE_YEARS, NOT_APPLICABLE

NUMERIC = {"amount": (0.0, np.nan, False), "rate": (-0.99, 0.99, False),
           "term": (1.0, float(MAX_DEBT_YEARS - MAX_GRACE_YEARS), True),
           "grace_years": (0.0, float(MAX_GRACE_YEARS), True)}
"""Numeric columns of tblFinancing -> (minimum, maximum, whole numbers), as the template's drop-down checks."""
CODED = {"kind": "fin_kind", "method": "fin_method"}
"""Coded columns -> their code list (validation.schemas.CODE_LISTS)."""
DEBT_ONLY = ("rate", "term")
"""Columns a loan or bond row must fill."""


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

    def record(self, i: int) -> dict[str, float | None]:
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


def result_cells(financed: Financed, files: list[str], results: pd.DataFrame) -> pd.DataFrame:
    """The rows of :class:`~validation.check.schemas.FinancingResults`: each project's sources
    total, DSCR of every year with debt service, and coverage ratio, at the result cell that
    states it (``results``: the stated results' frame)."""
    source = coverage_minimum()
    names = np.asarray(files, dtype=object)
    sources = pd.DataFrame({"file": names, "field": "res_sources_total", "number": financed.sources_total,
                            "has_sources": financed.has_sources, "uses": financed.uses,
                            "difference": financed.sources_total - financed.uses})
    ratios = np.atleast_2d(dscr(financed.operating, financed.debt_service))
    project, year = np.nonzero(np.isfinite(ratios))
    years = pd.DataFrame({
        "file": names[project], "field": "res_min_dscr", "number": financed.min_dscr[project],
        "year": (year + 1).astype(float), "ratio": ratios[project, year],
        "dscr": [f"{r:.2f}" for r in ratios[project, year]],
        "surplus": [round(float(v), 1) for v in financed.operating[project, year]],
        "service": [round(float(v), 1) for v in financed.debt_service[project, year]]})
    coverage = pd.DataFrame({"file": names, "field": "res_coverage_ratio", "number": financed.coverage_ratio,
                             "minimum": financed.min_coverage, "source_zh": source.source_zh,
                             "source_en": source.source_en})
    cells = results.loc[results["year"] == 0, ["file", "field", "sheet", "cell"]]
    frame = pd.concat([sources, years, coverage], ignore_index=True).merge(cells, on=["file", "field"])
    frame = frame.astype(dict.fromkeys(("file", "field", "sheet", "cell", "dscr", "source_zh", "source_en"), "str"))
    return frame.assign(value=frame["number"].astype(object),
                        has_sources=frame["has_sources"].fillna(False).astype(bool))


def findings(financed: Financed, files: list[str], results: pd.DataFrame) -> list[Finding]:
    """The three financing findings, each at its result cell (``results``: the stated results' frame)."""
    return findings_of(FinancingResults, result_cells(financed, files, results))
