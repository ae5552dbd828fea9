"""A batch run's side of the history: open it when the run starts, keep what the files gave
while they are read, record the run at its end and put "since the last run" into the report.

The history never costs the report: when it cannot be opened or written
(read-only, corrupt, locked too long, from a newer checker, inside the
submissions folder) the run goes on, and the report says, in its language, that
the run was not recorded and why.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import traceback
from pathlib import Path

import renewal
from validation.history.changes import FileState, StoredFinding
from validation.history.database import HistoryError, history_file
from validation.history.inputs import encoded, project_id
from validation.history.runs import History, Run
from validation.read.extract import Extraction
from validation.report.records import HistoryNote, Report, SinceLastRun


def now() -> str:
    """The time in UTC, ISO 8601 to the microsecond (runs a second apart still order)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


class Recorder:
    """Records one ``renewal batch`` run of ``folder`` (a folder, or one workbook) in the history
    file ``path`` (a folder: its ``renewal-history.sqlite``)."""

    def __init__(self, path: str | Path, folder: str | Path, lang: str) -> None:
        self.path, self.lang = history_file(path).absolute(), lang
        self.folder = str(Path(folder).resolve())
        submissions = Path(self.folder) if Path(self.folder).is_dir() else Path(self.folder).parent
        self.started_at = now()
        self.project_ids: dict[str, str | None] = {}
        self.new_inputs: dict[str, str] = {}
        self.problem: HistoryError | None = None
        self.diagnostics: list[str] = []
        self.history: History | None = None
        self.run_id: int | None = None
        if self.path.resolve().is_relative_to(submissions):
            self.problem = HistoryError("inside_folder", self.path)

    def keep(self, extractions: list[Extraction]) -> None:
        """Open the history, and take what it needs from the extractions before their rows go into
        frames: each file's project id, and the inputs of files whose bytes it has not seen."""
        self.project_ids = {ex.file: project_id(ex) for ex in extractions}
        if self.problem is not None:
            return
        try:
            self.history = History(self.path)
        except HistoryError as exc:
            self.problem = exc
            return
        readable = [ex for ex in extractions if ex.readable and ex.sha256]
        try:
            known = self.history.known(ex.sha256 for ex in readable if ex.sha256)
        except HistoryError as exc:
            self._give_up(exc)
            return
        self.new_inputs = {ex.sha256: encoded(ex) for ex in readable if ex.sha256 and ex.sha256 not in known}

    def record(self, report: Report) -> Report:
        """The report with ``since_last_run`` and ``history`` filled, after recording the run."""
        since: SinceLastRun | None = None
        run_id = None
        if self.history is not None:
            try:
                run_id, since = self.history.record(self._run(report), self._files(report), self.new_inputs)
                self.run_id = run_id
            except HistoryError as exc:
                self._give_up(exc)
            except Exception:  # a failure of ours must not cost the report; --verbose shows it
                self.diagnostics.append(f"run history: {traceback.format_exc()}")
                self._give_up(HistoryError("failed", self.path))
            else:
                self.close()
        note: HistoryNote = {"path": str(self.path), "recorded": run_id is not None, "run_id": run_id,
                             "problem": self.problem.code if self.problem else None,
                             "message": self.problem.text(self.lang) if self.problem else None}
        return dataclasses.replace(report, since_last_run=since, history=note,
                                   diagnostics=(*report.diagnostics, *self.diagnostics))

    def reported(self) -> None:
        """Mark the recorded run as reported, once its report is written. Where that fails (the
        file locked too long, say), the next run compares with the last run marked, so the
        reviewer still sees every change; nothing is lost but the one mark."""
        if self.run_id is None:
            return
        try:
            with History(self.path) as history:
                history.mark_reported(self.run_id)
        except HistoryError:
            pass

    def _give_up(self, problem: HistoryError) -> None:
        self.problem = problem
        if problem.code == "failed" and problem.__cause__ is not None:  # SQLite's words, for --verbose only
            self.diagnostics.append(f"run history: {type(problem.__cause__).__name__}: {problem.__cause__}")
        self.close()

    def close(self) -> None:
        """Close the history file (the run ended without :meth:`record`, or after it)."""
        if self.history is not None:
            self.history.close()
            self.history = None

    def _run(self, report: Report) -> Run:
        stats = report.stats()
        files, findings = stats["files"], stats["findings"]
        return Run(0, self.started_at, now(), self.folder, files["total"], files["ok"], files["invalid"],
                   files["unreadable"], findings["error"], findings["warning"], findings["info"],
                   renewal.__version__, report.lang)

    def _files(self, report: Report) -> list[FileState]:
        return [FileState(f.path, f.sha256, f.size, self.project_ids.get(f.path), f.status, f.results,
                          tuple(StoredFinding.of(x, report.lang) for x in f.findings))
                for f in report.files]
