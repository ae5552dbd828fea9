"""results.json: the machine-readable report, valid against ``data/results.schema.json``."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import renewal
from validation.report import Report
from workbook_templates.contract import SUPPORTED_VERSIONS, TEMPLATE_ID

SCHEMA_ID = "renewal-batch-results/1"


@cache
def results_schema() -> dict[str, Any]:
    """The JSON Schema results.json follows (committed as ``validation/data/results.schema.json``)."""
    text = resources.files("validation").joinpath("data", "results.schema.json").read_text("utf-8")
    return json.loads(text)


def document(report: Report) -> dict[str, Any]:
    """The report as results.json holds it; messages in the report's language."""
    return {
        "schema": SCHEMA_ID,
        "tool": {"name": "renewal-balance", "version": renewal.__version__},
        "template": {"id": TEMPLATE_ID, "supported_versions": list(SUPPORTED_VERSIONS)},
        "folder": report.folder,
        "lang": report.lang,
        "generated_at": report.generated_at,
        "stats": report.stats(),
        "files": [
            {"path": f.path, "sha256": f.sha256, "size": f.size, "status": f.status,
             "findings": [x.record(report.lang) for x in f.findings], "results": f.results}
            for f in report.files
        ],
        "packages": [
            {"package_id": p.balance.package_id, "files": list(p.files), "project_ids": list(p.project_ids),
             "renovation_surplus": p.balance.renovation_surplus, "npv": p.balance.npv,
             "balanced": p.balance.balanced}
            for p in report.packages
        ],
    }


def write_json(report: Report, path: Path) -> None:
    """Write results.json (UTF-8; NaN or infinity would be a bug, so they raise)."""
    text = json.dumps(document(report), ensure_ascii=False, indent=1, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")
