"""The paper's reference cases as data (``data/cases.toml``), computed by the model.

Each case carries its renovation and operation items, its site attributes and
the paper's own statements, so that the computed figures can be shown beside
what the paper says, discrepancies included (Zhegong 4.6 vs 4.7亿; Zhenwumiao
about 300 vs 360万).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from renewal.appraisal import AppraisalRecord, appraise
from renewal.financing import FinancingSource
from renewal.fit import fit_site
from renewal.language import Text, load_data
from renewal.stages import (
    OperationItem,
    RenovationItem,
    entity_investment,
    operating_surpluses,
    renovation_surplus,
)


@dataclass(frozen=True)
class PaperFigure:
    """A figure the paper states for a case, and the metric it speaks of."""

    metric: str
    stated: float
    text: Text


@dataclass(frozen=True)
class ReferenceCase:
    """One of the paper's cases: identity, assumptions, items, site and statements."""

    id: str
    project_id: str
    name: Text
    city: str
    district: str
    pattern: str
    build_year: int
    households: int
    floor_area_m2: float
    added_floor_area_m2: float
    horizon: int
    discount_rate: float
    target_return: float
    concession_years: int
    package_id: str
    illustrative: tuple[str, ...]
    notes: Text
    renovation: tuple[RenovationItem, ...]
    operation: tuple[OperationItem, ...]
    site: dict[str, float]
    paper: tuple[PaperFigure, ...]
    financing: tuple[FinancingSource, ...] = ()

    @property
    def renovation_surplus(self) -> float:
        """So of the case's renovation items."""
        return renovation_surplus(self.renovation)

    @property
    def entity_investment(self) -> float:
        """The implementing entity's own renovation money."""
        return entity_investment(self.renovation)

    @property
    def operating_surpluses(self) -> np.ndarray:
        """Sk for years 1..horizon."""
        return operating_surpluses(self.operation, self.horizon)


@cache
def reference_cases() -> tuple[ReferenceCase, ...]:
    """The paper's cases, in the paper's order.

    >>> [c.id for c in reference_cases()][:3]
    ['zhegong_new_village', 'guangming_building_17', 'heyuan_community']
    >>> jinsong = case("jinsong_north")
    >>> jinsong.renovation_surplus, float(jinsong.operating_surpluses[0])
    (-3100.0, 348.0)
    """
    cases = []
    for table in load_data("renewal", "cases.toml")["case"]:
        row = {key: value for key, value in table.items() if not key.endswith(("_zh", "_en"))}
        horizon = int(row["horizon"])
        renovation = tuple(RenovationItem(**r) for r in row.pop("renovation"))
        operation = tuple(
            OperationItem(o["item"], o["kind"], tuple([float(o["amount"])] * horizon))
            for o in row.pop("operation")
        )
        paper = tuple(PaperFigure(p["metric"], p["stated"], Text.of(p, "text")) for p in row.pop("paper", ()))
        financing = tuple(FinancingSource(**f) for f in row.pop("financing", ()))
        cases.append(ReferenceCase(
            name=Text.of(table, "name"), notes=Text.of(table, "notes"),
            renovation=renovation, operation=operation, paper=paper, financing=financing,
            site={k: float(v) for k, v in row.pop("site").items()},
            illustrative=tuple(row.pop("illustrative")), **row,
        ))
    return tuple(cases)


def case(case_id: str) -> ReferenceCase:
    """One case by id (see :func:`reference_cases`)."""
    return next(c for c in reference_cases() if c.id == case_id)


@dataclass(frozen=True)
class CaseResult:
    """A case's computed figures, the best-fit pattern and the paper's statements."""

    case: ReferenceCase
    record: AppraisalRecord
    cumulative_surplus: float
    best_fit: str | None
    paper: tuple[tuple[PaperFigure, float | None], ...]


def evaluate_cases(lang: str | None = None) -> list[CaseResult]:
    """Compute every case at its discount rate over its horizon, in one vectorised call.

    >>> r = {x.case.id: x for x in evaluate_cases("en")}
    >>> round(r["jinsong_north"].record["payback_years"], 3), r["zhenwumiao_wuli_3"].record["payback_years"]
    (8.908, 6.25)
    >>> r["zhegong_new_village"].record["balance_status"]
    'balanced at the renovation stage'
    """
    cases = reference_cases()
    horizon = max(c.horizon for c in cases)
    sk = np.zeros((len(cases), horizon))
    for i, c in enumerate(cases):
        sk[i, : c.horizon] = c.operating_surpluses
    appraisal = appraise([c.renovation_surplus for c in cases], sk,
                         [c.horizon for c in cases], [c.discount_rate for c in cases],
                         [c.target_return for c in cases])
    results = []
    for i, c in enumerate(cases):
        record = appraisal.record(i, lang)
        cumulative = float(c.renovation_surplus + c.operating_surpluses.sum())
        stated_metrics: dict[str, float | None] = {  # what a [[case.paper]] row may speak of
            "renovation_surplus": record["renovation_surplus"], "payback_years": record["payback_years"],
            "years_to_target": record["years_to_target"], "cumulative_surplus": cumulative}
        best = fit_site(c.site).best
        results.append(CaseResult(
            c, record, cumulative, best.code if best else None,
            tuple((p, stated_metrics.get(p.metric)) for p in c.paper),
        ))
    return results
