"""Compute the model for every valid project of the folder at once.

From the prepared frames: So per project from its renovation items
(formula 1; the implementing entity's own money is not revenue), Sk per
project and year from its operation items (formula 2), then one call each to
:func:`renewal.appraisal.appraise` and :func:`renewal.fit.score_sites` over all
projects, and the package balances of projects that share a package id
(fat-thin pairing, :func:`renewal.stages.package_balances`); the what-if
figures from the four drivers Ro, Co, Rk, Ck (switching values, P(NPV < 0)).
Also the value each stated result (``res_*``) should show, for the comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from renewal.appraisal import Appraisal, AppraisalRecord, appraise
from renewal.cashflow import required_annual_surplus
from renewal.codes import counts_in_renovation_surplus
from renewal.drivers import DRIVERS, as_drivers
from renewal.fit import Scores, score_sites, site_attribute_keys
from renewal.patterns import PATTERN_CODES
from renewal.risk import loss_probability
from renewal.sensitivity import switching_values
from renewal.stages import PackageBalance, package_balances
from validation.check.financing import Financed, FinancingRecord, finance
from validation.check.inputs import Inputs, numbers
from workbook_templates.contract import MAX_YEARS

NEVER = "#N/A"
"""What a result cell shows for "never within the horizon" (and for "no pattern applies")."""
NO_IRR = "#NUM!"
NO_MIRR = "#DIV/0!"
"""What RENEWAL_MIRR shows without a surplus or a deficit, as Excel's MIRR does."""
IDENTITY_COLUMNS = ("project_id", "project_name", "city", "district", "pattern", "package_id")
"""Project fields a record repeats as they were read."""


class ProjectResults(AppraisalRecord, FinancingRecord):
    """A computed project as results.json holds it (``data/results.schema.json``, ``results``)."""

    project_id: str
    project_name: str
    city: str
    district: str | None
    pattern: str
    package_id: str | None
    entity_investment: float
    required_annual_surplus: float
    best_fit_pattern: str | None
    pattern_scores: dict[str, float]
    """By pattern code."""
    switching_values: dict[str, float | None]
    """By driver code (renewal.drivers.DRIVERS)."""
    loss_probability: float


@dataclass(frozen=True)
class Computed:
    """The model's results for the computed projects, in the order of ``files``."""

    files: tuple[str, ...]
    projects: pd.DataFrame
    appraisal: Appraisal
    entity_investment: np.ndarray
    required_annual_surplus: np.ndarray
    scores: Scores
    packages: list[PackageBalance]
    switching_values: np.ndarray
    loss_probability: np.ndarray
    financing: Financed

    @cached_property
    def best_fit(self) -> list[str | None]:
        """Per project, the best-fitting pattern, or None when none applies."""
        return self.scores.best_fit()

    @cached_property
    def _identities(self) -> dict[str, list[object]]:
        """The identifying columns of the projects, as lists (a frame row per record is slow)."""
        return {name: self.projects[name].tolist() for name in IDENTITY_COLUMNS}

    def record(self, i: int, lang: str) -> ProjectResults:
        """Project ``i`` as results.json holds it (``None`` for never / no IRR / no MIRR)."""
        identity = {name: values[i] for name, values in self._identities.items()}
        best = self.best_fit[i]
        return {  # the identity as read: text, as the required fields of a computed project are
            "project_id": str(identity["project_id"]),
            "project_name": str(identity["project_name"]),
            "city": str(identity["city"]),
            "district": _text_or_none(identity["district"]),
            "pattern": str(identity["pattern"]),
            "package_id": _text_or_none(identity["package_id"]),
            **self.appraisal.record(i, lang),
            "entity_investment": float(self.entity_investment[i]),
            "required_annual_surplus": float(self.required_annual_surplus[i]),
            "best_fit_pattern": best,
            "pattern_scores": {code: float(self.scores.score[i, j])
                               for j, code in enumerate(PATTERN_CODES)},
            "switching_values": {driver: _finite_or_none(self.switching_values[i, j])
                                 for j, driver in enumerate(DRIVERS)},
            "loss_probability": float(self.loss_probability[i]),
            **self.financing.record(i),
        }

    def expected(self) -> pd.DataFrame:
        """(file, field, year, expected): what each recomputed result cell should show.

        ``year`` is 0 for single-cell results and k for year k of the row of
        operating surpluses (within the horizon only).
        """
        a = self.appraisal
        langs = self.projects["lang"].tolist()
        scalars = {
            "res_renovation_surplus": a.renovation_surplus.tolist(),
            "res_entity_investment": self.entity_investment.tolist(),
            "res_payback_years": _or(a.payback_years, NEVER),
            "res_discounted_payback_years": _or(a.discounted_payback_years, NEVER),
            "res_npv": a.npv.tolist(),
            "res_irr": _or(a.irr, NO_IRR),
            "res_mirr": _or(a.mirr, NO_MIRR),
            "res_years_to_target": _or(a.years_to_target, NEVER),
            "res_required_annual_surplus": self.required_annual_surplus.tolist(),
            "res_balance_status": [s.text(lang) for s, lang in zip(a.status, langs, strict=True)],
            "res_best_fit_pattern": [b or NEVER for b in self.best_fit],
            **self.financing.expected(NO_IRR),
        }
        rows = [(file, name, 0, values[i]) for name, values in scalars.items()
                for i, file in enumerate(self.files)]
        rows += [(file, "res_operating_surpluses", k, float(a.operating_surpluses[i, k - 1]))
                 for i, file in enumerate(self.files) for k in range(1, int(a.horizon[i]) + 1)]
        return pd.DataFrame(rows, columns=["file", "field", "year", "expected"]).astype(
            {"file": "str", "field": "str", "year": "int64", "expected": object})

    def declared_patterns(self, fields: pd.DataFrame) -> pd.DataFrame:
        """The in_pattern cells of the computed projects with the declared pattern's fit."""
        rows = fields[(fields["field"] == "in_pattern") & fields["file"].isin(self.files)]
        at = pd.Series(range(len(self.files)), index=list(self.files))[rows["file"]].to_numpy(dtype=int)
        column = np.array([PATTERN_CODES.index(p) for p in rows["value"]], dtype=int)
        best = self.best_fit
        return rows[["file", "sheet", "cell", "field", "value"]].assign(
            score=self.scores.score[at, column].round(1), applicable=self.scores.applicable[at, column],
            best=pd.Series([best[i] or "-" for i in at], index=rows.index, dtype="str"),
            threshold=self.scores.threshold)


def _or(values: np.ndarray, missing: str) -> list[float | str]:
    """Floats, with ``missing`` where the model says never (inf) or none (NaN)."""
    return [float(v) if np.isfinite(v) else missing for v in values]


def _finite_or_none(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _renovation(inputs: Inputs, files: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ro (revenue counted in So), Co and the entity's own investment per project (formula 1)."""
    cells = inputs.renovation[inputs.renovation["file"].isin(files)]
    rows = cells.pivot(index=["file", "row"], columns="column", values="value").reindex(
        columns=["kind", "source", "amount"])
    amount = numbers(rows["amount"]).fillna(0.0)
    counts = rows["source"].fillna("OTHER").map(counts_in_renovation_surplus).astype(bool)
    cost, revenue = rows["kind"] == "cost", rows["kind"] == "revenue"
    sums = [amount.where(mask, 0.0).groupby(level="file").sum()
            for mask in (revenue & counts, cost, revenue & ~counts)]
    ro, co, own = (part.reindex(files, fill_value=0.0).to_numpy(dtype=float) for part in sums)
    return ro, co, own


def _operation(inputs: Inputs, files: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Rk and Ck (P, MAX_YEARS) per project and year (formula 2: Sk = Rk - Ck)."""
    op = inputs.operation
    cells = op[op["file"].isin(files) & (op["year"] > 0)]
    out = []
    for kind in ("revenue", "cost"):
        mine = cells[cells["row_kind"] == kind]
        amounts = mine["number"].fillna(0.0).groupby([mine["file"], mine["year"]]).sum()
        table = amounts.unstack("year") if len(amounts) else pd.DataFrame()
        table = table.reindex(index=files, columns=range(1, MAX_YEARS + 1), fill_value=0.0)
        out.append(table.fillna(0.0).to_numpy(dtype=float))
    return out[0], out[1]


def _site_columns(inputs: Inputs, files: list[str]) -> dict[str, np.ndarray]:
    """Site attribute values per project, NaN where not given."""
    site = inputs.site
    values = site[site["file"].isin(files) & (site["column"] == "value")
                  & site["field"].isin(site_attribute_keys())]
    table = values.pivot_table(index="file", columns="field", values="number", aggfunc="first")
    table = table.reindex(index=files, columns=list(site_attribute_keys()))
    return {key: table[key].to_numpy(dtype=float) for key in site_attribute_keys()}


def compute(inputs: Inputs, files: list[str]) -> Computed:
    """Every result for the projects in ``files`` (whose inputs passed validation)."""
    projects = inputs.projects.reindex(files)
    ro, co, own = _renovation(inputs, files)
    rk, ck = _operation(inputs, files)
    so, sk = ro - co, rk - ck
    horizon = projects["horizon"].to_numpy(dtype=float).astype(np.int64)
    rate = projects["discount_rate"].to_numpy(dtype=float)
    appraisal = appraise(so, sk, horizon, rate, projects["target_return"].to_numpy(dtype=float))
    scores = score_sites(_site_columns(inputs, files))
    package_ids = [_text_or_none(p) for p in projects["package_id"]]
    drivers = (ro, co, rk, ck, horizon, rate)
    return Computed(tuple(files), projects, appraisal, own,
                    np.atleast_1d(required_annual_surplus(so, horizon, rate)), scores,
                    package_balances(package_ids, so, appraisal.npv),
                    switching_values(as_drivers(*drivers)).reshape(len(files), len(DRIVERS)),
                    np.atleast_1d(loss_probability(*drivers)),
                    finance(inputs.financing, files, projects, so=so, operating=appraisal.operating_surpluses,
                            cost=co))
