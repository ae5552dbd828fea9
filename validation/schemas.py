"""The rules, as pandera DataFrameModels over the whole folder's long frames.

Every frame has one row per cell (file, sheet, cell, field, value) plus the
columns :mod:`validation.checks` derives for its rules (the cell's number,
its field's kind and range, the row's kind, project totals...). Every check
is a method named after its check code in lower case (``not_a_number`` is
NOT_A_NUMBER in ``data/checks.toml``) and returns True for the cells that
pass, so each failing row is one finding at one cell. A rule lives here and
only here. (Method names rather than pandera's ``name=``: a subclass loses the
``name`` of the checks it inherits.)
"""

from __future__ import annotations

from functools import partial

import pandas as pd

from renewal.codes import city_codes, kind_codes, source_codes
from renewal.financing import repayment_methods, source_kinds
from renewal.fit import site_attribute_keys
from renewal.language import LANGS
from renewal.patterns import PATTERN_CODES
from validation.pandera_loader import Series, pa
from workbook_templates.contract import SUPPORTED_VERSIONS, TEMPLATE_ID

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

    ``cost_sum`` (on in_renovation_total), ``others`` (on in_project_id),
    ``share`` (on in_added_floor_area_m2, set where a policy cap is exceeded)
    and ``year`` (on in_pattern, set where a bulk lease's rent received falls
    below its rent paid) are empty on every other row.
    """

    cost_sum: Series[float] = pa.Field(nullable=True)
    others: Series[str] = pa.Field(nullable=True)
    share: Series[str] = pa.Field(nullable=True)
    year: Series[float] = pa.Field(nullable=True)

    @cell_check
    def renovation_total_mismatch(cls, df: pd.DataFrame) -> Series[bool]:
        """A stated renovation cost total equals the sum of the cost items (to 0.01)."""
        return ~((df["number"] - df["cost_sum"]).abs() > 0.005)

    @cell_check
    def duplicate_project_id(cls, df: pd.DataFrame) -> Series[bool]:
        """No project id appears in two files of the folder."""
        return df["others"].isna()

    @cell_check
    def policy_limit(cls, df: pd.DataFrame) -> Series[bool]:
        """Guangzhou: an EXPANSION_SALE adds at most 30% floor area (renewal.policy)."""
        return df["share"].isna()

    @cell_check
    def lease_rent_below_cost(cls, df: pd.DataFrame) -> Series[bool]:
        """A bulk lease receives more rent than it pays, every year."""
        return df["year"].isna()


class TableCells(TypedCells):
    """Cells of a used row of tblRenovation, tblOperation or tblSite.

    ``required``: the cell must be filled because its row is used (a renovation
    row's kind and amount, and its source when it is revenue; an operation
    row's kind; a site row's key). ``year``: the operation year of the cell
    (0 for other columns); ``horizon``: its project's horizon; ``first_row``:
    set on a site key already given in an earlier row of the same table.
    """

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
        """A site attribute is given once."""
        return df["first_row"].isna()


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
