"""The nightly batch: discover, read, extract, validate, compute, compare, report.

:func:`check_folder` runs the pipeline over a folder and returns a
:class:`~validation.report.Report`; :func:`write_report` writes its three files
atomically; :func:`command` is ``renewal batch``. Reading is per file (a pure
function, in worker processes with ``--workers N``); everything after it
runs once over frames that hold the whole folder (:mod:`validation.assess`,
imported while the workers read).
"""

from __future__ import annotations

import argparse
import importlib
import multiprocessing
import sys
from collections.abc import Callable
from pathlib import Path

from renewal.language import message
from validation.atomic import ReportFolderError, replace_folder
from validation.cache import ExtractionCache
from validation.discover import submissions
from validation.extract import Extraction
from validation.findings import SEVERITIES
from validation.guards import Limits
from validation.progress import Progress
from validation.report import REPORT_FILES, Report
from validation.report_html import write_html
from validation.report_json import write_json
from validation.runner import ReadStage, RunnerError, default_workers, few_collections
from validation.summary import summary

HEAVY_MODULES = ("validation.assess", "validation.report_xlsx")
"""What runs after reading; imported while the workers read (:func:`load_heavy_modules`)."""


def _write_xlsx(report: Report, path: Path) -> None:
    from validation.report_xlsx import write_xlsx  # openpyxl: one of the HEAVY_MODULES

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
                 progress: Callable[[int, int, str], None] | None = None) -> Report:
    """Run the pipeline over ``folder`` (or one workbook, as a folder of one) and return what
    it found (nothing is written).

    ``stage`` says where reading runs (workers, a Dask scheduler) and with what cache.
    :class:`BatchError` when there is no such folder or no workbook in it: a nightly run on
    an empty folder is usually a wrong path or a failed mount, not a night without work.
    """
    if not Path(folder).exists():
        raise BatchError(message("cli", "no_folder", lang, package="validation", path=folder))
    root, files = submissions(folder)
    if not files:
        raise BatchError(message("cli", "no_workbooks", lang, package="validation", path=folder))
    with few_collections():
        return _check(folder, root, files, lang=lang, stage=stage, progress=progress)


def _check(folder: str | Path, root: Path, files: list[str], *, lang: str, stage: ReadStage | None,
           progress: Callable[[int, int, str], None] | None) -> Report:
    try:
        extractions = read_all(root, files, stage=stage, progress=progress, meanwhile=load_heavy_modules)
    except RunnerError as exc:
        raise BatchError(str(exc)) from exc
    from validation.assess import assess  # loaded by load_heavy_modules while the workers read

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
    """``renewal batch FOLDER --out REPORT``: exit 0, 1 (a finding at --fail-on) or 2 (no run)."""
    lang = args.lang
    try:
        if _overlap(Path(args.folder), Path(args.out)):
            raise BatchError(message("cli", "out_overlaps", lang, package="validation", out=args.out))
        cache = ExtractionCache(args.cache, Limits()) if args.cache else None
        stage = ReadStage(workers=args.workers or default_workers(), scheduler=args.scheduler, cache=cache)
        report = check_folder(args.folder, lang=lang, stage=stage, progress=Progress())
        path = write_report(report, args.out)
    except BatchError as exc:
        print(f"renewal batch: {exc}", file=sys.stderr)
        return 2
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
