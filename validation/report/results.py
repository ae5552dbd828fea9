"""results.json: the machine-readable report, valid against ``data/results.schema.json``."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import renewal
from validation.report.records import Report
from workbook_templates.contract import SUPPORTED_VERSIONS, TEMPLATE_ID

SCHEMA_ID = "renewal-batch-results/1"


@cache
def results_schema() -> dict[str, Any]:
    """The JSON Schema results.json follows (committed as ``validation/data/results.schema.json``)."""
    text = resources.files("validation").joinpath("data", "results.schema.json").read_text("utf-8")
    return json.loads(text)


def document(report: Report) -> dict[str, Any]:
    """The report as results.json holds it; messages in the report's language."""
    gaps = report.subsidy_gaps()
    return {
        "schema": SCHEMA_ID,
        "tool": {"name": "renewal-balance", "version": renewal.__version__},
        "template": {"id": TEMPLATE_ID, "supported_versions": list(SUPPORTED_VERSIONS)},
        "folder": report.folder,
        "lang": report.lang,
        "generated_at": report.generated_at,
        "stats": report.stats(),
        "totals": {key: gaps[key] for key in ("projects", "subsidy_gap", "subsidy_gap_pooled")},
        "files": [
            {"path": f.path, "sha256": f.sha256, "size": f.size, "status": f.status,
             "findings": [x.record(report.lang) for x in f.findings], "results": f.results}
            for f in report.files
        ],
        "packages": [
            {"package_id": p.balance.package_id, "files": list(p.files), "project_ids": list(p.project_ids),
             "renovation_surplus": p.balance.renovation_surplus, "npv": p.balance.npv,
             "balanced": p.balance.balanced, "subsidy_gap": p.subsidy_gap,
             "projects_subsidy_gap": gaps["packages"][p.balance.package_id]}
            for p in report.packages
        ],
        "history": report.history,
        "since_last_run": report.since_last_run,
    }


def write_json(report: Report, path: Path) -> None:
    """Write results.json (UTF-8; NaN or infinity would be a bug, so they raise).

    One line per file and per package, so that the document reads and diffs by
    line; each line is encoded by json's C encoder (an indented dump is encoded
    in pure Python, about five times slower).
    """
    path.write_text(layout(document(report)) + "\n", encoding="utf-8")


def layout(document: dict[str, Any]) -> str:
    """A JSON object, one line per key, and one line per item of a key's list.

    >>> print(layout({"a": 1, "files": [{"x": "中"}, {"x": 2}], "none": []}))
    {
     "a": 1,
     "files": [
      {"x": "中"},
      {"x": 2}
     ],
     "none": []
    }
    """
    def dumps(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)

    members = [f" {dumps(key)}: " + ("[\n  " + ",\n  ".join(map(dumps, value)) + "\n ]"
                                     if isinstance(value, list) and value else dumps(value))
               for key, value in document.items()]
    return "{\n" + ",\n".join(members) + "\n}"
