"""Validate a whole folder at once: derive what the rules need, run each schema once,
turn every failing cell into a finding.

:func:`prepare` adds to the extracted long frames the columns the rules of
:mod:`validation.schemas` read (numbers, kinds, ranges, code lists, project
totals for the cross-field rules) and builds the wide project table (one row
per file, one typed column per Project field) that the model computes from.
:func:`input_findings` then validates every input frame with one pandera call
each; :func:`result_findings` does the same for the stated results and the
declared pattern, once the model has recomputed them.
"""

from __future__ import annotations

import dataclasses
import string
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from renewal.financing import debt_kinds
from renewal.fit import site_attributes
from renewal.language import message
from renewal.policy import added_floor_area_share, policy_breaches
from validation.extract import YEAR_COLUMNS, DateValue, ErrorValue
from validation.financing import CODED, DEBT_ONLY, NUMERIC
from validation.findings import Finding, check_table, display
from validation.pandera_loader import pa
from validation.schemas import (
    CODE_LISTS,
    NAME_ERROR,
    NUMERIC_KINDS,
    SITE_KINDS,
    DeclaredPattern,
    ProjectFields,
    StatedResults,
    TableCells,
    TemplateMeta,
)
from workbook_templates.contract import (
    EXCEL_CHECK_MISMATCH,
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
    first = given.groupby(["file", given["value"].astype(str)])["row"].transform("min")
    first_row = first.where(first != given["row"]).reindex(frame.index)
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


def _duplicate_ids(projects: pd.DataFrame) -> pd.DataFrame:
    """Per file whose project id another file also has, the other files."""
    ids = projects["project_id"].dropna()
    files_by_id = ids.index.to_series().groupby(ids).agg(list)
    others = [", ".join(f for f in files_by_id[pid] if f != file) for file, pid in ids.items()]
    return pd.DataFrame({"others": others}, index=ids.index).replace("", np.nan)


def _policy_breaches(projects: pd.DataFrame) -> pd.DataFrame:
    """Per file above a policy cap on added floor area (renewal.policy), the share and the policy."""
    sized = projects[(projects["floor_area_m2"] > 0) & projects["added_floor_area_m2"].notna()]
    shares = added_floor_area_share(sized["added_floor_area_m2"], sized["floor_area_m2"])
    breaches = policy_breaches(sized["pattern"].fillna("").tolist(), sized["city"].fillna("").tolist(),
                               {"added_floor_area_share": shares})
    return pd.DataFrame(
        [(sized.index[b.row], f"{b.value:.0%}", f"{b.limit.max:.0%}", b.limit.policy_zh, b.limit.policy_en)
         for b in breaches],
        columns=["file", "share", "limit", "policy_zh", "policy_en"]).drop_duplicates("file").set_index("file")


def _lease_gaps(operation: pd.DataFrame, projects: pd.DataFrame) -> pd.DataFrame:
    """Per bulk-lease file, the first year within the horizon whose revenue is below its cost."""
    amounts = operation[(operation["year"] > 0) & operation["number"].notna()
                        & operation["file"].isin(projects.index[projects["pattern"] == "BULK_LEASE"])]
    totals = amounts.pivot_table(index=["file", "year"], columns="row_kind", values="number",
                                 aggfunc="sum", fill_value=0.0).reindex(columns=["revenue", "cost"],
                                                                        fill_value=0.0).reset_index()
    totals = totals[(totals["revenue"] < totals["cost"])
                    & (totals["year"] <= totals["file"].map(projects["horizon"]))]
    first = totals.groupby("file").first()
    return pd.DataFrame({"year": first["year"].astype(float),
                         "revenue": first["revenue"].map(display), "cost": first["cost"].map(display)})


def _cross_field(fields: pd.DataFrame, renovation: pd.DataFrame, operation: pd.DataFrame,
                 projects: pd.DataFrame, tables: pd.DataFrame) -> pd.DataFrame:
    """The project-level facts of :class:`~validation.schemas.ProjectFields`, each on the
    row of the field its finding points at, empty on every other row."""
    text = pd.Series(np.nan, index=fields.index, dtype="str")
    out = fields.assign(cost_sum=np.nan, others=text, share=text, limit=text, policy_zh=text,
                        policy_en=text, year=np.nan, revenue=text, cost=text)
    with_table = pd.Index(tables.loc[tables["table"] == RENOVATION_TABLE.name, "file"])
    for field, facts in (("in_renovation_total", _cost_sums(renovation, projects.index, with_table)),
                         ("in_project_id", _duplicate_ids(projects)),
                         ("in_added_floor_area_m2", _policy_breaches(projects)),
                         ("in_pattern", _lease_gaps(operation, projects))):
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
    return Inputs(meta, _cross_field(fields, renovation, operation, projects, frames["tables"]), renovation,
                  operation, _site(frames["site"]), projects, _financing(frames["financing"]))


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


def input_findings(inputs: Inputs) -> list[Finding]:
    """Every finding about the folder's inputs: one pandera call per frame."""
    return [
        *findings_of(TemplateMeta, inputs.meta),
        *findings_of(ProjectFields, inputs.fields),
        *findings_of(TableCells, inputs.renovation),
        *findings_of(TableCells, inputs.operation),
        *findings_of(TableCells, inputs.site),
        *findings_of(TableCells, inputs.financing),
    ]


def agrees(values: Iterable[object], expected: Iterable[object]) -> list[bool]:
    """Whether each stated value equals the recomputed one: numbers to 1e-6 (relative and
    absolute), text and error values (#N/A, #NUM!) exactly.

    >>> agrees([316.70000001, "#N/A", 1.0, "x"], [316.7, "#N/A", "#N/A", "x "])
    [True, True, False, False]
    """
    stated, wanted = list(values), list(expected)
    numeric = np.array([isinstance(v, (int, float)) and not isinstance(v, bool) and isinstance(w, float)
                        for v, w in zip(stated, wanted, strict=True)], dtype=bool)
    out = np.array([v == w for v, w in zip(stated, wanted, strict=True)], dtype=bool)
    if numeric.any():
        a = np.array([stated[i] for i in np.flatnonzero(numeric)], dtype=float)
        b = np.array([wanted[i] for i in np.flatnonzero(numeric)], dtype=float)
        out[numeric] = np.isclose(a, b, rtol=1e-6, atol=1e-6)
    return out.tolist()


def result_findings(results: pd.DataFrame, expected: pd.DataFrame, fit: pd.DataFrame) -> list[Finding]:
    """Findings about stated results (typed over, stale, not calculated) and declared patterns.

    A result spanning cells (the row of operating surpluses) gets one finding
    per check, at its first cell that fails. ``expected``: (file, field, year) ->
    the recomputed value, for computed projects; ``fit``: the declared-pattern rows
    of :class:`~validation.schemas.DeclaredPattern`.
    """
    stated = results.merge(expected, on=["file", "field", "year"], how="left")
    stated["expected"] = stated["expected"].astype(object).where(stated["expected"].notna(), None)
    stated["agrees"] = pd.Series(agrees(stated["value"], stated["expected"]), index=stated.index,
                                 dtype=bool)
    first: dict[tuple[str, str | None, str], Finding] = {}
    not_calculated: dict[str, list[Finding]] = {}
    for found in sorted(findings_of(StatedResults, stated), key=Finding.sort_key):
        if found.code == "RESULT_NOT_CALCULATED":
            not_calculated.setdefault(found.file, []).append(found)
        else:
            first.setdefault((found.file, found.field, found.code), found)
    return [*first.values(), *(_not_calculated(cells) for cells in not_calculated.values()),
            *findings_of(DeclaredPattern, fit)]


def _not_calculated(cells: list[Finding]) -> Finding:
    """One note for a file whose results were never calculated, at its first such cell: how
    many cells, and why (functions not loaded: #NAME?; or no cached value at all)."""
    unknown = any(f.value == NAME_ERROR for f in cells)
    how = "functions" if unknown else "no_value"
    return dataclasses.replace(cells[0], value=None, params={
        "count": len(cells),
        "how_zh": message("not_calculated", how, "zh", package="validation"),
        "how_en": message("not_calculated", how, "en", package="validation")})


def _result_cells(results: pd.DataFrame, field: str) -> pd.DataFrame:
    """The single-cell result ``field`` of every file: file (index), sheet, cell, value."""
    return results[(results["field"] == field) & (results["year"] == 0)].set_index("file")


def irr_findings(results: pd.DataFrame, files: Iterable[str], irrs: list[list[float]],
                 npv: np.ndarray, mirr: np.ndarray) -> list[Finding]:
    """IRR_AMBIGUOUS at the IRR cell of every computed project with more than one IRR.

    ``irrs``, ``npv`` and ``mirr``: the model's, in the order of ``files``.
    """
    cells = _result_cells(results, "res_irr")
    found = []
    for file, rates, value, modified in zip(files, irrs, npv, mirr, strict=True):
        if len(rates) < 2 or file not in cells.index:
            continue
        at = cells.loc[file]
        found.append(Finding(file, "IRR_AMBIGUOUS", at["sheet"], at["cell"], "res_irr", at["value"], {
            "irrs": ", ".join(f"{r:.2%}" for r in rates), "npv": display(round(float(value), 2)),
            "mirr": "#DIV/0!" if np.isnan(modified) else f"{modified:.2%}"}))
    return found


def excel_check_findings(results: pd.DataFrame) -> list[Finding]:
    """EXCEL_CHECK_MISMATCH where a workbook's own check cell (``res_excel_check``) says the
    add-in and Excel's own functions differed when it was last calculated."""
    cells = _result_cells(results, "res_excel_check")
    said = cells[cells["value"].map(lambda v: isinstance(v, str) and v.startswith(EXCEL_CHECK_MISMATCH))]
    return [Finding(file, "EXCEL_CHECK_MISMATCH", row["sheet"], row["cell"], "res_excel_check", row["value"])
            for file, row in said.iterrows()]
