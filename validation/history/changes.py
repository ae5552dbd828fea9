"""What changed between two runs of a folder: "since the last run" (:class:`SinceLastRun`).

Submissions are matched as a reviewer means them: first by project id (a file
moved or renamed with the same project id is the same project), then what is
left by path, then by identical bytes. A project id found in more than one file
(in either run) identifies nothing: those files are matched by path, and
``duplicate_project_ids`` says so.

A matched project is *changed* when its bytes changed, it moved, or its results
moved (a newer checker may compute differently); it then lists each input that
moved (old → new, with its label in the run's language and where it is now) and
how its status, NPV, payback, IRR, balance status and best fit moved. Findings
are compared per project by (code, sheet, cell, field): those of a new
submission are new; those of a removed submission are not "resolved" (the
submission is listed as removed instead).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from renewal.language import message
from validation.check.findings import Finding, check_table
from validation.history.inputs import Inputs, label
from validation.report.records import (
    FieldChange,
    FindingRef,
    PreviousRun,
    ProjectChange,
    ResultChange,
    Scalar,
    SinceLastRun,
    SubmissionRef,
)

RESULTS = ("status", "npv", "payback_years", "irr", "balance_status", "best_fit")
"""What :class:`ResultChange` compares, in this order."""


@dataclass(frozen=True)
class StoredFinding:
    """A finding as the history keeps it: enough to say it again in either language."""

    code: str
    severity: str
    sheet: str | None
    cell: str | None
    field: str | None
    value: Scalar
    params: dict[str, Any]
    message: str
    """As the run's language said it (used when a newer checker no longer knows the code)."""

    @classmethod
    def of(cls, finding: Finding, lang: str) -> StoredFinding:
        """A report's finding, its message in ``lang``."""
        record = finding.record(lang)
        return cls(finding.code, finding.severity, finding.sheet, finding.cell, finding.field,
                   record["value"], dict(finding.params), str(record["message"]))

    @property
    def key(self) -> tuple[str, str | None, str | None, str | None]:
        """What makes two runs' findings the same finding."""
        return (self.code, self.sheet, self.cell, self.field)

    def text(self, lang: str) -> str:
        """The message in ``lang``."""
        if self.code not in check_table():
            return self.message
        try:
            return Finding("", self.code, self.sheet, self.cell, self.field, self.value, self.params).message(lang)
        except (KeyError, IndexError, ValueError):  # the code's text changed its placeholders since
            return self.message


@dataclass(frozen=True)
class FileState:
    """One file in one run, as the history keeps it."""

    path: str
    sha256: str | None
    size: int | None
    project_id: str | None
    status: str
    results: dict[str, Any] | None
    findings: tuple[StoredFinding, ...]


def duplicate_ids(*runs: Sequence[FileState]) -> set[str]:
    """Project ids found in more than one file of a run.

    >>> a = FileState("a.xlsx", None, None, "P1", "ok", None, ())
    >>> sorted(duplicate_ids([a, FileState("b.xlsx", None, None, "P1", "ok", None, ())], [a]))
    ['P1']
    """
    found: set[str] = set()
    for files in runs:
        counts = Counter(f.project_id for f in files if f.project_id)
        found |= {pid for pid, n in counts.items() if n > 1}
    return found


def match(before: Sequence[FileState], now: Sequence[FileState]
          ) -> tuple[list[tuple[FileState, FileState]], list[FileState], list[FileState], list[str]]:
    """(pairs, new, removed, duplicate project ids): by project id, then path, then sha256.

    >>> old = [FileState("a.xlsx", "1", 1, "P1", "ok", None, ()), FileState("b.xlsx", "2", 1, "P2", "ok", None, ())]
    >>> new = [FileState("x/a2.xlsx", "1", 1, "P1", "ok", None, ()), FileState("c.xlsx", "3", 1, "P3", "ok", None, ())]
    >>> pairs, added, gone, _ = match(old, new)
    >>> [(b.path, n.path) for b, n in pairs], [f.path for f in added], [f.path for f in gone]
    ([('a.xlsx', 'x/a2.xlsx')], ['c.xlsx'], ['b.xlsx'])
    """
    duplicates = duplicate_ids(before, now)
    left = list(before)
    pairs: list[tuple[FileState, FileState]] = []
    unmatched: list[FileState] = []
    keys: list[Callable[[FileState], object]] = [
        lambda f: f.project_id if f.project_id and f.project_id not in duplicates else None,
        lambda f: f.path,
        lambda f: f.sha256,
    ]
    pending = list(now)
    for key in keys:
        counts = Counter(key(f) for f in left)
        index = {key(f): f for f in left if key(f) is not None and counts[key(f)] == 1}
        unmatched = []
        for f in pending:
            k = key(f)
            if k is not None and k in index:
                pairs.append((index.pop(k), f))
            else:
                unmatched.append(f)
        taken = {id(b) for b, _ in pairs}
        left = [f for f in left if id(f) not in taken]
        pending = unmatched
    order = {f.path: i for i, f in enumerate(now)}
    pairs.sort(key=lambda p: order[p[1].path])
    return pairs, pending, left, sorted(duplicates)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _status_text(results: dict[str, Any], lang: str) -> str | None:
    code = results.get("balance_status_code")
    if not code:
        return None
    return message("status", code, lang, year=results.get("balance_year"))


def result_values(f: FileState, lang: str) -> dict[str, tuple[object, Scalar]]:
    """Per compared result: (what decides whether it moved, what the report shows)."""
    r = f.results or {}
    balance = (r.get("balance_status_code"), r.get("balance_year")) if r else None
    return {"status": (f.status, f.status),
            **{k: (r.get(k), r.get(k)) for k in ("npv", "payback_years", "irr")},
            "balance_status": (balance, _status_text(r, lang) if r else None),
            "best_fit": (r.get("best_fit_pattern"), r.get("best_fit_pattern"))}


def result_changes(before: FileState, now: FileState, lang: str) -> list[ResultChange]:
    """How each of :data:`RESULTS` moved (only those that did)."""
    old, new = result_values(before, lang), result_values(now, lang)
    changes: list[ResultChange] = []
    for key in RESULTS:
        (was, shown_old), (is_, shown_new) = old[key], new[key]
        if was == is_:
            continue
        a, b = _number(shown_old), _number(shown_new)
        delta = b - a if a is not None and b is not None and math.isfinite(b - a) else None
        changes.append({"result": key, "old": shown_old, "new": shown_new, "delta": delta})
    return changes


def _same(a: object, b: object) -> bool:
    """Equal values of the same kind (a number is not a boolean, nor a text).

    >>> _same(1, 1.0), _same(True, 1), _same("1", 1), _same(None, None)
    (True, False, False, True)
    """
    return a == b and isinstance(a, bool) == isinstance(b, bool) and isinstance(a, str) == isinstance(b, str)


def field_changes(old: Inputs, new: Inputs, lang: str) -> list[FieldChange]:
    """Each input whose value moved, in the order the workbook has them now (then those gone)."""
    changes: list[FieldChange] = []
    for key in [*new, *(k for k in old if k not in new)]:
        was = old.get(key, [None, None, None, None])
        is_ = new.get(key, [None, None, None, was[3]])
        if _same(was[0], is_[0]):
            continue
        sheet, cell = (is_[1], is_[2]) if key in new else (was[1], was[2])
        changes.append({"field": key, "label": label(key, is_[3] or was[3], lang), "sheet": sheet, "cell": cell,
                        "old": was[0], "new": is_[0]})
    return changes


def _ref(f: FileState) -> SubmissionRef:
    return {"file": f.path, "project_id": f.project_id, "status": f.status}


def _finding_ref(file: str, x: StoredFinding, lang: str) -> FindingRef:
    return {"file": file, "code": x.code, "severity": x.severity, "sheet": x.sheet, "cell": x.cell,
            "message": x.text(lang)}


def _surplus(these: Iterable[StoredFinding], minus: Iterable[StoredFinding]) -> list[StoredFinding]:
    """``these`` less as many of each finding as ``minus`` holds (a multiset difference, in order)."""
    budget = Counter(x.key for x in minus)
    out = []
    for x in these:
        if budget[x.key]:
            budget[x.key] -= 1
        else:
            out.append(x)
    return out


def since_last_run(previous: PreviousRun, before: Sequence[FileState], now: Sequence[FileState],
                   inputs: Callable[[str | None], Inputs], lang: str) -> SinceLastRun:
    """What changed from ``before`` (the previous run's files) to ``now``; ``inputs(sha256)``
    gives a file's extracted inputs (only asked for files whose bytes changed)."""
    pairs, added, removed, duplicates = match(before, now)
    changed: list[ProjectChange] = []
    findings_new: list[FindingRef] = [_finding_ref(f.path, x, lang) for f in added for x in f.findings]
    findings_resolved: list[FindingRef] = []
    for old, new in pairs:
        fields = field_changes(inputs(old.sha256), inputs(new.sha256), lang) if old.sha256 != new.sha256 else []
        results = result_changes(old, new, lang)
        if old.sha256 != new.sha256 or old.path != new.path or results:
            changed.append({"file": new.path, "previous_file": old.path, "project_id": new.project_id,
                            "fields": fields, "results": results})
        findings_new += [_finding_ref(new.path, x, lang) for x in _surplus(new.findings, old.findings)]
        findings_resolved += [_finding_ref(new.path, x, lang) for x in _surplus(old.findings, new.findings)]
    return {"previous_run": previous, "new": [_ref(f) for f in added], "removed": [_ref(f) for f in removed],
            "changed": changed, "unchanged": len(pairs) - len(changed),
            "findings_new": findings_new, "findings_resolved": findings_resolved,
            "duplicate_project_ids": duplicates}
