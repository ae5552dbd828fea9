"""The What-if sheet: every figure equal to the model's what-if, and its tornado chart."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from generated import REL, ROOT, Book, package_parts

from renewal.cases import ReferenceCase, reference_cases
from workbook_templates import contract
from workbook_templates.engine import ExcelError


def _model_cell(value: float) -> object:
    """What a cell shows for a model's number: ``#N/A`` for never, ``#NUM!`` for none."""
    if math.isnan(value):
        return "#NUM!"
    return "#N/A" if math.isinf(value) else pytest.approx(value, rel=REL, abs=1e-9)


def _drivers_of(c: ReferenceCase) -> tuple[float, float, list[float], list[float], int, float]:
    from renewal.codes import counts_in_renovation_surplus
    from renewal.stages import operating_surpluses

    ro = sum(i.amount for i in c.renovation if i.kind == "revenue" and counts_in_renovation_surplus(i.source))
    co = sum(i.amount for i in c.renovation if i.kind == "cost")
    rk, ck = (list(operating_surpluses([o for o in c.operation if o.kind == kind], c.horizon))
              for kind in ("revenue", "cost"))
    return float(ro), float(co), rk, [-v for v in ck], c.horizon, c.discount_rate


@pytest.mark.parametrize("c", reference_cases(), ids=lambda c: c.id)
def test_the_whatif_sheet_equals_the_model(c: ReferenceCase, books: dict[Path, Book]) -> None:
    from renewal.drivers import DRIVERS
    from renewal.language import load_data, message
    from renewal.risk import risk_profile
    from renewal.scenarios import scenarios
    from renewal.sensitivity import sensitivity
    from renewal.subsidy import subsidy_gap

    book = books[Path("samples") / f"{c.id}.xlsx"]
    lang = book.one("in_lang")
    drivers = _drivers_of(c)
    assert book.one("wi_subsidy_gap") == _model_cell(
        subsidy_gap(c.renovation_surplus, c.operating_surpluses, c.target_return))
    s = sensitivity(*drivers, 0.1)
    expected = [[message("driver", DRIVERS[j], lang), *(_model_cell(v) for v in
                 (s.low[0, j], s.high[0, j], s.range[0, j], s.switching[0, j]))] for j in s.ranking()]
    assert book("wi_sensitivity") == [v for row in expected for v in row]
    settings = load_data("workbook_templates", "whatif.toml")
    a = scenarios([row["factors"] for row in settings["scenario"]], *drivers)
    assert book("wi_scenario_results") == [
        v for i in range(len(a)) for v in (_model_cell(a.payback_years[i]), _model_cell(a.npv[i]),
                                           _model_cell(a.irr[i]), a.status[i].text(lang),
                                           _model_cell(a.subsidy_gap[i]))]
    risk = risk_profile(*drivers, *(settings["settings"][k] for k in ("spread", "trials", "seed")))
    assert book("wi_risk_profile") == [_model_cell(v) for v in risk.rows()[0]]
    whatif = {cell for cell in book.values if cell[0] == contract.SHEETS["whatif"]}
    reported = {cell for name in ("wi_sensitivity", "wi_scenario_results", "wi_risk_profile")
                for cell in book.cells(name)}
    assert not {cell for cell in whatif - reported if isinstance(book.values[cell], ExcelError)}


def test_the_whatif_sheet_draws_a_tornado() -> None:
    parts = package_parts(ROOT / "samples" / "jinsong_north.xlsx")
    charts = [p.decode() for name, p in parts.items() if name.startswith("xl/charts/chart")]
    tornado = [c for c in charts if '<barDir val="bar"/>' in c]  # horizontal bars
    assert len(tornado) == 1 and tornado[0].count("<ser>") == 2
    assert "'What-if'!$A$" in tornado[0] and '<overlap val="100"/>' in tornado[0]
