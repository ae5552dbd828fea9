"""The nightly batch: discover, read, extract, validate, compute, compare, report.

:func:`check_folder` runs the pipeline over a folder and returns a
:class:`~validation.report.Report`; :func:`write_report` writes its three files
atomically; :func:`command` is ``renewal batch``. Reading is per file (a pure
function, in worker processes with ``--workers N``); everything after it
runs once over frames that hold the whole folder (:mod:`validation.check.assess`,
imported while the workers read).
"""

from __future__ import annotations

import argparse
import importlib
import multiprocessing
import os
import sys
from collections.abc import Callable
from pathlib import Path

from renewal.language import message
from validation.check.findings import SEVERITIES
from validation.history.database import default_path
from validation.history.recorder import Recorder
from validation.read.cache import ExtractionCache
from validation.read.extract import Extraction
from validation.read.guards import Limits
from validation.read.runner import ReadStage, RunnerError, default_workers, few_collections
from validation.report.atomic import ReportFolderError, replace_folder
from validation.report.html import write_html
from validation.report.records import REPORT_FILES, Report
from validation.report.results import write_json
from validation.report.terminal import Progress, summary

# Discover: every spreadsheet file below the folder, recursively, in a stable order; also those
# the batch cannot read (.xls, .xlsb, .ods, WPS's .et): they become findings, so that no
# submission silently vanishes from the nightly check. Skipped: Excel's lock files (``~$name``),
# hidden files and hidden folders. Nothing is opened here and nothing is written into the folder.

EXTENSIONS = (".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlsb", ".ods", ".et")


def _hidden(name: str) -> bool:
    return name.startswith(".")


def discover(folder: str | Path) -> list[str]:
    """Paths of the workbooks below ``folder``, relative to it (``/``-separated), sorted.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     for name in ["b.xlsx", "a/c.XLSM", "~$b.xlsx", ".x.xlsx", ".git/d.xlsx", "e.xls", "f.csv"]:
    ...         p = Path(d, name); p.parent.mkdir(exist_ok=True); _ = p.write_bytes(b"")
    ...     discover(d)
    ['a/c.XLSM', 'b.xlsx', 'e.xls']
    """
    root = Path(folder)
    found = []
    for current, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not _hidden(d)]
        for name in files:
            if _hidden(name) or name.startswith("~$") or not name.lower().endswith(EXTENSIONS):
                continue
            path = Path(current, name)
            if path.is_file():
                found.append(path.relative_to(root).as_posix())
    return sorted(found)


def submissions(path: str | Path) -> tuple[Path, list[str]]:
    """The folder to read from and the workbooks in it: a folder's :func:`discover`, or a
    single file as a folder of one (its own folder, and its name).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = Path(d, "a.xlsx").write_bytes(b"")
    ...     root, files = submissions(Path(d, "a.xlsx"))
    ...     root == Path(d), files
    (True, ['a.xlsx'])
    """
    path = Path(path)
    if path.is_file():
        return path.parent, [path.name]
    return path, discover(path)


HEAVY_MODULES = ("validation.check.assess", "validation.report.xlsx")
"""What runs after reading; imported while the workers read (:func:`load_heavy_modules`)."""


def _write_xlsx(report: Report, path: Path) -> None:
    from validation.report.xlsx import write_xlsx  # openpyxl: one of the HEAVY_MODULES

    write_xlsx(report, path)


WRITERS = dict(zip(REPORT_FILES, (write_json, _write_xlsx, write_html), strict=True))
PARALLEL_WRITE_FILES = 200
"""From this many files on, summary.xlsx is written in a child process beside the others."""


class BatchError(Exception):
    """The run cannot proceed (exit code 2): no such folder, output overlapping it, unwritable."""


def read_all(root: Path, files: list[str], *, stage: ReadStage | None = None,
             progress: Callable[[int, int, str], None] | None = None,
             meanwhile: Callable[[], None] | None = None) -> list[Extraction]:
    """Extract ``files`` below ``root``, in their order (``meanwhile``: see
    :meth:`validation.runner.ReadStage.run`)."""
    return (stage or ReadStage()).run(root, files, progress, meanwhile)


def check_folder(folder: str | Path, *, lang: str = "zh", stage: ReadStage | None = None,
                 progress: Callable[[int, int, str], None] | None = None,
                 keep: Callable[[list[Extraction]], None] | None = None) -> Report:
    """Run the pipeline over ``folder`` (or one workbook, as a folder of one) and return what
    it found (nothing is written).

    ``stage`` says where reading runs (workers, a Dask scheduler) and with what cache;
    ``keep`` sees the extractions before their rows go into frames (the run history's inputs).
    :class:`BatchError` when there is no such folder or no workbook in it: a nightly run on
    an empty folder is usually a wrong path or a failed mount, not a night without work.
    """
    if not Path(folder).exists():
        raise BatchError(message("cli", "no_folder", lang, package="validation", path=folder))
    root, files = submissions(folder)
    if not files:
        raise BatchError(message("cli", "no_workbooks", lang, package="validation", path=folder))
    with few_collections():
        return _check(folder, root, files, lang=lang, stage=stage, progress=progress, keep=keep)


def _check(folder: str | Path, root: Path, files: list[str], *, lang: str, stage: ReadStage | None,
           progress: Callable[[int, int, str], None] | None,
           keep: Callable[[list[Extraction]], None] | None) -> Report:
    try:
        extractions = read_all(root, files, stage=stage, progress=progress, meanwhile=load_heavy_modules)
    except RunnerError as exc:
        raise BatchError(str(exc)) from exc
    if keep is not None:
        keep(extractions)
    from validation.check.assess import assess  # loaded by load_heavy_modules while the workers read

    return assess(folder, extractions, lang)


def load_heavy_modules() -> None:
    """Import what runs after reading (pandas, pandera; openpyxl for the report).

    Called by the read stage once the workers have been started and given a
    first batch of files: the workers fork without these modules (lean), and
    importing them, about a second, overlaps with their reading.
    """
    for module in HEAVY_MODULES:
        importlib.import_module(module)


class WriterError(RuntimeError):
    """A report file could not be written (the previous report stays in place)."""


def _write_files(report: Report, folder: Path) -> None:
    """The three files; where processes can fork, summary.xlsx (the slowest, openpyxl) is
    written by a child process while this one writes the other two."""
    writers = dict(WRITERS)
    child = None
    if "fork" in multiprocessing.get_all_start_methods() and len(report.files) >= PARALLEL_WRITE_FILES:
        xlsx = writers.pop("summary.xlsx")
        child = multiprocessing.get_context("fork").Process(target=xlsx, args=(report, folder / "summary.xlsx"))
        child.start()
    try:
        for name, writer in writers.items():
            writer(report, folder / name)
    finally:
        if child is not None:
            child.join()
    if child is not None and child.exitcode != 0:
        raise WriterError(f"summary.xlsx: the writer process ended with exit code {child.exitcode}")


def write_report(report: Report, out: str | Path) -> Path:
    """Write results.json, summary.xlsx and report.html into ``out``, atomically."""
    def write(folder: Path) -> None:
        _write_files(report, folder)

    try:
        return replace_folder(out, write, REPORT_FILES)
    except ReportFolderError as exc:
        raise BatchError(message("cli", "cannot_write", report.lang, package="validation",
                                 reason=exc)) from exc


def _overlap(folder: Path, out: Path) -> bool:
    a, b = folder.resolve(), out.resolve()
    return a == b or a.is_relative_to(b) or b.is_relative_to(a)


def command(args: argparse.Namespace) -> int:
    """``renewal batch FOLDER --out REPORT``: exit 0, 1 (a finding at --fail-on) or 2 (no run).

    The run is recorded in the run history (``--history PATH``, default
    :func:`~validation.history.database.default_path`; ``--no-history``: not at all)
    before the report is written, so that the report can say what changed since
    the previous run and whether this one was recorded, and marked reported once the
    report is in place (see :mod:`validation.history.runs`)."""
    lang = args.lang
    recorder = None
    try:
        if _overlap(Path(args.folder), Path(args.out)):
            raise BatchError(message("cli", "out_overlaps", lang, package="validation", out=args.out))
        cache = ExtractionCache(args.cache, Limits()) if args.cache else None
        stage = ReadStage(workers=args.workers or default_workers(), scheduler=args.scheduler, cache=cache)
        if not args.no_history:
            recorder = Recorder(args.history or default_path(args.out), args.folder, lang)
        report = check_folder(args.folder, lang=lang, stage=stage, progress=Progress(),
                              keep=recorder.keep if recorder else None)
        if recorder is not None:
            report = recorder.record(report)
        path = write_report(report, args.out)
        if recorder is not None:
            recorder.reported()
    except BatchError as exc:
        print(f"renewal batch: {exc}", file=sys.stderr)
        return 2
    finally:
        if recorder is not None:
            recorder.close()
    if args.verbose:
        for diagnostic in report.diagnostics:
            print(diagnostic, file=sys.stderr)
        for f in report.files:
            print(message("cli", "file_line", lang, package="validation", path=f.path,
                          status=message("status", f.status, lang, package="validation"),
                          **{s: f.count(s) for s in SEVERITIES}))
    print("\n".join(summary(report, lang)))
    if cache is not None:
        print(message("cli", "cache", lang, package="validation", hits=cache.hits,
                      misses=cache.misses, folder=args.cache))
    print(message("cli", "report", lang, package="validation", path=path))
    return 1 if report.reaches(args.fail_on) else 0
