"""Runs in the history: recording one (all of it in one transaction, at its end) and reading
them back (the list of runs, a project's trajectory, the previous run of a folder).

A run is written by :meth:`History.record` in a single ``BEGIN IMMEDIATE`` ...
``COMMIT``, which also reads the previous run it is compared with: a run killed
before the commit leaves nothing (SQLite rolls the journal back), a run that
commits is there whole, and two runs at once are serialized (the second waits
up to the busy timeout), each compared with the run that started before it.
Nothing is ever marked "running". A run is recorded before its report is written
(so that the report can say what changed) and marked ``reported`` once the report
is in place: "since the last run" compares with the last run whose report was
written, so a run that died before its report hides no change from the reviewer.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from validation.check.findings import json_scalar
from validation.history.changes import FileState, StoredFinding, since_last_run
from validation.history.database import connect, translated
from validation.history.inputs import Inputs
from validation.report.records import PreviousRun, SinceLastRun

SQL_VARIABLES = 500
"""sha256s per ``IN (...)`` query (well under SQLite's limit on bound parameters)."""


@dataclass(frozen=True)
class Run:
    """One recorded run: when, which folder, what it counted, which checker in which language."""

    id: int
    started_at: str
    finished_at: str
    folder: str
    files: int
    ok: int
    invalid: int
    unreadable: int
    errors: int
    warnings: int
    infos: int
    checker_version: str
    lang: str

    @property
    def findings(self) -> int:
        """Its findings, all severities."""
        return self.errors + self.warnings + self.infos

    def previous(self) -> PreviousRun:
        """As "since the last run" names it."""
        return {"run_id": self.id, "started_at": self.started_at, "folder": self.folder, "files": self.files}


RUN_COLUMNS = ("id", "started_at", "finished_at", "folder", "files", "ok", "invalid", "unreadable", "errors",
               "warnings", "infos", "checker_version", "lang")


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


class History:
    """An open history file (see :mod:`validation.history.database` for how it is opened)."""

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.db = connect(self.path, readonly=readonly)

    def close(self) -> None:
        """Close the file."""
        self.db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Reading

    def runs(self, folder: str | None = None) -> list[Run]:
        """Every run (of ``folder`` only, if given), oldest first."""
        where, args = ("WHERE folder = ?", (folder,)) if folder else ("", ())
        with translated(self.path):
            rows = self.db.execute(f"SELECT {', '.join(RUN_COLUMNS)} FROM runs {where} "
                                   "ORDER BY started_at, id", args).fetchall()
        return [Run(*row) for row in rows]

    def trajectory(self, project_id: str) -> list[tuple[Run, FileState]]:
        """A project in every run that has it, oldest first: the run and the file."""
        with translated(self.path):
            rows = self.db.execute(
                f"SELECT {', '.join('r.' + c for c in RUN_COLUMNS)}, f.path FROM run_files f "
                "JOIN runs r ON r.id = f.run_id WHERE f.project_id = ? ORDER BY r.started_at, r.id, f.path",
                (project_id,)).fetchall()
            return [(Run(*row[:-1]), self._files(row[0], row[-1])[0]) for row in rows]

    def _files(self, run_id: int, path: str | None = None) -> list[FileState]:
        only, args = (" AND path = ?", (run_id, path)) if path is not None else ("", (run_id,))
        findings: dict[str, list[StoredFinding]] = {}
        for file, code, severity, sheet, cell, field, value, params, text in self.db.execute(
                "SELECT path, code, severity, sheet, cell, field, value, params, message FROM findings "
                f"WHERE run_id = ?{only} ORDER BY rowid", args):
            findings.setdefault(file, []).append(StoredFinding(code, severity, sheet, cell, field,
                                                               json.loads(value), json.loads(params), text))
        return [FileState(file, sha, size, pid, status, json.loads(results) if results else None,
                          tuple(findings.get(file, ())))
                for file, sha, size, pid, status, results in self.db.execute(
                    "SELECT f.path, f.sha256, f.size, f.project_id, f.status, r.record FROM run_files f "
                    f"LEFT JOIN results r ON r.digest = f.results WHERE f.run_id = ?{only.replace('path', 'f.path')} "
                    "ORDER BY f.path", args)]

    def known(self, digests: Iterable[str]) -> set[str]:
        """Which of these sha256s the history already holds the inputs of."""
        digests = sorted(set(digests))
        found: set[str] = set()
        with translated(self.path):
            for i in range(0, len(digests), SQL_VARIABLES):
                chunk = digests[i:i + SQL_VARIABLES]
                found.update(row[0] for row in self.db.execute(
                    f"SELECT sha256 FROM inputs WHERE sha256 IN ({', '.join('?' * len(chunk))})", chunk))
        return found

    def inputs(self, digest: str | None) -> Inputs:
        """The inputs read from a file's bytes ({} when unknown: unreadable, or never recorded)."""
        if digest is None:
            return {}
        row = self.db.execute("SELECT fields FROM inputs WHERE sha256 = ?", (digest,)).fetchone()
        return json.loads(row[0]) if row else {}

    def _previous(self, folder: str, started_at: str) -> Run | None:
        row = self.db.execute(f"SELECT {', '.join(RUN_COLUMNS)} FROM runs WHERE folder = ? AND started_at <= ? "
                              "AND reported = 1 ORDER BY started_at DESC, id DESC LIMIT 1",
                              (folder, started_at)).fetchone()
        return Run(*row) if row else None

    # Writing

    def record(self, run: Run, files: Sequence[FileState], new_inputs: Mapping[str, str]
               ) -> tuple[int, SinceLastRun | None]:
        """Record ``run`` (its ``id`` is ignored) with its files, in one transaction; its id, and
        what changed since the previous run of its folder (None: the first).

        ``new_inputs``: the inputs (:func:`~validation.history.inputs.encoded`) of files whose
        sha256 :meth:`known` did not know."""
        with translated(self.path):
            self.db.execute("BEGIN IMMEDIATE")
            try:
                previous = self._previous(run.folder, run.started_at)
                since = None
                if previous is not None:
                    def inputs(digest: str | None) -> Inputs:
                        return json.loads(new_inputs[digest]) if digest in new_inputs else self.inputs(digest)

                    since = since_last_run(previous.previous(), self._files(previous.id), files, inputs, run.lang)
                run_id = self._insert_run(run)
                _insert_inputs(self.db, new_inputs)
                _insert_files(self.db, run_id, files)
                _insert_findings(self.db, run_id, files)
                self.db.execute("COMMIT")
            except BaseException:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise
        return run_id, since

    def _insert_run(self, run: Run) -> int:
        columns = RUN_COLUMNS[1:]
        cursor = self.db.execute(f"INSERT INTO runs ({', '.join(columns)}, reported) "
                                 f"VALUES ({', '.join('?' * len(columns))}, 0)", [getattr(run, c) for c in columns])
        return int(cursor.lastrowid or 0)

    def mark_reported(self, run_id: int) -> None:
        """Say that run ``run_id``'s report was written: later runs compare with it."""
        with translated(self.path):
            self.db.execute("UPDATE runs SET reported = 1 WHERE id = ?", (run_id,))  # autocommit


def _insert_inputs(db: sqlite3.Connection, new_inputs: Mapping[str, str]) -> None:
    db.executemany("INSERT OR IGNORE INTO inputs (sha256, fields) VALUES (?, ?)", new_inputs.items())


def _insert_files(db: sqlite3.Connection, run_id: int, files: Sequence[FileState]) -> None:
    records = [None if f.results is None else _dumps(f.results) for f in files]
    digests = [None if r is None else hashlib.blake2b(r.encode("utf-8"), digest_size=16).hexdigest() for r in records]
    db.executemany("INSERT OR IGNORE INTO results (digest, record) VALUES (?, ?)",
                   ((d, r) for d, r in zip(digests, records, strict=True) if d is not None))
    db.executemany("INSERT INTO run_files (run_id, path, sha256, size, project_id, status, results) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)",
                   ((run_id, f.path, f.sha256, f.size, f.project_id, f.status, d)
                    for f, d in zip(files, digests, strict=True)))


def _insert_findings(db: sqlite3.Connection, run_id: int, files: Sequence[FileState]) -> None:
    db.executemany("INSERT INTO findings (run_id, path, code, severity, sheet, cell, field, value, params, message) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   ((run_id, f.path, x.code, x.severity, x.sheet, x.cell, x.field, _dumps(x.value),
                     _dumps(_plain(x.params)), x.message) for f in files for x in f.findings))


def _plain(params: Mapping[str, Any]) -> dict[str, Any]:
    """A finding's message parameters as JSON can hold them (numbers, texts; others as text)."""
    return {k: v if isinstance(v, (list, dict)) else json_scalar(v) for k, v in params.items()}
