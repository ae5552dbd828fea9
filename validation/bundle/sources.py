"""What ``renewal bundle`` plans from: projects' ids, NPVs and districts, read from a SOURCE.

A SOURCE is one of

* a portfolio workbook (template ``renewal_portfolio``): each project's NPV is
  computed by the model from its So, Sk, horizon and discount rate (the
  ``pf_*`` names of the template contract), so a workbook saved without
  calculated values plans the same;
* a batch report folder: its ``results.json``, the projects of files whose
  status is ``ok`` only, with the NPV the batch computed;
* a CSV with the columns ``project_id,npv[,district]`` (UTF-8, a BOM allowed).

``rate`` recomputes every NPV at one rate (sources with cash flows only).
Anything unusable raises :class:`BundleSourceError` with a message in the
user's language; nothing here prints or exits.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from openpyxl import Workbook

from renewal import cashflow
from renewal.errors import RenewalInputError
from renewal.language import check_lang, load_data
from workbook_templates.contract import PORTFOLIO_BUNDLE_NAMES

WORKBOOKS = (".xlsx", ".xlsm")
CSV_COLUMNS = ("project_id", "npv")


def text(section: str, key: str, lang: str, **fields: object) -> str:
    """A text of ``data/bundle.toml`` in ``lang``, placeholders filled from ``fields``."""
    return load_data("validation", "bundle.toml")[section][key][check_lang(lang)].format(**fields)


class BundleSourceError(Exception):
    """The source cannot be planned from: the message says why, in the user's language."""


@dataclass(frozen=True)
class Projects:
    """The projects to plan: ids, NPVs (at the appraisal rate, or at ``rate``) and districts."""

    source: str
    ids: tuple[str, ...]
    npv: np.ndarray
    districts: tuple[str, ...]


def _number(value: object, path: Path, row: int, column: str, lang: str) -> float:
    try:
        number = float(value) if isinstance(value, int | float | str) and not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise BundleSourceError(text("error", "not_a_number", lang, path=path, row=row, column=column, value=value))
    return number


def _projects(path: Path, rows: Sequence[tuple[int, object, float, object]], lang: str) -> Projects:
    """Projects from (row, id, npv, district) rows: ids must be present and unique."""
    if not rows:
        raise BundleSourceError(text("error", "no_projects", lang, path=path))
    seen: dict[str, list[int]] = {}
    for row, pid, _, _ in rows:
        key = "" if pid is None else str(pid).strip()
        if not key:
            raise BundleSourceError(text("error", "empty_id", lang, path=path, row=row))
        seen.setdefault(key, []).append(row)
    for key, where in seen.items():
        if len(where) > 1:
            raise BundleSourceError(text("error", "duplicate_id", lang, path=path, id=key,
                                         rows=", ".join(map(str, where))))
    return Projects(str(path), tuple(str(r[1]).strip() for r in rows), np.array([r[2] for r in rows]),
                    tuple("" if r[3] is None else str(r[3]).strip() for r in rows))


def read_csv(path: Path, lang: str) -> Projects:
    """Projects of a CSV ``project_id,npv[,district]`` (rows numbered as a spreadsheet shows them)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            columns = [c.strip() for c in reader.fieldnames or ()]
            for column in CSV_COLUMNS:
                if column not in columns:
                    raise BundleSourceError(text("error", "missing_column", lang, path=path, column=column))
            records = [{(k or "").strip(): v for k, v in r.items()} for r in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise BundleSourceError(text("error", "unreadable", lang, path=path, reason=exc)) from exc
    rows = [(i, r.get("project_id"), _number(r.get("npv"), path, i, "npv", lang), r.get("district"))
            for i, r in enumerate(records, start=2)]
    return _projects(path, rows, lang)


def _at_rate(rate: float | None, so: np.ndarray, sk: np.ndarray, horizon: np.ndarray,
             own_rate: np.ndarray) -> np.ndarray:
    return np.atleast_1d(cashflow.npv(own_rate if rate is None else rate, so, sk, horizon))


def read_report(folder: Path, rate: float | None, lang: str) -> Projects:
    """Projects of a batch report's results.json: files with status ``ok``."""
    path = folder / "results.json"
    try:
        document = json.loads(path.read_text("utf-8"))
        records = [f["results"] for f in document["files"] if f.get("status") == "ok" and f.get("results")]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BundleSourceError(text("error", "unreadable", lang, path=path, reason=exc)) from exc
    npv = np.array([float(r["npv"]) for r in records])
    if rate is not None and records:
        horizon = np.array([len(r["operating_surpluses"]) for r in records])
        sk = np.zeros((len(records), int(horizon.max())))
        for i, r in enumerate(records):
            sk[i, : horizon[i]] = r["operating_surpluses"]
        so = np.array([float(r["renovation_surplus"]) for r in records])
        npv = _at_rate(rate, so, sk, horizon, np.zeros(len(records)))
    rows = [(i, r.get("project_id"), float(npv[i - 1]), r.get("district"))
            for i, r in enumerate(records, start=1)]
    return _projects(path, rows, lang)


def _named(book: Workbook, name: str, path: Path, lang: str) -> tuple[int, list[list[object]]]:
    """The first sheet row of a defined name's range, and its values row by row."""
    from openpyxl.worksheet.cell_range import CellRange

    defined = book.defined_names.get(name)
    if defined is None:
        raise BundleSourceError(text("error", "missing_name", lang, path=path, name=name))
    sheet, ref = next(iter(defined.destinations))
    area = CellRange(ref.replace("$", ""))
    rows = book[sheet].iter_rows(min_row=area.min_row, max_row=area.max_row,
                                 min_col=area.min_col, max_col=area.max_col, values_only=True)
    return area.min_row, [list(row) for row in rows]


def read_portfolio(path: Path, rate: float | None, lang: str) -> Projects:
    """Projects of a portfolio workbook (rows with a project id), NPVs computed from its inputs."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise BundleSourceError(text("error", "unreadable", lang, path=path, reason=exc)) from exc
    first, _ = _named(book, "pf_id", path, lang)
    grids = {name: _named(book, name, path, lang)[1] for name in PORTFOLIO_BUNDLE_NAMES}
    filled = [i for i, row in enumerate(grids["pf_id"]) if row[0] is not None and str(row[0]).strip()]
    if not filled:
        raise BundleSourceError(text("error", "no_projects", lang, path=path))

    def numbers(name: str, i: int, empty: float | None = None) -> list[float]:
        return [empty if v is None and empty is not None else _number(v, path, first + i, name, lang)
                for v in grids[name][i]]

    so, horizon, own_rate = ([numbers(name, i)[0] for i in filled]
                             for name in ("pf_so", "pf_horizon", "pf_discount_rate"))
    sk = np.array([numbers("pf_sk", i, 0.0) for i in filled], dtype=float)
    try:
        npv = _at_rate(rate, np.array(so), sk, np.array(horizon), np.array(own_rate))
    except RenewalInputError as exc:
        raise BundleSourceError(text("error", "unreadable", lang, path=path, reason=exc)) from exc
    rows = [(first + i, grids["pf_id"][i][0], float(npv[j]), grids["pf_district"][i][0])
            for j, i in enumerate(filled)]
    return _projects(path, rows, lang)


def read_source(source: str | Path, rate: float | None, lang: str) -> Projects:
    """The projects of SOURCE: a portfolio workbook, a batch report folder or a CSV."""
    path = Path(source)
    if not path.exists():
        raise BundleSourceError(text("error", "no_source", lang, path=path))
    if path.is_dir() and (path / "results.json").is_file():
        return read_report(path, rate, lang)
    if path.is_file() and path.suffix.lower() == ".csv":
        if rate is not None:
            raise BundleSourceError(text("error", "rate_needs_flows", lang))
        return read_csv(path, lang)
    if path.is_file() and path.suffix.lower() in WORKBOOKS:
        return read_portfolio(path, rate, lang)
    raise BundleSourceError(text("error", "unknown_source", lang, path=path))
