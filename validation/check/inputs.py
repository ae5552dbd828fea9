"""Validate a whole folder at once: derive what the rules need, run each schema once,
turn every failing cell into a finding.

:func:`prepare` adds to the extracted long frames the columns the rules of
:mod:`validation.check.schemas` read (numbers, kinds, ranges, code lists, project
totals for the cross-field rules, a bulk lease's yearly totals) and builds the wide
project table (one row per file, one typed column per Project field) that the model
computes from. It derives facts only: whether a cell passes is decided by a check of
:mod:`validation.check.schemas`, never here.
:func:`input_findings` then validates every input frame with one pandera call
each (:func:`validation.check.schemas.findings_of`); :mod:`validation.check.compare`
does the same for the stated results once the model has recomputed them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from renewal.financing import debt_kinds
from renewal.fit import site_attributes
from renewal.policy import added_floor_area_share, policy_limits
from validation.check.financing import CODED, DEBT_ONLY, NUMERIC
from validation.check.findings import Finding, display
from validation.check.schemas import (
    CODE_LISTS,
    NUMERIC_KINDS,
    SITE_KINDS,
    LeaseYears,
    ProjectFields,
    TableCells,
    TemplateMeta,
    findings_of,
)
from validation.read.extract import YEAR_COLUMNS, DateValue, ErrorValue
from workbook_templates.contract import (
    PROJECT_FIELDS,
    RENOVATION_TABLE,
    SUPPORTED_VERSIONS,
    TEMPLATE_ID,
)


def numbers(values: pd.Series) -> pd.Series:
    """The number each cell holds (TRUE/FALSE, text and dates are not numbers), else NaN.

    >>> numbers(pd.Series([1.5, "2", True, None], dtype=object)).tolist()
    [1.5, nan, nan, nan]
    """
    kinds = values.map(type, na_action=None)
    plain = kinds.isin([int, float]).to_numpy()
    out = np.full(len(values), np.nan)
    out[plain] = values.to_numpy()[plain].astype(float)
    return pd.Series(out, index=values.index, dtype=float)


def range_text(minimum: float, maximum: float) -> str | None:
    """An allowed range as the messages show it.

    >>> range_text(1, 50), range_text(0, float("nan")), range_text(float("nan"), float("nan"))
    ('[1, 50]', '≥ 0', None)
    """
    low, high = (None if pd.isna(v) else display(v) for v in (minimum, maximum))
    if low is not None and high is not None:
        return f"[{low}, {high}]"
    if low is not None:
        return f"≥ {low}"
    return None if high is None else f"≤ {high}"


def _range_texts(minimum: pd.Series, maximum: pd.Series) -> list[str | None]:
    """:func:`range_text` of every row, formatted once per distinct range."""
    ranges = pd.DataFrame({"low": minimum.to_numpy(dtype=float), "high": maximum.to_numpy(dtype=float)})
    groups = ranges.groupby(["low", "high"], dropna=False, sort=False)  # numbered in order of appearance
    texts = [range_text(low, high) for low, high in groups.head(1).itertuples(index=False)]
    return [texts[i] for i in groups.ngroup().tolist()]


EXPECTED_CODES = {name: ", ".join(codes) for name, codes in CODE_LISTS.items()}
"""The codes a coded cell may hold, as its message lists them, by code list."""


def _typed(frame: pd.DataFrame, *, required: pd.Series, numeric: pd.Series, whole: pd.Series,
           codes: pd.Series, minimum: pd.Series, maximum: pd.Series) -> pd.DataFrame:
    """``frame`` with the columns of :class:`~validation.schemas.TypedCells`, plus the
    ``range`` and ``expected`` texts its messages show."""
    kinds = frame["value"].map(type, na_action=None)
    out = frame.assign(required=required.astype(bool), number=numbers(frame["value"]),
                       error=kinds.eq(ErrorValue), date=kinds.eq(DateValue),
                       numeric=numeric.astype(bool),
                       whole=whole.astype(bool), codes=codes.astype(object),
                       minimum=minimum.astype(float), maximum=maximum.astype(float))
    out["range"] = _range_texts(out["minimum"], out["maximum"])
    out["expected"] = out["codes"].map(EXPECTED_CODES)
    out["codes"] = out["codes"].astype("str")
    return out


@cache
def _field_table() -> pd.DataFrame:
    return pd.DataFrame(
        [(f.defined_name, f.name, f.kind, f.required, f.codes, f.minimum, f.maximum)
         for f in PROJECT_FIELDS],
        columns=["field", "name", "kind", "required", "list", "low", "high"]).set_index("field")


def _text(value: object) -> str | None:
    return None if value is None else display(value)


@dataclass(frozen=True)
class Inputs:
    """The folder's prepared input frames and its project table (index: file)."""

    meta: pd.DataFrame
    fields: pd.DataFrame
    renovation: pd.DataFrame
    operation: pd.DataFrame
    site: pd.DataFrame
    projects: pd.DataFrame
    financing: pd.DataFrame
    leases: pd.DataFrame


def project_table(fields: pd.DataFrame) -> pd.DataFrame:
    """One row per file, a column per Project field (without ``in_``): numbers for numeric
    fields, text for the others, missing where the cell is empty or not a number."""
    spec = _field_table()
    cells = fields.join(spec[["name", "kind"]], on="field")
    cells["text"] = cells["value"].map(_text)
    number = cells.pivot(index="file", columns="name", values="number")
    text = cells.pivot(index="file", columns="name", values="text")
    table = pd.DataFrame(index=pd.Index(sorted(cells["file"].unique()), name="file"))
    for name, kind in zip(spec["name"], spec["kind"], strict=True):
        source = number if kind in NUMERIC_KINDS else text
        table[name] = source.get(name, np.nan)
    return table


def _table_typed(frame: pd.DataFrame, *, required: pd.Series, numeric: pd.Series, whole: pd.Series,
                 codes: pd.Series, minimum: pd.Series, maximum: pd.Series, year: pd.Series | int = 0,
                 horizon: pd.Series | float = np.nan, first_row: pd.Series | float = np.nan) -> pd.DataFrame:
    out = _typed(frame, required=required, numeric=numeric, whole=whole, codes=codes,
                 minimum=minimum, maximum=maximum)
    return out.assign(year=year, horizon=horizon, first_row=first_row)


def _row_value(frame: pd.DataFrame, column: str) -> pd.Series:
    """For every cell, the value in ``column`` of the same table row."""
    own = frame[frame["column"] == column].set_index(["file", "row"])["value"]
    keys = pd.MultiIndex.from_frame(frame[["file", "row"]])
    return pd.Series(own.reindex(keys).to_numpy(), index=frame.index, dtype=object)


def _renovation(frame: pd.DataFrame) -> pd.DataFrame:
    column = frame["column"]
    amount = column == "amount"
    revenue_row = _row_value(frame, "kind") == "revenue"
    return _table_typed(
        frame, numeric=amount, whole=pd.Series(False, frame.index),
        codes=column.where(column.isin(["kind", "source"])),
        minimum=amount.map({True: 0.0, False: np.nan}), maximum=pd.Series(np.nan, frame.index),
        required=column.isin(["kind", "amount"]) | ((column == "source") & revenue_row),
    ).assign(row_kind=_row_value(frame, "kind"))


def _operation(frame: pd.DataFrame, projects: pd.DataFrame) -> pd.DataFrame:
    column = frame["column"]
    year = column.map({name: k for k, name in enumerate(YEAR_COLUMNS, 1)}).fillna(0).astype(int)
    amounts = year > 0
    return _table_typed(
        frame, numeric=amounts, whole=pd.Series(False, frame.index), codes=column.where(column == "kind"),
        minimum=amounts.map({True: 0.0, False: np.nan}), maximum=pd.Series(np.nan, frame.index),
        required=column == "kind", year=year,
        horizon=frame["file"].map(projects["horizon"]).astype(float),
    ).assign(row_kind=_row_value(frame, "kind"))


def _site(frame: pd.DataFrame) -> pd.DataFrame:
    column = frame["column"]
    is_value = column == "value"
    kinds = _row_value(frame, "key").map({key: a.get("kind") for key, a in site_attributes().items()})
    low, high, whole = ({kind: limits[i] for kind, limits in SITE_KINDS.items()} for i in range(3))
    keys = frame[column == "key"]
    given = keys[keys["value"].notna()]
    first_row = given.groupby(["file", given["value"].astype(str)])["row"].transform("min").reindex(frame.index)
    return _table_typed(
        frame, numeric=is_value, whole=is_value & kinds.map(whole).fillna(False).astype(bool),
        codes=column.where(column == "key"),
        minimum=kinds.map(low).where(is_value).astype(float),
        maximum=kinds.map(high).where(is_value).astype(float),
        required=column == "key", first_row=first_row.astype(float),
    )


def _financing(frame: pd.DataFrame) -> pd.DataFrame:
    """tblFinancing: a used row needs its kind and amount, a loan or bond row also its rate and term."""
    column = frame["column"]
    spec = pd.DataFrame(NUMERIC, index=["low", "high", "whole"]).T.reindex(column.to_numpy())
    debt_row = _row_value(frame, "kind").isin(debt_kinds())
    return _table_typed(
        frame, numeric=column.isin(list(NUMERIC)),
        whole=pd.Series(spec["whole"].fillna(False).to_numpy(dtype=bool), frame.index),
        codes=column.map(CODED), minimum=pd.Series(spec["low"].to_numpy(dtype=float), frame.index),
        maximum=pd.Series(spec["high"].to_numpy(dtype=float), frame.index),
        required=column.isin(["kind", "amount"]) | (column.isin(DEBT_ONLY) & debt_row),
    ).assign(row_kind=_row_value(frame, "kind"))


def _cost_sums(renovation: pd.DataFrame, files: pd.Index, with_table: pd.Index) -> pd.DataFrame:
    """Per file, the sum of the renovation cost items: 0 without any, NaN if one is no number
    or the file's renovation table could not be read (its own finding says why)."""
    costs = renovation[(renovation["column"] == "amount") & (renovation["row_kind"] == "cost")]
    by_file = costs.groupby("file")["number"]
    sums = by_file.sum().where(by_file.count() == by_file.size())
    sums = sums.reindex(files, fill_value=0.0).where(files.isin(with_table))
    return pd.DataFrame({"cost_sum": sums})


def _same_ids(projects: pd.DataFrame) -> pd.DataFrame:
    """Per file with a project id, the other files of the folder with the same id ("" if none)."""
    ids = projects["project_id"].dropna()
    files_by_id = ids.index.to_series().groupby(ids).agg(list)
    others = [", ".join(f for f in files_by_id[pid] if f != file) for file, pid in ids.items()]
    return pd.DataFrame({"others": others}, index=ids.index)


def _floor_area_caps(projects: pd.DataFrame) -> pd.DataFrame:
    """Per file with both floor areas, the added floor area's share of the existing one and, where
    a policy limit (renewal.policy) caps it for the project's pattern and city, the cap and the
    policy cited; the shares and caps also as the message shows them."""
    sized = projects[(projects["floor_area_m2"] > 0) & projects["added_floor_area_m2"].notna()]
    shares = added_floor_area_share(sized["added_floor_area_m2"], sized["floor_area_m2"])
    caps = {(limit.pattern, city): limit for limit in reversed(policy_limits())
            if limit.quantity == "added_floor_area_share" for city in limit.cities}
    found = [caps.get((pattern, city)) for pattern, city in zip(sized["pattern"], sized["city"], strict=True)]
    return pd.DataFrame({
        "added_share": shares, "cap": [np.nan if c is None else c.max for c in found],
        "share": [f"{v:.0%}" for v in shares], "limit": [np.nan if c is None else f"{c.max:.0%}" for c in found],
        "policy_zh": [np.nan if c is None else c.policy_zh for c in found],
        "policy_en": [np.nan if c is None else c.policy_en for c in found]}, index=sized.index)


def lease_years(fields: pd.DataFrame, operation: pd.DataFrame, projects: pd.DataFrame) -> pd.DataFrame:
    """The rows of :class:`~validation.check.schemas.LeaseYears`: for every bulk lease, each year
    with amounts, its revenue and cost in total and the project's horizon, at the declared
    pattern's cell (in_pattern)."""
    amounts = operation[(operation["year"] > 0) & operation["number"].notna()
                        & operation["file"].isin(projects.index[projects["pattern"] == "BULK_LEASE"])]
    totals = amounts.pivot_table(index=["file", "year"], columns="row_kind", values="number",
                                 aggfunc="sum", fill_value=0.0).reindex(columns=["revenue", "cost"],
                                                                        fill_value=0.0).reset_index()
    pattern = fields.loc[fields["field"] == "in_pattern", ["file", "sheet", "cell", "field", "value"]]
    years = pattern.merge(totals, on="file").sort_values(["file", "year"], kind="stable")
    years["horizon"] = years["file"].map(projects["horizon"]).astype(float)
    return years.astype({"year": "int64", "revenue": float, "cost": float}).reset_index(drop=True)


def _cross_field(fields: pd.DataFrame, renovation: pd.DataFrame, projects: pd.DataFrame,
                 tables: pd.DataFrame) -> pd.DataFrame:
    """The project-level facts of :class:`~validation.schemas.ProjectFields`, each on the
    row of the field its finding points at, empty on every other row."""
    text = pd.Series(np.nan, index=fields.index, dtype="str")
    out = fields.assign(cost_sum=np.nan, others=text, added_share=np.nan, cap=np.nan, share=text, limit=text,
                        policy_zh=text, policy_en=text)
    with_table = pd.Index(tables.loc[tables["table"] == RENOVATION_TABLE.name, "file"])
    for field, facts in (("in_renovation_total", _cost_sums(renovation, projects.index, with_table)),
                         ("in_project_id", _same_ids(projects)),
                         ("in_added_floor_area_m2", _floor_area_caps(projects))):
        rows = out["field"] == field
        for column in facts:
            out.loc[rows, column] = out.loc[rows, "file"].map(facts[column]).astype(out[column].dtype)
    return out


def prepare(frames: dict[str, pd.DataFrame]) -> Inputs:
    """The input frames with the columns their schemas read, and the project table."""
    spec = _field_table()
    raw = frames["fields"]
    info = spec.reindex(raw["field"].to_numpy())
    fields = _typed(raw, required=pd.Series(info["required"].fillna(False).to_numpy(dtype=bool), raw.index),
                    numeric=pd.Series(info["kind"].isin(NUMERIC_KINDS).to_numpy(), raw.index),
                    whole=pd.Series((info["kind"] == "integer").to_numpy(), raw.index),
                    codes=pd.Series(info["list"].to_numpy(), raw.index),
                    minimum=pd.Series(info["low"].to_numpy(dtype=float), raw.index),
                    maximum=pd.Series(info["high"].to_numpy(dtype=float), raw.index))
    projects = project_table(fields)
    renovation = _renovation(frames["renovation"])
    operation = _operation(frames["operation"], projects)
    meta = frames["meta"].assign(expected=frames["meta"]["field"].map(
        {"meta_template_id": TEMPLATE_ID, "meta_template_version": ", ".join(SUPPORTED_VERSIONS)}))
    return Inputs(meta, _cross_field(fields, renovation, projects, frames["tables"]), renovation,
                  operation, _site(frames["site"]), projects, _financing(frames["financing"]),
                  lease_years(fields, operation, projects))


def input_findings(inputs: Inputs) -> list[Finding]:
    """Every finding about the folder's inputs: one pandera call per frame."""
    return [
        *findings_of(TemplateMeta, inputs.meta),
        *findings_of(ProjectFields, inputs.fields),
        *findings_of(TableCells, inputs.renovation),
        *findings_of(TableCells, inputs.operation),
        *findings_of(TableCells, inputs.site),
        *findings_of(TableCells, inputs.financing),
        *findings_of(LeaseYears, inputs.leases),
    ]
