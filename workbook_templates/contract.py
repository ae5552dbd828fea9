"""The template contract: sheets, defined names and tables a project workbook has.

The generator writes workbooks to this contract and the batch reads them by it,
never by cell address. Changing a name here changes both doors at once; bump
``TEMPLATE_VERSION``'s major number when a change breaks old submissions.
Pure data: no openpyxl here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from renewal.financing import coverage_minimum
from renewal.language import Text

TEMPLATE_ID = "renewal_project"
TEMPLATE_VERSION = "2.0"
SUPPORTED_VERSIONS = ("1.0", "2.0")
"""Versions the batch reads. A workbook of an older version lacks what :data:`INTRODUCED` says
came later; the batch checks it without those names, so last month's submissions stay valid."""
INTRODUCED: dict[str, str] = {
    **dict.fromkeys(("res_mirr", "res_excel_check"), "2.0"),  # IRR as Excel computes it, and the check block
    **dict.fromkeys(("tblFinancing", "fin_kind", "fin_amount", "in_min_coverage_ratio", "res_sources_total",
                     "res_min_dscr", "res_coverage_ratio", "res_equity_irr"), "2.0"),  # financing
}
"""Defined names and tables added after 1.0, with the version that added them."""


def introduced_after(name: str, version: object) -> bool:
    """Whether a workbook of ``version`` may lack ``name`` (added by a later template version).

    >>> introduced_after("res_mirr", "1.0"), introduced_after("res_mirr", "2.0"), introduced_after("res_npv", "1.0")
    (True, False, False)
    """
    added = INTRODUCED.get(name)
    return added is not None and str(version) in SUPPORTED_VERSIONS and _major(str(version)) < _major(added)


def _major(version: str) -> int:
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else 0
PORTFOLIO_ID = "renewal_portfolio"
PORTFOLIO_BUNDLE_NAMES = ("pf_id", "pf_district", "pf_so", "pf_sk", "pf_horizon", "pf_discount_rate")
"""The defined names of a portfolio workbook that ``renewal bundle`` reads (one row per project;
``pf_sk`` has one column per year)."""

MAX_YEARS = 50
"""Year columns in the operation table and the results row: a horizon is at most 50 years."""
RENOVATION_ROWS = 40
OPERATION_ROWS = 30
FINANCING_ROWS = 6
MAX_DEBT_YEARS = 40
"""Year columns of the Financing sheet's debt service: a term of at most 30 years after at most
``MAX_GRACE_YEARS`` of grace."""
MAX_GRACE_YEARS = 10

Kind = Literal["text", "code", "integer", "number", "rate", "share"]


@dataclass(frozen=True)
class Field:
    """One input cell of the Project sheet, found by its defined name ``in_<name>``."""

    name: str
    kind: Kind
    required: bool
    label: Text
    unit: str = ""
    codes: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    default: object = None

    @property
    def defined_name(self) -> str:
        """The workbook's defined name for this input."""
        return f"in_{self.name}"


SHEETS = {
    "guide": "Guide",
    "project": "Project",
    "renovation": "Renovation",
    "operation": "Operation",
    "site": "Site",
    "financing": "Financing",
    "results": "Results",
    "whatif": "What-if",
    "lists": "Lists",
    "meta": "_Meta",
}

PROJECT_FIELDS: tuple[Field, ...] = (
    Field("project_id", "text", True, Text("项目编号", "project id")),
    Field("project_name", "text", True, Text("项目名称", "project name")),
    Field("city", "code", True, Text("城市", "city"), codes="city"),
    Field("district", "text", False, Text("区", "district")),
    Field("pattern", "code", True, Text("更新模式", "renewal pattern"), codes="pattern"),
    Field("build_year", "integer", False, Text("建成年份", "build year"), minimum=1900, maximum=2000),
    Field("households", "integer", False, Text("户数", "households"), "户", minimum=0),
    Field("floor_area_m2", "number", False, Text("现状建筑面积", "existing floor area"), "m²", minimum=0),
    Field("added_floor_area_m2", "number", False, Text("新增地上建筑面积", "added above-ground floor area"),
          "m²", minimum=0),
    Field("discount_rate", "rate", True, Text("折现率", "discount rate"), "%",
          minimum=-0.99, maximum=0.99, default=0.08),
    Field("horizon", "integer", True, Text("测算期限", "horizon"), "年", minimum=1, maximum=MAX_YEARS, default=20),
    Field("target_return", "rate", True, Text("目标收益率", "target return"), "%",
          minimum=-0.99, maximum=0.99, default=0.08),
    Field("concession_years", "integer", False, Text("特许经营年限", "concession years"), "年", minimum=0, maximum=99),
    Field("package_id", "text", False, Text("项目包编号（片区统筹）", "package id (bundling)")),
    Field("renovation_total", "number", False, Text("改造成本合计（申报值）", "stated renovation cost total"),
          "万元", minimum=0),
    Field("lang", "code", True, Text("结果语言", "language of results"), codes="lang", default="zh"),
    Field("min_coverage_ratio", "number", False, Text("专项债本息覆盖倍数下限", "minimum special-bond coverage ratio"),
          "倍", minimum=0, maximum=5, default=coverage_minimum().minimum),
)


@dataclass(frozen=True)
class Table:
    """A named Excel table: its sheet, its columns, its fixed capacity of data rows."""

    name: str
    sheet: str
    columns: tuple[str, ...]
    rows: int


RENOVATION_TABLE = Table("tblRenovation", SHEETS["renovation"],
                         ("item", "kind", "source", "amount", "note"), RENOVATION_ROWS)
OPERATION_TABLE = Table("tblOperation", SHEETS["operation"],
                        ("item", "kind", *(f"y{k}" for k in range(1, MAX_YEARS + 1))),
                        OPERATION_ROWS)
SITE_TABLE = Table("tblSite", SHEETS["site"], ("key", "value", "unit", "meaning"), 19)
FINANCING_TABLE = Table("tblFinancing", SHEETS["financing"],
                        ("item", "kind", "amount", "rate", "term", "grace_years", "method", "note"), FINANCING_ROWS)
"""Sources of the renovation money, one a row (optional: empty means all equity)."""

COLUMN_NAMES = {
    # Defined names over table columns, for formulas (the formula engine cannot
    # read structured references such as tblRenovation[amount]).
    "ren_kind": (RENOVATION_TABLE, "kind"),
    "ren_source": (RENOVATION_TABLE, "source"),
    "ren_amount": (RENOVATION_TABLE, "amount"),
    "op_kind": (OPERATION_TABLE, "kind"),
    "site_keys": (SITE_TABLE, "key"),
    "site_values": (SITE_TABLE, "value"),
    "fin_kind": (FINANCING_TABLE, "kind"),
    "fin_amount": (FINANCING_TABLE, "amount"),
}
BLOCK_NAMES = {
    "op_amounts": (OPERATION_TABLE, "y1", f"y{MAX_YEARS}"),
    "site_attributes": (SITE_TABLE, "key", "value"),
}

ResultKind = Literal["number", "years", "rate", "text", "code", "row", "matrix"]


@dataclass(frozen=True)
class Result:
    """A result cell (or range) on the Results sheet with its defined name ``res_<name>``.

    ``checked``: the batch reads it and reports a result typed over, or a cached
    value that differs from the model's (``res_excel_check`` has no model value:
    the batch reads what it says, see :data:`EXCEL_CHECK_MISMATCH`).
    """

    name: str
    kind: ResultKind
    label: Text
    checked: bool = True

    @property
    def defined_name(self) -> str:
        """The workbook's defined name for this result."""
        return f"res_{self.name}"


RESULTS: tuple[Result, ...] = (
    Result("renovation_surplus", "number", Text("改造阶段盈余 So", "renovation surplus So")),
    Result("entity_investment", "number", Text("实施主体投资", "implementing entity's investment")),
    Result("operating_surpluses", "row", Text("运营阶段盈余 Sk", "operating surpluses Sk")),
    Result("cumulative_balance", "row", Text("累计平衡 So+ΣSk", "cumulative balance So+ΣSk"), False),
    Result("payback_years", "years", Text("静态回收期", "payback")),
    Result("discounted_payback_years", "years", Text("动态回收期", "discounted payback")),
    Result("npv", "number", Text("净现值", "net present value")),
    Result("irr", "rate", Text("内部收益率", "internal rate of return")),
    Result("mirr", "rate", Text("修正内部收益率", "modified internal rate of return (MIRR)")),
    Result("irr_warning", "text", Text("IRR 提示", "IRR note"), False),
    Result("years_to_target", "years", Text("达到目标收益年限", "years to reach the target return")),
    Result("required_annual_surplus", "number", Text("期限内回收所需年均盈余",
                                                     "level yearly surplus to recover So in the horizon")),
    Result("balance_status", "text", Text("平衡状态", "balance status")),
    Result("declared_pattern_name", "text", Text("申报模式", "declared pattern"), False),
    Result("best_fit_pattern", "code", Text("最适模式", "best-fit pattern")),
    Result("pattern_scores", "matrix", Text("模式得分", "pattern scores"), False),
    Result("reasons", "text", Text("适配理由", "fit reasons"), False),
    Result("policy_guidance", "text", Text("政策指引", "policy guidance"), False),
    Result("excel_check", "text", Text("与 Excel 内置函数核对", "check against Excel's own functions")),
    Result("sources_total", "number", Text("资金来源合计", "total of the sources")),
    Result("min_dscr", "number", Text("最低偿债覆盖率 DSCR", "minimum debt service coverage ratio (DSCR)")),
    Result("coverage_ratio", "number", Text("专项债本息覆盖倍数", "special-bond coverage ratio")),
    Result("equity_irr", "rate", Text("资本金内部收益率", "equity IRR")),
)
EXCEL_CHECK_OK = "一致 OK"
"""What ``res_excel_check`` shows when the renewal functions agree with Excel's own."""
EXCEL_CHECK_MISMATCH = "不一致 MISMATCH"
"""How ``res_excel_check`` starts when they do not; the names of the functions that differ follow."""
EXCEL_CHECK_NOT_CALCULATED = "未计算 NOT CALCULATED"
"""What ``res_excel_check`` shows when the add-in's functions did not run (``#NAME?``: not loaded)."""

META_NAMES = ("meta_template_id", "meta_template_version")

# Added with the generator (workbook_templates/build.py); none of these is read by the batch.
READY_NAME = "calc_ready"
"""TRUE once every required field is filled; until then the results show blank cells."""
CHART_NAMES = ("chart_flows", "chart_balance")
"""The chart's data rows: So at year 0 then Sk, and So + cumulative Sk; ``#N/A``
(a gap in the chart) beyond the horizon or before the inputs are ready."""
CHART_YEARS_NAME = "chart_years"
"""The chart's years: 0..horizon, ``#N/A`` beyond (so the year axis ends at the horizon)."""
NOT_APPLICABLE = "—"
"""What the minimum DSCR and the coverage ratio show without debt or without a special bond
(a text: LibreOffice would show a cached error value as #NAME?)."""
FINANCING_NAMES = ("fin_equity", "fin_debt_service", "fin_bond_service")
"""The Financing sheet's equity of the entity, and its rows of total and special-bond debt
service by year: what the Results formulas read."""
RUNTIME_NAME = "meta_runtime"
"""Which runtime the workbook's formulas are spelt for: ``classic`` or ``lite``."""
RUNTIMES = ("classic", "lite")
