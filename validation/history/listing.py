"""What ``renewal history PATH`` shows: the recorded runs, or one project's trajectory (date, file,
status, payback, NPV and findings per run), as a table in the chosen language or as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from renewal.language import message
from validation.history.database import HistoryError, history_file
from validation.history.runs import History
from validation.report.terminal import table


def _t(section: str, key: str, lang: str, **fields: object) -> str:
    return message(section, key, lang, package="validation", **fields)


def open_for_reading(path: str) -> History:
    """The history at ``path`` (a file, or a folder's default file), upgraded if it can be
    written, else read as it is; :class:`HistoryError` when missing or unusable."""
    file = history_file(path)
    if not file.is_file():
        raise HistoryError("missing", file)
    try:
        return History(file)
    except HistoryError as exc:
        if exc.code != "unwritable":
            raise
        return History(file, readonly=True)


def runs_records(history: History) -> list[dict[str, Any]]:
    """Every run, oldest first, as ``--format json`` prints it."""
    return [{"run_id": r.id, "started_at": r.started_at, "finished_at": r.finished_at, "folder": r.folder,
             "files": r.files, "ok": r.ok, "invalid": r.invalid, "unreadable": r.unreadable,
             "findings": r.findings, "errors": r.errors, "warnings": r.warnings, "infos": r.infos,
             "checker_version": r.checker_version, "lang": r.lang} for r in history.runs()]


def trajectory_records(history: History, project_id: str) -> list[dict[str, Any]]:
    """A project in every run that has it, oldest first, as ``--format json`` prints it."""
    out = []
    for run, f in history.trajectory(project_id):
        r = f.results or {}
        out.append({"run_id": run.id, "started_at": run.started_at, "folder": run.folder, "file": f.path,
                    "sha256": f.sha256, "status": f.status, "payback_years": r.get("payback_years"),
                    "npv": r.get("npv"), "irr": r.get("irr"), "best_fit_pattern": r.get("best_fit_pattern"),
                    "findings": len(f.findings)})
    return out


def _when(iso: str) -> str:
    return iso[:19].replace("T", " ")


def runs_table(records: list[dict[str, Any]], lang: str) -> str:
    """The runs as a table with headers in ``lang``."""
    keys = ("run", "started_at", "folder", "files", "ok", "invalid", "unreadable", "findings")
    rows = [[str(r["run_id"]), _when(r["started_at"]), r["folder"],
             *(str(r[k]) for k in ("files", "ok", "invalid", "unreadable", "findings"))] for r in records]
    return table([_t("history", k, lang) for k in keys], rows, right=[True, False, False, *[True] * 5])


def trajectory_table(records: list[dict[str, Any]], lang: str) -> str:
    """A project's trajectory as a table with headers in ``lang``."""
    never = _t("report", "never", lang)
    header = [_t("history", "run", lang), _t("history", "started_at", lang), _t("column", "file", lang),
              _t("column", "status", lang), _t("column", "payback_years", lang), _t("column", "npv", lang),
              _t("history", "findings", lang)]
    rows = [[str(r["run_id"]), _when(r["started_at"]), r["file"], _t("status", r["status"], lang),
             (never if r["payback_years"] is None else f"{r['payback_years']:.2f}") if r["npv"] is not None else "",
             "" if r["npv"] is None else f"{r['npv']:,.1f}", str(r["findings"])] for r in records]
    return table(header, rows, right=[True, False, False, False, True, True, True])


def command(args: argparse.Namespace) -> int:
    """``renewal history PATH [--project ID] [--format table|json]``: exit 0, or 2 (no history)."""
    lang = args.lang
    try:
        with open_for_reading(args.path) as history:
            records = (trajectory_records(history, args.project) if args.project else runs_records(history))
            path = history.path
    except HistoryError as exc:
        print(f"renewal history: {exc.text(lang)}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(records, ensure_ascii=False, indent=1))
    elif not records:
        print(_t("history", "no_project", lang, project=args.project) if args.project
              else _t("history", "no_runs", lang, path=path))
    else:
        print(trajectory_table(records, lang) if args.project else runs_table(records, lang))
    return 0
