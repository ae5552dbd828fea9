"""Realistic broken submissions (``samples/invalid/``), each made from a valid sample by
the generator, with its defects on record for the batch's tests (``MANIFEST.json``):
the check the batch should report, its severity, the sheet and cell, the field.

The project ids get a suffix, so that the broken files never collide with the
valid samples in one batch run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TypedDict

from openpyxl import Workbook
from openpyxl.utils.cell import absolute_coordinate

from renewal.cases import case
from renewal.financing import FinancingSource, coverage_minimum, coverage_ratio, debt_service, min_dscr
from renewal.language import Text
from workbook_templates import contract
from workbook_templates.book import project_book
from workbook_templates.engine import Values
from workbook_templates.filling import Filling, RenovationRow
from workbook_templates.layout import address_of, cells_of
from workbook_templates.project import table_cell
from workbook_templates.render import compute

RUNTIME = "classic"
STALE_RAISE = 100
"""万元 a year added to the stale sample's operating revenue after its results were cached."""


class Defect(TypedDict):
    """One defect, as MANIFEST.json holds it: the batch check expected to report it, where it
    is, and what was broken (``zh``, ``en``)."""

    check: str
    severity: str
    sheet: str
    cell: str | None
    field: str
    value: object
    zh: str
    en: str


def defect(check: str, severity: str, sheet: str, cell: str | None, field: str, value: object,  # noqa: PLR0917
           what: Text) -> Defect:
    """A :class:`Defect` (positional, as the table of broken files reads best)."""
    return {"check": check, "severity": severity, "sheet": sheet, "cell": cell, "field": field, "value": value,
            "zh": what.zh, "en": what.en}


class ManifestEntry(TypedDict):
    """A broken file in MANIFEST.json: its name, the sample it was made from, its defects."""

    file: str
    base_case: str
    project_id: str
    defects: list[Defect]


@dataclass
class Broken:
    """A broken workbook, its defects, and (for a stale file) the values cached before the edit."""

    file: str
    base: str
    project_id: str
    wb: Workbook
    defects: list[Defect]
    cached: Values | None = field(default=None)

    def manifest(self) -> ManifestEntry:
        """The file's entry in MANIFEST.json."""
        return {"file": self.file, "base_case": self.base, "project_id": self.project_id,
                "defects": list(self.defects)}


def _case_filling(case_id: str, tag: str, **fields: object) -> Filling:
    filling = Filling.from_case(case(case_id))
    project_id = f"{filling.fields['project_id']}-{tag}"
    return replace(filling, fields={**filling.fields, "project_id": project_id, **fields})


def amount_as_text() -> Broken:
    """A renovation cost typed as text (“约600”): SUMIF skips it, So looks balanced."""
    filling = _case_filling("zhenwumiao_wuli_3", "AMOUNT-TEXT")
    i = next(i for i, r in enumerate(filling.renovation) if r.kind == "cost")
    text = f"约{filling.renovation[i].amount:g}"
    rows = list(filling.renovation)
    rows[i] = replace(rows[i], amount=text)
    wb = project_book(replace(filling, renovation=tuple(rows)), RUNTIME)
    sheet, cell = table_cell(contract.RENOVATION_TABLE, i, "amount")
    return Broken("zhenwumiao_amount_as_text.xlsx", "zhenwumiao_wuli_3", str(filling.fields["project_id"]), wb, [
        defect("NOT_A_NUMBER", "error", sheet, cell, "tblRenovation[amount]", text,
               Text("改造成本金额以文本“约600”填写，SUMIF 忽略它，So 显示为已平衡",
                    "a renovation cost typed as the text “约600”: SUMIF skips it and So looks balanced"))])


def site_sheet_missing() -> Broken:
    """The Site sheet deleted: its names point to #REF!, as Excel leaves them."""
    filling = _case_filling("heyuan_community", "NO-SITE")
    wb = project_book(filling, RUNTIME)
    sheet = contract.SITE_TABLE.sheet
    names = [n for n, (table, *_) in {**contract.COLUMN_NAMES, **contract.BLOCK_NAMES}.items()
             if table == contract.SITE_TABLE]
    defects = []
    for name in names:
        target = "#REF!" + absolute_coordinate(address_of(wb, name)[1])
        wb.defined_names[name].attr_text = target
        defects.append(defect("NAME_BROKEN", "error", sheet, None, name, target, Text(
            "Site 工作表被删除，名称指向 #REF!", "the Site sheet was deleted: the name points to #REF!")))
    del wb[sheet]  # and with it the table
    defects.append(defect("NAME_MISSING", "error", sheet, None, contract.SITE_TABLE.name, None,
                          Text("Site 工作表被删除，表格 tblSite 随之消失",
                               "the Site sheet was deleted, and the table tblSite with it")))
    return Broken("heyuan_site_sheet_missing.xlsx", "heyuan_community", str(filling.fields["project_id"]), wb, defects)


def payback_typed_over() -> Broken:
    """The payback result's formula replaced by the paper's "6 years", typed by hand."""
    filling = _case_filling("zhenwumiao_wuli_3", "TYPED-OVER")
    wb = project_book(filling, RUNTIME)
    sheet, cell = address_of(wb, "res_payback_years")
    wb[sheet][cell].value = 6
    return Broken("zhenwumiao_payback_typed_over.xlsx", "zhenwumiao_wuli_3", str(filling.fields["project_id"]), wb, [
        defect("RESULT_TYPED_OVER", "error", sheet, cell, "res_payback_years", 6,
               Text("静态回收期的公式被手工输入的 6 覆盖（计算值为 6.25）",
                    "the payback's formula was replaced by a typed 6 (it computes to 6.25)"))])


def stale_cached_results() -> Broken:
    """Operating revenue raised after the last calculation: the cached results are stale."""
    filling = _case_filling("jinsong_north", "STALE")
    wb = project_book(filling, RUNTIME)
    before = compute(wb)
    i = next(i for i, r in enumerate(filling.operation) if r.kind == "revenue")
    ws = wb[contract.OPERATION_TABLE.sheet]
    for k, amount in enumerate(filling.operation[i].amounts, start=1):
        ws[table_cell(contract.OPERATION_TABLE, i, f"y{k}")[1]] = amount + STALE_RAISE
    after = compute(wb)
    defects = []
    for result in contract.RESULTS:
        if not result.checked:
            continue
        sheet, ref = address_of(wb, result.defined_name)
        stale = [c for c in cells_of(ref) if before[(sheet, c)] != after[(sheet, c)]]
        if stale:  # a row of results is reported at its first stale cell
            defects.append(defect("RESULT_MISMATCH", "error", sheet, stale[0], result.defined_name,
                                  before[(sheet, stale[0])], Text(
                                      "运营收入修改后未重新计算：缓存结果过期",
                                      "operating revenue changed after the last calculation: "
                                      "the cached result is stale")))
    return Broken("jinsong_stale_cached_results.xlsx", "jinsong_north", str(filling.fields["project_id"]), wb, defects,
                  cached=before)


def half_filled() -> Broken:
    """A draft sent too early: city, pattern and horizon empty; two renovation rows only."""
    empty = Filling.empty()
    filling = replace(empty, fields={**empty.fields, "project_id": "SH-XH-DRAFT", "horizon": None,
                                     "project_name": "上海徐汇区某小区（未填完）"},
                      renovation=(RenovationRow("Lift installation / 加装电梯", "cost", "OTHER", 1200),
                                  RenovationRow("Subsidy / 政府补贴", "revenue", "SUBSIDY", 800)))
    wb = project_book(filling, RUNTIME)
    defects = [defect("REQUIRED_MISSING", "error", *address_of(wb, name), name, None,
                      Text("必填项为空", "a required field is empty"))
               for name in ("in_city", "in_pattern", "in_horizon")]
    return Broken("half_filled_missing_required.xlsx", "", "SH-XH-DRAFT", wb, defects)


def sources_not_uses() -> Broken:
    """Jinsong North's bank loan entered as 1,800 instead of 2,000: the sources fall 200 short of the uses."""
    filling = _case_filling("jinsong_north", "SOURCES")
    financing = tuple(replace(s, amount=1800) if s.is_debt else s for s in filling.financing)
    wb = project_book(replace(filling, financing=financing), RUNTIME)
    sheet, cell = address_of(wb, "res_sources_total")
    total = float(sum(s.amount for s in financing))
    return Broken("jinsong_sources_not_uses.xlsx", "jinsong_north", str(filling.fields["project_id"]), wb, [
        defect("SOURCES_USES_MISMATCH", "error", sheet, cell, "res_sources_total", total,
               Text("银行贷款误填为 1800（应为 2000）：资金来源合计 7500 比改造成本 7700 少 200",
                    "the bank loan typed as 1,800 instead of 2,000: the sources add up to 7,500, "
                    "200 short of the 7,700 cost"))])


BOND = FinancingSource("Special bond / 地方政府专项债", "SPECIAL_BOND", 580, 0.045, 10, 0, "bullet",
                       "illustrative / 示意")
"""A special bond repaid at maturity that the bulk lease's 96 a year cannot cover."""


def special_bond_not_covered() -> Broken:
    """Zhenwumiao financed by a 580 special bond repaid at maturity: the last year's debt service is
    beyond the year's surplus, and the coverage ratio below the 1.2 commonly required."""
    filling = _case_filling("zhenwumiao_wuli_3", "BOND")
    sk = case("zhenwumiao_wuli_3").operating_surpluses
    equity = FinancingSource("Operator's own funds / 企业自有资金", "ENTITY_EQUITY", 600 - BOND.amount)
    wb = project_book(replace(filling, financing=(equity, BOND)), RUNTIME)
    service = debt_service(BOND.amount, BOND.rate, BOND.term, BOND.grace_years, BOND.method)
    dscr_at, coverage_at = address_of(wb, "res_min_dscr"), address_of(wb, "res_coverage_ratio")
    return Broken("zhenwumiao_special_bond_not_covered.xlsx", "zhenwumiao_wuli_3", str(filling.fields["project_id"]),
                  wb, [
        defect("DSCR_BELOW_ONE", "warning", *dscr_at, "res_min_dscr", min_dscr(sk, service),
               Text("到期一次还本：第10年还本付息 606.1，远超当年运营盈余 96",
                    "principal at maturity: year 10's debt service of 606.1 is far beyond the year's surplus of 96")),
        defect("COVERAGE_BELOW_MINIMUM", "warning", *coverage_at, "res_coverage_ratio", coverage_ratio(sk, service),
               Text(f"10年运营盈余 960 只覆盖专项债本息 841 的 1.14 倍，低于常见要求 {coverage_minimum().minimum:g}",
                    f"ten years of surplus, 960, cover the bond's 841 of principal and interest 1.14 times, "
                    f"below the {coverage_minimum().minimum:g} commonly required"))])


@dataclass(frozen=True)
class FieldDefect:
    """A broken sample whose defect is one Project field's value (other fields may change with it)."""

    file: str
    base: str
    tag: str
    field: str
    value: object
    check: str
    severity: str
    what: Text
    also: tuple[tuple[str, object], ...] = ()

    def __call__(self) -> Broken:
        """Build the broken workbook."""
        filling = _case_filling(self.base, self.tag, **dict(self.also), **{self.field: self.value})
        wb = project_book(filling, RUNTIME)
        name = f"in_{self.field}"
        return Broken(self.file, self.base, str(filling.fields["project_id"]), wb, [
            defect(self.check, self.severity, *address_of(wb, name), name, self.value, self.what)])


def _guangzhou_added_area() -> int:
    """45% of the Zhegong sample's floor area: above Guangzhou's 30% cap for EXPANSION_SALE."""
    return round(0.45 * case("zhegong_new_village").floor_area_m2)


RATE_AS_TEXT = FieldDefect(
    "hongyupo_rate_as_text.xlsx", "hongyupo_district", "RATE-TEXT", "discount_rate", "8%", "NOT_A_NUMBER", "error",
    Text("折现率以文本“8%”填写：NPV 等结果为 #VALUE!",
         'the discount rate typed as the text "8%": NPV and others show #VALUE!'))
UNKNOWN_PATTERN_CODE = FieldDefect(
    "jinsong_unknown_pattern_code.xlsx", "jinsong_north", "BAD-CODE", "pattern", "ACTIVATE", "CODE_UNKNOWN", "error",
    Text("更新模式代码“ACTIVATE”不在代码表中（应为 ACTIVATION）",
         'the pattern code "ACTIVATE" is not a known code (ACTIVATION was meant)'))
GUANGZHOU_45PCT = FieldDefect(
    "guangzhou_expansion_45pct_floor_area.xlsx", "zhegong_new_village", "GZ45", "added_floor_area_m2",
    _guangzhou_added_area(), "POLICY_LIMIT", "warning",
    Text("广州扩容出售项目新增地上面积 45%，超过 30% 上限",
         "an expansion-and-sale project in Guangzhou adds 45% floor area, above the 30% cap"),
    also=(("city", "Guangzhou"), ("district", "Liwan"), ("project_id", "GZ-LW-EXPANSION45"),
          ("project_name", "广州荔湾区某危旧房扩容出售项目（示例）")))
PATTERN_NOT_APPLICABLE = FieldDefect(
    "yulin_declared_pattern_not_applicable.xlsx", "yulin_block", "PATTERN", "pattern", "BULK_LEASE",
    "PATTERN_NOT_APPLICABLE", "warning",
    Text("申报为统租置换模式（玉林统租店铺），但该场地得分低于 60（最适：街区运营模式）",
         "declared BULK_LEASE (Yulin leases shops), which scores below 60 on this site (best fit: BLOCK_OPERATION)"))

BROKEN: tuple[Callable[[], Broken], ...] = (
    amount_as_text, RATE_AS_TEXT, site_sheet_missing, UNKNOWN_PATTERN_CODE, payback_typed_over,
    stale_cached_results, GUANGZHOU_45PCT, PATTERN_NOT_APPLICABLE, half_filled, sources_not_uses,
    special_bond_not_covered,
)
"""Every broken submission, in MANIFEST order."""
