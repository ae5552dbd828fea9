"""The rules, as pandera DataFrameModels over the whole folder's long frames.

Every frame has one row per cell (file, sheet, cell, field, value) plus the
columns :mod:`validation.check.inputs` derives for its rules (the cell's number,
its field's kind and range, the row's kind, project totals...). Every check
is a method named after its check code in lower case (``not_a_number`` is
NOT_A_NUMBER in ``data/checks.toml``) and returns True for the cells that
pass, so each failing row is one finding at one cell. A rule lives here and
only here: the inputs' (:mod:`validation.check.inputs`), the stated results'
(:mod:`validation.check.compare`) and the financing's (:mod:`validation.check.financing`)
modules derive the facts; where the model itself judges (a pattern's fit, renewal.fit),
the rule reads its answer. (Method names rather than pandera's ``name=``: a subclass loses the
``name`` of the checks it inherits.)
"""

from __future__ import annotations

import importlib
import string
import sys
from functools import cache, partial
from types import ModuleType

import numpy as np
import pandas as pd

from renewal.codes import city_codes, kind_codes, source_codes
from renewal.financing import repayment_methods, source_kinds, sources_uses_tolerance
from renewal.fit import site_attribute_keys
from renewal.language import LANGS
from renewal.patterns import PATTERN_CODES
from validation.check.findings import Finding, check_table, display
from workbook_templates.contract import SUPPORTED_VERSIONS, TEMPLATE_ID


def _load_pandera() -> tuple[ModuleType, type]:
    """pandera, loaded without its optional Dask frame support.

    The batch validates pandas frames only. With Dask installed (the ``cluster`` extra, for
    ``--scheduler``), pandera imports dask.dataframe while it builds the first schema, which
    costs 1.2 s of every run. So pandera's Dask typing module is loaded as if dask.dataframe
    were absent; anything that imports dask.dataframe later gets it as usual.
    """
    if "dask.dataframe" not in sys.modules and "pandera.typing.dask" not in sys.modules:
        sys.modules["dask.dataframe"] = None  # type: ignore[assignment]
        try:
            importlib.import_module("pandera.typing.dask")
        finally:
            del sys.modules["dask.dataframe"]
    typing = importlib.import_module("pandera.typing")
    return importlib.import_module("pandera.pandas"), typing.Series


pa, Series = _load_pandera()
"""``pandera.pandas`` and ``pandera.typing.Series``."""

CODE_LISTS: dict[str, tuple[str, ...]] = {
    "city": city_codes(), "pattern": PATTERN_CODES, "lang": LANGS,
    "kind": kind_codes(), "source": source_codes(), "key": site_attribute_keys(),
    "fin_kind": source_kinds(), "fin_method": repayment_methods(),
}
"""The code lists a cell may be checked against, by name."""

NAME_ERROR = "#NAME?"
"""What a formula shows where a function it calls is unknown: the renewal functions were not
loaded. None of the template's results can show it otherwise."""

NUMERIC_KINDS = ("integer", "number", "rate", "share")
"""Field kinds (contract.Field.kind) that hold numbers."""

SITE_KINDS: dict[str, tuple[float | None, float | None, bool]] = {
    # attribute kind (renewal/data/site_attributes.toml): minimum, maximum, whole numbers only
    "share": (0.0, 1.0, False),
    "flag": (0.0, 1.0, True),
    "ratio": (0.0, None, False),
    "count": (0.0, None, True),
    "area_m2": (0.0, None, False),
    "distance_m": (0.0, None, False),
    "money": (None, None, False),
}


cell_check = partial(pa.dataframe_check, ignore_na=False)
"""A check of one frame's rows, each row a cell. ``ignore_na=False``: pandera would
otherwise let pass any row whose columns are all missing, which no row here is (its
file and field are always given), and to find such rows it scans the whole frame
for missing values once per check, the largest cost of validation."""


def first_of_each_file(df: pd.DataFrame, failing: pd.Series) -> pd.Series:
    """``failing`` on the first failing row of each file only (the rows in order of year): a
    rule over a project's years gives one finding per project, at its first year that fails."""
    return failing & failing.groupby(df["file"]).cumsum().eq(1)


class Cells(pa.DataFrameModel):
    """Columns every frame has: where the value is, and the value as read."""

    file: Series[str]
    sheet: Series[str]
    cell: Series[str]
    field: Series[str]
    value: Series[object] = pa.Field(nullable=True)

    class Config:
        strict = False


class TypedCells(Cells):
    """Input cells: whether they must be filled, the number read (NaN if none), whether the
    cell holds an error value or a date instead, the code list, the allowed range and whether
    the cell wants a whole number."""

    required: Series[bool]
    error: Series[bool]
    date: Series[bool]
    number: Series[float] = pa.Field(nullable=True)
    numeric: Series[bool]
    whole: Series[bool]
    codes: Series[str] = pa.Field(nullable=True)
    minimum: Series[float] = pa.Field(nullable=True)
    maximum: Series[float] = pa.Field(nullable=True)

    @cell_check
    def required_missing(cls, df: pd.DataFrame) -> Series[bool]:
        """Required cells are filled."""
        return ~(df["required"] & df["value"].isna())

    @cell_check
    def input_error_value(cls, df: pd.DataFrame) -> Series[bool]:
        """No input shows an error value (#REF!, #N/A...): it is neither empty nor a value."""
        return ~df["error"]

    @cell_check
    def input_is_date(cls, df: pd.DataFrame) -> Series[bool]:
        """No date where a number belongs (a date is a number to Excel, not to an amount)."""
        return ~(df["numeric"] & df["date"])

    @cell_check
    def not_a_number(cls, df: pd.DataFrame) -> Series[bool]:
        """Text (or TRUE/FALSE) where a number belongs (errors and dates have their own checks)."""
        return ~(df["numeric"] & df["value"].notna() & df["number"].isna() & ~df["error"] & ~df["date"])

    @cell_check
    def not_whole(cls, df: pd.DataFrame) -> Series[bool]:
        """Years, counts, flags: whole numbers."""
        return ~(df["whole"] & (df["number"] % 1).fillna(0).ne(0))

    @cell_check
    def out_of_range(cls, df: pd.DataFrame) -> Series[bool]:
        """Shares 0-1, amounts and counts >= 0, horizon 1-50, rates in (-1, 1)..."""
        return ~((df["number"] < df["minimum"]) | (df["number"] > df["maximum"]))

    @cell_check
    def code_unknown(cls, df: pd.DataFrame) -> Series[bool]:
        """Pattern, city, language, kind, source, site attribute key: from their lists."""
        coded = df["codes"].notna() & df["value"].notna() & ~df["error"]
        allowed = {f"{name}:{code}" for name, codes in CODE_LISTS.items() for code in codes}
        return ~coded | (df["codes"] + ":" + df["value"].astype(str)).isin(allowed)


class TemplateMeta(Cells):
    """``meta_template_id`` and ``meta_template_version``: a template the batch knows."""

    @cell_check
    def template_unknown(cls, df: pd.DataFrame) -> Series[bool]:
        """The template id is renewal_project."""
        return (df["field"] != "meta_template_id") | (df["value"].astype(str) == TEMPLATE_ID)

    @cell_check
    def version_unsupported(cls, df: pd.DataFrame) -> Series[bool]:
        """The version is one the batch reads."""
        return (df["field"] != "meta_template_version") | df["value"].astype(str).isin(SUPPORTED_VERSIONS)


class ProjectFields(TypedCells):
    """The Project sheet's inputs (``in_*``), with the project-level facts cross-field rules need.

    ``cost_sum`` (on in_renovation_total: the sum of the renovation cost items), ``others``
    (on in_project_id: the other files with the same project id, "" if none), ``added_share``
    and ``cap`` (on in_added_floor_area_m2: the added floor area's share of the existing one,
    and the cap a policy limit of renewal.policy sets on it for the project's pattern and city)
    are empty on every other row.
    """

    cost_sum: Series[float] = pa.Field(nullable=True)
    others: Series[str] = pa.Field(nullable=True)
    added_share: Series[float] = pa.Field(nullable=True)
    cap: Series[float] = pa.Field(nullable=True)

    @cell_check
    def renovation_total_mismatch(cls, df: pd.DataFrame) -> Series[bool]:
        """A stated renovation cost total equals the sum of the cost items (to 0.01)."""
        return ~((df["number"] - df["cost_sum"]).abs() > 0.005)

    @cell_check
    def duplicate_project_id(cls, df: pd.DataFrame) -> Series[bool]:
        """No project id appears in two files of the folder."""
        return df["others"].fillna("").eq("")

    @cell_check
    def policy_limit(cls, df: pd.DataFrame) -> Series[bool]:
        """The added floor area stays within its policy cap (Guangzhou: an EXPANSION_SALE adds
        at most 30%; renewal/data/policy_limits.toml)."""
        return ~(df["added_share"] > df["cap"])


class LeaseYears(Cells):
    """A bulk lease's years with amounts, each at the project's declared pattern (in_pattern):
    the year, its revenue (the rent received) and cost (the rent paid and fit-out) in total,
    and the project's horizon."""

    year: Series[int]
    revenue: Series[float]
    cost: Series[float]
    horizon: Series[float] = pa.Field(nullable=True)

    @cell_check
    def lease_rent_below_cost(cls, df: pd.DataFrame) -> Series[bool]:
        """A bulk lease receives more rent than it pays in every year of the horizon (one finding
        per project, at its first year short)."""
        return ~first_of_each_file(df, (df["revenue"] < df["cost"]) & (df["year"] <= df["horizon"]))


class TableCells(TypedCells):
    """Cells of a used row of tblRenovation, tblOperation or tblSite.

    ``required``: the cell must be filled because its row is used (a renovation
    row's kind and amount, and its source when it is revenue; an operation
    row's kind; a site row's key). ``year``: the operation year of the cell
    (0 for other columns); ``horizon``: its project's horizon; ``first_row``: on a
    site key, the first row of the same table that gives that key.
    """

    row: Series[int]
    column: Series[str]
    year: Series[int]
    horizon: Series[float] = pa.Field(nullable=True)
    first_row: Series[float] = pa.Field(nullable=True)

    @cell_check
    def year_gap(cls, df: pd.DataFrame) -> Series[bool]:
        """Operation years run from year 1 without gaps (only empty cells before a row's last
        filled year are in the frame)."""
        return ~((df["year"] > 0) & df["value"].isna())

    @cell_check
    def beyond_horizon(cls, df: pd.DataFrame) -> Series[bool]:
        """Amounts after the horizon are not counted: say so."""
        return ~((df["year"] > df["horizon"]) & df["value"].notna())

    @cell_check
    def duplicate_key(cls, df: pd.DataFrame) -> Series[bool]:
        """A site attribute is given once: no earlier row gives the same key."""
        return ~(df["first_row"] < df["row"])


class StatedResults(Cells):
    """The results (``res_*``) the batch recomputes: each cell holds the template's formula,
    and its cached value agrees with the model (``expected``; None where the batch did
    not compute the project, or beyond the horizon)."""

    formula: Series[bool]
    expected: Series[object] = pa.Field(nullable=True)
    agrees: Series[bool]

    @cell_check
    def result_typed_over(cls, df: pd.DataFrame) -> Series[bool]:
        """A result cell still holds its formula."""
        return df["formula"]

    @cell_check
    def result_mismatch(cls, df: pd.DataFrame) -> Series[bool]:
        """A calculated result equals the recomputed one."""
        calculated = df["value"].notna() & df["value"].ne(NAME_ERROR)
        return ~(df["formula"] & calculated & df["expected"].notna() & ~df["agrees"])

    @cell_check
    def result_not_calculated(cls, df: pd.DataFrame) -> Series[bool]:
        """A result was calculated before the file was saved: it holds a value, and not the
        #NAME? of a program that did not know the renewal functions (Excel without the
        add-in, LibreOffice, WPS)."""
        return ~(df["formula"] & (df["value"].isna() | df["value"].eq(NAME_ERROR)) & df["expected"].notna())


class DeclaredPattern(Cells):
    """The declared pattern (in_pattern) of each computed project, with its fit score."""

    score: Series[float]
    applicable: Series[bool]
    best: Series[str]
    threshold: Series[float]

    @cell_check
    def pattern_not_applicable(cls, df: pd.DataFrame) -> Series[bool]:
        """The site suits the declared pattern (renewal.fit)."""
        return df["applicable"]


class FinancingResults(Cells):
    """Each computed project's financing at its result cells (``number``: the value as a number):
    the sources total (res_sources_total) with ``has_sources`` (tblFinancing has a row),
    ``uses`` (the renovation cost) and their ``difference``; the DSCR of every year with debt
    service (res_min_dscr, a row per ``year``: the ``ratio``, also as ``dscr`` text, of the
    operating ``surplus`` to the debt ``service``); the special bonds' coverage ratio
    (res_coverage_ratio) with the project's ``minimum`` and its source."""

    number: Series[float] = pa.Field(nullable=True)
    has_sources: Series[bool]
    uses: Series[float] = pa.Field(nullable=True)
    difference: Series[float] = pa.Field(nullable=True)
    year: Series[float] = pa.Field(nullable=True)
    ratio: Series[float] = pa.Field(nullable=True)
    dscr: Series[str] = pa.Field(nullable=True)
    surplus: Series[float] = pa.Field(nullable=True)
    service: Series[float] = pa.Field(nullable=True)
    minimum: Series[float] = pa.Field(nullable=True)
    source_zh: Series[str] = pa.Field(nullable=True)
    source_en: Series[str] = pa.Field(nullable=True)

    @cell_check
    def sources_uses_mismatch(cls, df: pd.DataFrame) -> Series[bool]:
        """The sources add up to the uses (the renovation cost) within the tolerance of
        renewal/data/financing.toml."""
        return ~(df["field"].eq("res_sources_total") & df["has_sources"]
                 & (df["difference"].abs() > sources_uses_tolerance()))

    @cell_check
    def dscr_below_one(cls, df: pd.DataFrame) -> Series[bool]:
        """Each year's operating surplus covers its debt service, DSCR >= 1 (one finding per
        project, at its first year short)."""
        return ~first_of_each_file(df, df["field"].eq("res_min_dscr") & (df["ratio"] < 1.0))

    @cell_check
    def coverage_below_minimum(cls, df: pd.DataFrame) -> Series[bool]:
        """The special bonds' coverage ratio reaches the project's minimum."""
        return ~(df["field"].eq("res_coverage_ratio") & (df["number"] < df["minimum"]))


@cache
def _placeholders(code: str) -> tuple[str, ...]:
    row = check_table()[code]
    names = {name for lang in ("zh", "en") for _, name, _, _ in string.Formatter().parse(row[lang])
             if name}
    return tuple(sorted(names - {"label", "value"}))


def findings_of(model: type[pa.DataFrameModel], frame: pd.DataFrame) -> list[Finding]:
    """Validate ``frame`` once (lazily: every failure) and make each failing cell a finding.

    A failure that is no check code (a missing column, a wrong dtype) is a bug
    in the batch, not in a workbook: it raises.
    """
    try:
        model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    else:
        return []
    cases = cases.assign(check=cases["check"].str.upper())
    unknown = set(cases["check"]) - set(check_table())
    if unknown:
        raise RuntimeError(f"{model.__name__}: schema failures that are no check code: "
                           f"{cases[cases['check'].isin(unknown)].head().to_dict('records')}")
    pairs = cases[["index", "check"]].drop_duplicates()
    rows = frame.loc[pairs["index"].to_numpy()]
    found = []
    for code, row in zip(pairs["check"], rows.to_dict("records"), strict=True):
        params = {name: row.get(name) for name in _placeholders(code)}
        found.append(Finding(row["file"], code, row["sheet"], row["cell"], row["field"],
                             row["value"], {k: _param(v) for k, v in params.items()}))
    return found


def _param(value: object) -> object:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else display(value)
