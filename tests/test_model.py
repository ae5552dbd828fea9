"""Stages, patterns, fit, policy limits and the paper's cases."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from renewal import fit, patterns, policy, stages
from renewal.cases import evaluate_cases, reference_cases
from renewal.errors import RenewalInputError
from renewal.language import Text, check_lang


def test_model_imports_nothing_of_excel_files_or_pandas() -> None:
    code = (
        "import sys, renewal, renewal.cases, renewal.fit, renewal.policy\n"
        "bad = [m for m in ('pandas', 'pandera', 'openpyxl', 'xlwings', 'python_calamine')"
        " if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_six_patterns_with_both_names_and_policies() -> None:
    cat = patterns.catalogue()
    assert len(cat) == 6
    assert {p.stage for p in cat.values()} == {"renovation", "operation"}
    assert [p.code for p in cat.values() if p.stage == "renovation"] == [
        "EXPANSION_SALE", "PUBLIC_HOUSING", "DISTRICT_BUNDLING"]
    for p in cat.values():
        assert p.name.zh.endswith("模式") and p.name.en
        assert p.barriers and all(b.zh and b.en for b in p.barriers)
        assert p.policies and all(pol.city and pol.text.zh and pol.text.en for pol in p.policies)
        for lang in ("zh", "en"):
            text = patterns.policy_guidance(p.code, lang)
            assert all(pol.city in text or pol.text.zh in text for pol in p.policies)


def test_unknown_pattern_code_is_a_clear_error() -> None:
    with pytest.raises(RenewalInputError, match=r"^pattern: unknown code 'MALL'"):
        patterns.pattern_name("MALL")


def test_lang() -> None:
    assert check_lang(None) == "zh"
    with pytest.raises(RenewalInputError, match=r"^lang:"):
        check_lang("de")


def test_text_picks_its_language_in_one_place() -> None:
    text = Text("统租置换模式", "bulk lease and swap")
    assert [text.pick("zh"), text.pick(" EN "), text.pick(None), text.pick("")] == [
        "统租置换模式", "bulk lease and swap", "统租置换模式", "统租置换模式"]
    with pytest.raises(RenewalInputError, match="lang"):
        text.pick("fr")
    assert Text.of({"source_zh": "常见要求", "source_en": "common practice", "other": 1}, "source") == Text(
        "常见要求", "common practice")
    with pytest.raises(KeyError):
        Text.of({"source_zh": "只有中文"}, "source")
    assert list(text) == ["统租置换模式", "bulk lease and swap"]
    assert (text.both(), Text("万元", "万元").both(), text.both("\n")) == (
        "统租置换模式 / bulk lease and swap", "万元", "统租置换模式\nbulk lease and swap")
    with pytest.raises(AttributeError):
        text.zh = "x"  # type: ignore[misc]


def test_renovation_surplus_excludes_the_entitys_own_money() -> None:
    items = [stages.RenovationItem("works", "cost", 600),
             stages.RenovationItem("own funds", "revenue", 600, "ENTITY_INVESTMENT")]
    assert stages.renovation_surplus(items) == -600
    assert stages.entity_investment(items) == 600


def test_items_reject_bad_values() -> None:
    with pytest.raises(RenewalInputError, match=r"^source:"):
        stages.RenovationItem("x", "revenue", 1, "BANK")
    with pytest.raises(RenewalInputError, match=r"^kind:"):
        stages.RenovationItem("x", "income", 1)
    with pytest.raises(RenewalInputError, match=r"^amount of 'x': must be 0 or more"):
        stages.RenovationItem("x", "cost", -5)
    with pytest.raises(RenewalInputError, match=r"^amounts of 'y'"):
        stages.OperationItem("y", "cost", [1, float("nan")])


def test_balance_status_texts() -> None:
    assert stages.balance_status(-3100, 348, horizon=20).text("zh") == "运营第9年实现平衡"
    assert stages.balance_status(-600, [96] * 10).text("en") == "balanced in operation year 7"
    assert stages.balance_status(-300, [100] * 5).year == 3
    status = stages.balance_status(-1000, [10] * 8)
    assert (status.code, status.text("en")) == ("NOT_WITHIN", "not balanced within 8 years")
    many = stages.balance_status([0, -1000], [[1] * 4, [1] * 4])
    assert [s.code for s in many] == ["RENOVATION_STAGE", "NOT_WITHIN"]


def test_package_balance_of_a_fat_thin_pair() -> None:
    packages = stages.package_balances(["A", "B", "A"], [-25000, -10, 31000], [-24000, 5, 33000])
    assert [(p.package_id, p.projects, p.renovation_surplus, p.npv) for p in packages] == [
        ("A", (0, 2), 6000.0, 9000.0), ("B", (1,), -10.0, 5.0)]


site_values = st.fixed_dictionaries(
    {}, optional={k: st.one_of(st.none(), st.floats(-1e4, 1e4)) for k in fit.site_attribute_keys()}
)


@given(site_values)
def test_fit_scores_are_bounded_and_consistent(site: dict[str, float | None]) -> None:
    result = fit.fit_site(site)
    scores = [p.score for p in result.ranking]
    assert scores == sorted(scores, reverse=True)
    for p in result.ranking:
        assert 0 <= p.score <= p.score_if_missing_met <= 100
        assert 0 <= p.known_weight_share <= 1
        assert p.applicable == (p.score >= 60)
        criteria = {c.id for c in fit.default_fit_rules().for_pattern(p.code)}
        assert {c.id for c in p.met} | {c.id for c, _ in p.missed} | {
            c.id for c in p.missing} == criteria
        if not p.missing:
            assert p.score == p.score_if_missing_met and p.known_weight_share == 1


@given(site_values)
def test_vectorised_scores_equal_one_site_at_a_time(site: dict[str, float | None]) -> None:
    assume(site)
    table = {k: [v, v] for k, v in site.items()}
    many = fit.score_sites(table)
    one = fit.fit_site(site)
    for p in one.ranking:
        j = patterns.PATTERN_CODES.index(p.code)
        assert many.score[0, j] == many.score[1, j] == p.score


def test_missing_attributes_are_reported_with_the_known_share() -> None:
    result = fit.fit_site({"rent_gap": 0.5, "rental_demand": 0.9}).of("BULK_LEASE")
    assert result.score == pytest.approx(100 * 5 / 7)
    assert result.known_weight_share == pytest.approx(5 / 7)
    assert [c.id for c in result.missing] == ["transit", "relocation_willingness"]
    assert result.score_if_missing_met == 100


def test_rules_are_overridable_per_call(tmp_path) -> None:
    site = {"idle_space_m2": 2000, "service_gap": 5}
    assert fit.fit_site(site).of("ACTIVATION").score == pytest.approx(500 / 6)
    lighter = fit.default_fit_rules().with_weights({"ACTIVATION.scale": 0})
    assert fit.fit_site(site, lighter).of("ACTIVATION").score == 100
    stricter = fit.default_fit_rules().with_threshold(90)
    assert not fit.fit_site(site, stricter).of("ACTIVATION").applicable
    own = tmp_path / "rules.toml"
    own.write_text(
        "threshold = 50\n" + "".join(
            f'[[criterion]]\npattern = "{code}"\nid = "c"\nweight = 1\n'
            f'rule = "ramp(households, 0, 100)"\nlabel_zh = "户数"\nlabel_en = "households"\n'
            for code in patterns.PATTERN_CODES),
        encoding="utf-8")
    custom = fit.load_fit_rules(own)
    assert fit.fit_site({"households": 60}, custom).of("BULK_LEASE").score == 60


@pytest.mark.parametrize("rule", ["ramp(households)", "eval('1')", "ramp(households, 1, 1)",
                                  "households", "ramp(x, 0, 1)", "max()"])
def test_bad_rules_are_rejected(rule: str) -> None:
    with pytest.raises(RenewalInputError, match=r"^rule:"):
        fit.parse_rule(rule)


def test_site_values_must_be_numbers() -> None:
    with pytest.raises(RenewalInputError, match=r"^site: rent_gap must be a number"):
        fit.fit_site({"rent_gap": "high"})
    with pytest.raises(RenewalInputError, match=r"^site: unknown attribute"):
        fit.fit_site({"rent_gapp": 0.3})


def test_reasons_in_both_languages() -> None:
    site = {"idle_space_m2": 1100, "service_gap": 5}
    en = fit.fit_reasons(site, "ACTIVATION", "en")
    zh = fit.fit_reasons(site, "ACTIVATION", "zh")
    assert "missing: a large area" in en and "缺少数据：小区规模较大" in zh
    assert "58.3" in en and "58.3" in zh


def test_guangzhou_floor_area_cap() -> None:
    share = policy.added_floor_area_share([310, 200, 310], [1000, 1000, 1000])
    breaches = policy.policy_breaches(["EXPANSION_SALE", "EXPANSION_SALE", "ACTIVATION"],
                                      ["Guangzhou", "Guangzhou", "Guangzhou"],
                                      {"added_floor_area_share": share})
    assert [(b.row, b.limit.code) for b in breaches] == [(0, "GZ_EXPANSION_FLOOR_AREA_CAP")]
    assert "30%" in breaches[0].limit.policy.pick("zh") and "30%" in breaches[0].limit.policy.pick("en")


def test_every_case_fits_its_own_pattern_and_balances_as_the_paper_says() -> None:
    results = {r.case.id: r for r in evaluate_cases("en")}
    assert len(results) == len(reference_cases()) == 7
    for r in results.values():
        assert r.best_fit == r.case.pattern, r.case.id
    jinsong = results["jinsong_north"].record
    assert round(jinsong["payback_years"], 1) == 8.9
    assert round(jinsong["npv"], 1) == 316.7
    assert round(jinsong["irr"], 4) == 0.0935
    assert results["zhenwumiao_wuli_3"].record["payback_years"] == 6.25
    assert results["zhenwumiao_wuli_3"].cumulative_surplus == 360
    for case_id in ("zhegong_new_village", "guangming_building_17", "heyuan_community"):
        assert results[case_id].record["balance_status_code"] == "RENOVATION_STAGE"
        assert results[case_id].record["renovation_surplus"] == 0


def test_the_papers_discrepancies_stay_visible() -> None:
    results = {r.case.id: r for r in evaluate_cases("en")}
    zhegong = [(f.stated, v) for f, v in results["zhegong_new_village"].paper]
    assert zhegong == [(0, 0.0), (-1000, 0.0)]
    zhenwumiao = {f.metric: (f.stated, v) for f, v in results["zhenwumiao_wuli_3"].paper}
    assert zhenwumiao["cumulative_surplus"] == (300, 360.0)


def test_standalone_balance_of_the_cases_is_their_own_npv() -> None:
    """The site attribute is So + NPV of operations; bundling cases are negative alone."""
    for r in evaluate_cases("en"):
        stated = r.case.site["standalone_balance"]
        if r.case.pattern == "DISTRICT_BUNDLING":
            assert stated < 0
        else:
            assert stated == pytest.approx(r.record["npv"], abs=1)


def test_cases_cli_prints_the_papers_figures() -> None:
    out = subprocess.run([sys.executable, "-m", "renewal_cli.main", "--lang", "en", "cases"],
                         check=True, capture_output=True, text=True).stdout
    assert "8.91" in out and "316.7" in out and "9.35%" in out and "6.25" in out
    assert "[300 / 360]" in out and "[-1,000 / 0]" in out
    assert out.count("balanced at the renovation stage") >= 3


def test_operating_surpluses_pad_short_items() -> None:
    sk = stages.operating_surpluses([stages.OperationItem("a", "revenue", [5, 5, 5]),
                                     stages.OperationItem("b", "cost", [1])])
    assert np.array_equal(sk, [4, 5, 5])
