"""``renewal bundle SOURCE --out PLAN``: plan district packages and write plan.json and plan.xlsx.

The projects come from :mod:`validation.bundle.sources`; the plan from
:func:`renewal.bundling.plan_bundles`. PLAN is replaced as a whole, like the
batch's report folder (:mod:`validation.report.atomic`): a run that dies leaves the
previous plan whole. Bad input or options print one clear line and exit 2.

plan.json::

    {"packages": [{"package", "district", "projects": [ids], "npv", "subsidy"}],
     "total_subsidy", "baselines": {"no_bundling", "one_package_per_district"},
     "optimal", "gap", "lower_bound", "bundled_projects", "max_size", "rate", "source",
     "projects": [{"project_id", "district", "npv", "package"}]}

plan.xlsx: sheets Packages, Projects and Baselines (bilingual headers), and a
chart of the subsidy needed without bundling, with this plan and with one
package per district.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import TypedDict

from renewal.bundling import DEFAULT_TIME_LIMIT, BundlePlan, plan_bundles
from renewal.errors import RenewalInputError
from renewal.language import Text
from validation.bundle.sources import BundleSourceError, Projects, read_source, text
from validation.report.atomic import ReportFolderError, replace_folder
from validation.report.results import layout

PLAN_FILES = ("plan.json", "plan.xlsx")


class PackageEntry(TypedDict):
    """One planned package: its number (1..P), district, project ids, NPV and subsidy."""

    package: int
    district: str
    projects: list[str]
    npv: float
    subsidy: float


class Baselines(TypedDict):
    """The subsidy needed without bundling, and with one package per district."""

    no_bundling: float
    one_package_per_district: float


class ProjectEntry(TypedDict):
    """One project and the package it is in."""

    project_id: str
    district: str
    npv: float
    package: int


class PlanDocument(TypedDict):
    """plan.json."""

    packages: list[PackageEntry]
    total_subsidy: float
    baselines: Baselines
    optimal: bool
    gap: float
    lower_bound: float
    bundled_projects: int
    max_size: int | None
    rate: float | None
    source: str
    projects: list[ProjectEntry]


def plan_document(projects: Projects, plan: BundlePlan, max_size: int | None, rate: float | None) -> PlanDocument:
    """plan.json's content."""
    ids = projects.ids
    return {
        "packages": [{"package": p + 1, "district": plan.package_district[p],
                      "projects": [ids[i] for i in rows.tolist()], "npv": float(plan.package_npv[p]),
                      "subsidy": float(plan.package_subsidy[p])} for p, rows in enumerate(plan.members)],
        "total_subsidy": plan.total_subsidy,
        "baselines": {"no_bundling": plan.no_bundling, "one_package_per_district": plan.district_bound},
        "optimal": plan.optimal,
        "gap": plan.gap,
        "lower_bound": plan.lower_bound,
        "bundled_projects": plan.bundled_projects,
        "max_size": max_size,
        "rate": rate,
        "source": projects.source,
        "projects": [{"project_id": pid, "district": projects.districts[i], "npv": float(projects.npv[i]),
                      "package": int(plan.package[i])} for i, pid in enumerate(ids)],
    }


def _label(key: str, lang: str) -> str:
    return text("label", key, lang)


def _both(key: str) -> str:
    return Text(text("label", key, "zh"), text("label", key, "en")).both()


def write_xlsx(document: PlanDocument, path: Path, lang: str) -> None:
    """plan.xlsx: packages, projects and baselines with bilingual headers, and a chart."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference

    from validation.report.xlsx import MONEY, _sheet

    wb = Workbook(write_only=True)
    _sheet(wb.create_sheet("Packages"), [_both(k) for k in ("package", "district", "size", "projects",
                                                            "package_npv", "package_subsidy")],
           ([p["package"], p["district"], len(p["projects"]), ", ".join(p["projects"]), p["npv"], p["subsidy"]]
            for p in document["packages"]),
           [10, 20, 10, 60, 16, 16], formats=(None, None, None, None, MONEY, MONEY))
    subsidy = {p["package"]: p["subsidy"] for p in document["packages"]}
    _sheet(wb.create_sheet("Projects"), [_both(k) for k in ("project_id", "district", "npv", "package",
                                                            "package_subsidy")],
           ([p["project_id"], p["district"], p["npv"], p["package"], subsidy[p["package"]]]
            for p in document["projects"]),
           [24, 20, 16, 10, 16], formats=(None, None, MONEY, None, MONEY))
    yes_no = {True: _label("yes", lang), False: _label("no", lang)}
    rows = [
        (_both("no_bundling"), document["baselines"]["no_bundling"]),
        (_both("this_plan"), document["total_subsidy"]),
        (_both("one_package_per_district"), document["baselines"]["one_package_per_district"]),
        (_both("lower_bound"), document["lower_bound"]),
        (_both("optimal"), yes_no[document["optimal"]]),
        (_both("gap"), f"{document['gap']:.4%}"),
        (_both("bundled_projects"), str(document["bundled_projects"])),
        (_both("max_size"), str(document["max_size"] or text("cli", "unlimited", lang))),
        (_both("rate"), _label("appraisal_rate", lang) if document["rate"] is None else f"{document['rate']:.2%}"),
        (_both("source"), document["source"]),
        (_label("money_note", lang), None),
    ]
    ws = wb.create_sheet("Baselines")
    _sheet(ws, [_both("measure"), _both("value")], rows, [56, 40], formats=(None, MONEY))
    chart = BarChart()
    chart.type, chart.title, chart.legend = "bar", _label("chart", lang), None
    chart.add_data(Reference(ws, min_col=2, min_row=2, max_row=4), titles_from_data=False)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=4))
    chart.y_axis.title = _label("subsidy", lang)
    chart.y_axis.numFmt = "#,##0"
    chart.y_axis.delete = chart.x_axis.delete = False
    chart.width, chart.height = 24, 7
    ws.add_chart(chart, "D2")
    wb.save(path)


def _write(folder: Path, document: PlanDocument, lang: str) -> None:
    (folder / "plan.json").write_text(layout(document) + "\n", encoding="utf-8")
    write_xlsx(document, folder / "plan.xlsx", lang)


def _option(value: str | None, option: str, what: str, lang: str, check: type[int] | type[float]) -> float | None:
    """An option's number, or a BundleSourceError naming the option."""
    if value is None:
        return None
    try:
        number = check(value)
    except ValueError:
        number = None
    valid = {"whole_number": lambda x: x >= 1, "positive_seconds": lambda x: x > 0, "rate": lambda x: x > -1}
    if number is None or not math.isfinite(number) or not valid[what](number):
        raise BundleSourceError(text("error", "bad_option", lang, option=option, value=value,
                                     what=text("error", what, lang)))
    return number


def command(args: argparse.Namespace) -> int:
    """Plan the packages of SOURCE into PLAN: exit 0, or 2 when the run cannot proceed."""
    lang = args.lang
    try:
        max_size = _option(args.max_size, "--max-size", "whole_number", lang, int)
        time_limit = _option(args.time_limit, "--time-limit", "positive_seconds", lang, float)
        rate = _option(args.rate, "--rate", "rate", lang, float)
        projects = read_source(args.source, rate, lang)
        plan = plan_bundles(projects.npv, projects.districts, max_size,
                            DEFAULT_TIME_LIMIT if time_limit is None else time_limit)
        document = plan_document(projects, plan, None if max_size is None else int(max_size), rate)
        path = replace_folder(args.out, lambda folder: _write(folder, document, lang), PLAN_FILES)
    except ReportFolderError as exc:
        print(f"renewal bundle: {text('error', 'cannot_write', lang, reason=exc)}", file=sys.stderr)
        return 2
    except (BundleSourceError, RenewalInputError) as exc:
        print(f"renewal bundle: {exc}", file=sys.stderr)
        return 2
    money = "{:,.1f}".format
    print(text("cli", "summary", lang, projects=len(projects.ids), districts=len(set(projects.districts)),
               packages=len(document["packages"]), size=max_size or text("cli", "unlimited", lang),
               subsidy=money(plan.total_subsidy), alone=money(plan.no_bundling), bound=money(plan.district_bound)))
    print(text("cli", "optimal", lang) if plan.optimal else
          text("cli", "gap", lang, gap=f"{plan.gap:.2%}", lower=money(plan.lower_bound)))
    print(text("cli", "plan", lang, path=path))
    return 0
