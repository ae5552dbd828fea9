"""What a batch run found, as the three report files show it: files, findings, results, packages.

A :class:`Report` is plain data, independent of how it is written
(:mod:`validation.report.results`, :mod:`validation.report.xlsx`,
:mod:`validation.report.html`) and of how it was computed (:mod:`validation.batch`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

from renewal.stages import PackageBalance
from validation.check.findings import SEVERITIES, Finding

STATUSES = ("ok", "invalid", "unreadable")
"""ok: no error (warnings allowed); invalid: read, with errors; unreadable: could not be read safely."""

REPORT_FILES = ("results.json", "summary.xlsx", "report.html")


def file_status(readable: bool, findings: list[Finding]) -> str:
    """The status of a file from whether it was read and its findings.

    >>> file_status(True, []), file_status(True, [Finding("a", "MACROS_PRESENT")])
    ('ok', 'ok')
    >>> file_status(True, [Finding("a", "YEAR_GAP")]), file_status(False, [])
    ('invalid', 'unreadable')
    """
    if not readable:
        return "unreadable"
    return "invalid" if any(f.severity == "error" for f in findings) else "ok"


@dataclass(frozen=True)
class FileReport:
    """One workbook: identity, status, findings and (when computed) its results."""

    path: str
    sha256: str | None
    size: int | None
    status: str
    findings: tuple[Finding, ...]
    results: dict[str, Any] | None

    def count(self, severity: str) -> int:
        """How many of its findings have this severity."""
        return sum(f.severity == severity for f in self.findings)


@dataclass(frozen=True)
class PackageReport:
    """Projects renewed together (one package id): the model's package balance (fat-thin
    pairing: summed So and NPV) and the files and project ids of its projects."""

    balance: PackageBalance
    files: tuple[str, ...]
    project_ids: tuple[str, ...]

    @property
    def subsidy_gap(self) -> float:
        """The package's own gap, its projects' surpluses pooled: ``max(0, -sum of NPV)``.

        Each NPV is at its project's discount rate over its horizon, so this is
        the one-off amount the package needs to balance as a whole.
        """
        return max(0.0, -self.balance.npv) + 0.0


Scalar = str | float | bool | None
"""A cell's or a result's value as the report shows it."""


class PreviousRun(TypedDict):
    """The run a report is compared with (from the run history)."""

    run_id: int
    started_at: str
    """ISO 8601, UTC."""
    folder: str
    files: int


class SubmissionRef(TypedDict):
    """A submission that is new (in this run only) or removed (in the previous run only)."""

    file: str
    project_id: str | None
    status: str
    """Its status in the run it is in (ok, invalid, unreadable)."""


class FieldChange(TypedDict):
    """One input of a project whose value moved between the two runs."""

    field: str
    """A stable key: a defined name (``in_discount_rate``), or a table cell as
    ``tblRen[amount]#3`` (the table, its column, the row within the table from 1)."""
    label: str
    """What people read, in the run's language."""
    sheet: str | None
    cell: str | None
    """Where it is now (A1)."""
    old: Scalar
    new: Scalar


class ResultChange(TypedDict):
    """How a project's result moved: ``result`` is status (the file's: ok, invalid, unreadable),
    npv, payback_years, irr, balance_status (its text in the run's language) or best_fit;
    ``delta`` is new - old for numbers, else None."""

    result: str
    old: Scalar
    new: Scalar
    delta: float | None


class ProjectChange(TypedDict):
    """A submission in both runs whose content changed, or that moved: the same project id (or,
    without one, the same file) is the same project, whatever its file is called now."""

    file: str
    previous_file: str
    project_id: str | None
    fields: list[FieldChange]
    results: list[ResultChange]


class FindingRef(TypedDict):
    """A finding as the comparison names it: where, which code, what it said."""

    file: str
    code: str
    severity: str
    sheet: str | None
    cell: str | None
    message: str


class SinceLastRun(TypedDict):
    """What changed since the previous recorded run of the same folder."""

    previous_run: PreviousRun
    new: list[SubmissionRef]
    removed: list[SubmissionRef]
    changed: list[ProjectChange]
    unchanged: int
    findings_new: list[FindingRef]
    findings_resolved: list[FindingRef]
    duplicate_project_ids: NotRequired[list[str]]
    """Project ids found in more than one file (in either run): those files were matched by path."""


class HistoryNote(TypedDict):
    """Whether the run was recorded in the run history, where, and if not, why."""

    path: str
    recorded: bool
    run_id: int | None
    problem: str | None
    """Why not (a code: unwritable, corrupt, locked, newer, inside_folder, failed), else None."""
    message: str | None
    """The same in the run's language."""


@dataclass(frozen=True)
class Report:
    """A whole run: the folder, the language of its texts, every file and every package."""

    folder: str
    lang: str
    generated_at: str
    files: tuple[FileReport, ...]
    packages: tuple[PackageReport, ...]
    diagnostics: tuple[str, ...] = ()
    """What went wrong inside the reader, per file (tracebacks): printed under ``--verbose``,
    never part of a finding or a report file."""
    since_last_run: SinceLastRun | None = None
    """What changed since the previous run in the run history (None: no history, or no
    earlier run of this folder)."""
    history: HistoryNote | None = None
    """Whether this run was recorded in the run history (None: ``--no-history``)."""

    @property
    def findings(self) -> list[Finding]:
        """Every finding, files in order, errors first within a file."""
        return [f for file in self.files for f in file.findings]

    def stats(self) -> dict[str, dict[str, int]]:
        """Counts of files by status and of findings by severity."""
        status = Counter(f.status for f in self.files)
        severity = Counter(f.severity for f in self.findings)
        return {"files": {"total": len(self.files), **{s: status[s] for s in STATUSES}},
                "findings": {"total": sum(severity.values()), **{s: severity[s] for s in SEVERITIES}}}

    def subsidy_gaps(self) -> dict[str, object]:
        """The missing money: each package's projects' own gaps summed (``packages``, by id), and
        for the folder the projects' own gaps summed and the gap with packages pooled (the
        packages' own gaps plus the gaps of the projects in no package)."""
        gaps = {f.path: float(f.results["subsidy_gap"]) for f in self.files if f.results}
        packaged = {path for p in self.packages for path in p.files}
        pooled = (sum(p.subsidy_gap for p in self.packages)
                  + sum(g for path, g in gaps.items() if path not in packaged))
        return {"packages": {p.balance.package_id: sum(gaps[path] for path in p.files) for p in self.packages},
                "projects": len(gaps), "subsidy_gap": sum(gaps.values()), "subsidy_gap_pooled": pooled}

    def reaches(self, level: str) -> bool:
        """Whether any finding is at least as severe as ``level`` ("never": never)."""
        if level == "never":
            return False
        worst = SEVERITIES.index(level)
        return any(SEVERITIES.index(f.severity) <= worst for f in self.findings)
