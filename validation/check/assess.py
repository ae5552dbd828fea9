"""The whole folder at once: its extracted rows as frames, validated, computed, compared.

Everything after reading runs here, once over frames that hold every file:
one pandera validation per kind of value, one model call for every valid
project, then the stated results compared with the recomputed ones. This is
the batch's heavy import (pandas, pandera); :mod:`validation.batch` loads it
while the worker processes read, so that they start lean and the import costs
no wall time.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from validation.check.compare import excel_check_findings, irr_findings, result_findings
from validation.check.compute import compute
from validation.check.financing import findings as financing_findings
from validation.check.findings import Finding
from validation.check.inputs import input_findings, prepare
from validation.read.extract import COLUMNS, DTYPES, Extraction, Row
from validation.report.records import FileReport, PackageReport, Report, file_status


def folder_frames(extractions: Iterable[Extraction]) -> dict[str, pd.DataFrame]:
    """The rows of every file, one long frame per kind of value (``COLUMNS``), index 0..n-1.

    The extractions' rows are consumed: once in the frames they are dropped, so
    the folder's values are held once, not twice.
    """
    chunks: dict[str, list[Row]] = {name: [] for name in COLUMNS}
    for ex in extractions:
        for name, rows in ex.rows.items():
            chunks[name].extend(rows)
        ex.rows = {}
    frames = {}
    for name, columns in COLUMNS.items():
        frame = pd.DataFrame.from_records(chunks.pop(name), columns=list(columns))
        frames[name] = frame.astype({c: DTYPES.get(c, "str") for c in columns})
    return frames


def assess(folder: str | Path, extractions: list[Extraction], lang: str) -> Report:
    """The report on a folder's extractions: every finding, every computed project and package."""
    frames = folder_frames(extractions)
    inputs = prepare(frames)
    findings: dict[str, list[Finding]] = defaultdict(list)
    for item in [f for ex in extractions for f in ex.findings] + input_findings(inputs):
        findings[item.file].append(item)
    computable = [ex.file for ex in extractions
                  if ex.readable and ex.file in inputs.projects.index
                  and not any(f.severity == "error" for f in findings[ex.file])]
    computed = compute(inputs, computable)
    a = computed.appraisal
    for item in [*result_findings(frames["results"], computed.expected(), computed.declared_patterns(inputs.fields)),
                 *irr_findings(frames["results"], computed.files, a.irrs, a.npv, a.mirr),
                 *excel_check_findings(frames["results"]),
                 *financing_findings(computed.financing, list(computed.files), frames["results"])]:
        findings[item.file].append(item)
    records = {file: computed.record(i, lang) for i, file in enumerate(computed.files)}
    files = tuple(
        FileReport(ex.file, ex.sha256, ex.size, file_status(ex.readable, findings[ex.file]),
                   tuple(sorted(findings[ex.file], key=Finding.sort_key)), records.get(ex.file))
        for ex in extractions)
    packages = tuple(
        PackageReport(p, tuple(computed.files[i] for i in p.projects),
                      tuple(str(records[computed.files[i]]["project_id"]) for i in p.projects))
        for p in computed.packages)
    generated = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    diagnostics = tuple(f"{ex.file}: {text}" for ex in extractions for text in ex.diagnostics)
    return Report(str(folder), lang, generated, files, packages, diagnostics)
