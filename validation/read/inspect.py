"""``renewal inspect FILE...``: what the batch's reader sees in a workbook.

After the same guards as the batch, every defined name with its reference,
every Excel table (sheet, range, columns) and every non-empty cell of every
sheet: its value as stored (a number, a text, a boolean; a date-formatted
number as its serial number), whether a formula fills it, and its cached
error value. A user sees what the checker sees; anyone can hold the reader
against another reader. With ``--format json``, one JSON object per file and
line::

    {"file", "names": {name: ref}, "tables": {name: {"sheet", "ref", "columns"}},
     "sheets": {sheet: {"A1": {"value", "formula", "error"}}}}

or ``{"file", "findings": [...]}`` when the file cannot be read.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import TypedDict, final

from renewal.language import message
from validation.check.findings import Finding, display
from validation.read.extract import Extraction, load
from validation.read.guards import Limits, open_archive
from validation.read.package import PartError
from validation.read.workbook import Workbook, a1, interned


class InspectedCell(TypedDict):
    """One stored cell: its cached value, whether a formula fills it, its cached error value."""

    value: object
    formula: bool
    error: str | None


class InspectedTable(TypedDict):
    """One Excel table: its sheet, its range and its column names."""

    sheet: str
    ref: str
    columns: list[str]


@final  # so that "findings" in a document tells the two kinds apart
class Inspected(TypedDict):
    """A workbook the reader could open: defined names, tables, and every stored cell by sheet."""

    file: str
    names: dict[str, str]
    tables: dict[str, InspectedTable]
    sheets: dict[str, dict[str, InspectedCell]]


class InspectedFinding(TypedDict):
    """Why a workbook could not be read."""

    code: str
    severity: str
    sheet: str | None
    cell: str | None
    message: str


@final
class Unreadable(TypedDict):
    """A workbook the reader would not or could not open, and why."""

    file: str
    findings: list[InspectedFinding]


def inspect_file(path: str | Path, limits: Limits | None = None, lang: str = "en") -> Inspected | Unreadable:
    """What the reader sees in one workbook, as the JSON document above (``lang``: of the
    findings' messages)."""
    path = Path(path)
    limits = limits or Limits()
    loaded = load(path.parent, path.name, limits)
    if isinstance(loaded, Extraction):
        return _unreadable(str(path), loaded.findings, lang)
    findings, parts = open_archive(str(path), loaded.data, limits)
    if any(f.severity == "error" for f in findings):
        return _unreadable(str(path), findings, lang)
    try:
        with Workbook(loaded.data, parts) as book:
            return {"file": str(path), "names": book.names,
                    "tables": {name: {"sheet": t.sheet, "ref": t.ref, "columns": list(t.columns)}
                               for name, t in book.tables.items()},
                    "sheets": {sheet: {a1(*at): {"value": _json_value(cell.value), "formula": cell.formula,
                                                 "error": cell.error}
                                       for at, cell in sorted(book.sheet(sheet).items())}
                               for sheet in book.sheet_parts}}
    except PartError as exc:
        damaged = Finding(str(path), "NOT_A_WORKBOOK", params={"reason": exc.reason})
        return _unreadable(str(path), [damaged], lang)


def _json_value(value: object) -> object:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _unreadable(file: str, findings: list[Finding], lang: str) -> Unreadable:
    return {"file": file, "findings": [{"code": f.code, "severity": f.severity, "sheet": f.sheet, "cell": f.cell,
                                        "message": f.message(lang)} for f in findings]}


def _text(doc: Inspected | Unreadable, lang: str) -> list[str]:
    """The document as lines a person reads."""
    lines = [f"== {doc['file']}"]
    if "findings" in doc:
        return lines + [f"  {f['code']}: {f['message']}" for f in doc["findings"]]
    lines.append(message("inspect", "names", lang, package="validation", count=len(doc["names"])))
    lines += [f"  {name} = {ref}" for name, ref in sorted(doc["names"].items())]
    lines.append(message("inspect", "tables", lang, package="validation", count=len(doc["tables"])))
    lines += [f"  {name}: {t['sheet']}!{t['ref']} [{', '.join(t['columns'])}]" for name, t in doc["tables"].items()]
    for sheet, cells in doc["sheets"].items():
        lines.append(message("inspect", "sheet", lang, package="validation", sheet=sheet, count=len(cells)))
        for ref, cell in cells.items():
            shown = cell["error"] or (json.dumps(cell["value"], ensure_ascii=False) if isinstance(cell["value"], str)
                                      else display(cell["value"]))
            lines.append(f"  {interned(ref):<8} {shown}{'  (=)' if cell['formula'] else ''}")
    return lines


def command(args: argparse.Namespace) -> int:
    """``renewal inspect FILE... [--format json]``: 0 when every file was read, 1 when one
    could not be (its findings are shown), 2 when a path is no file."""
    missing = [f for f in args.files if not Path(f).is_file()]
    if missing:
        for path in missing:
            print(f"renewal inspect: {message('inspect', 'no_file', args.lang, package='validation', path=path)}",
                  file=sys.stderr)
        return 2
    unreadable = False
    for file in args.files:
        doc = inspect_file(file, lang=args.lang)
        unreadable |= "findings" in doc
        if args.format == "json":
            print(json.dumps(doc, ensure_ascii=False))
        else:
            print("\n".join(_text(doc, args.lang)))
    return 1 if unreadable else 0
