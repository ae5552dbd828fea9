"""The report files at scale: their sizes and writing times for a run of N files.

    python benchmarks/bench_report.py [--files 1000 10000] [--folder samples] [--lang en] [--keep DIR]

The folder (default: the bundled samples, seven valid projects, their variants and the invalid
examples, so about half the files carry findings) is checked once; its files are then repeated,
each copy under its own folder, until the run has N files, and the three report files are
written for it. Printed per N: each file's size in MB, and the time to write report.html and
summary.xlsx as ratios to the time results.json takes (the peer: the same report as plain JSON).
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from validation.batch import check_folder
from validation.read.runner import ReadStage
from validation.report.html import write_html
from validation.report.records import Report
from validation.report.results import write_json
from validation.report.xlsx import write_xlsx

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024


def scaled(report: Report, n: int) -> Report:
    """``report`` with its files repeated (``copyK/`` folders) until there are ``n``."""
    files = []
    for k in range(n):
        f = report.files[k % len(report.files)]
        path = f"copy{k // len(report.files):05d}/{f.path}"
        files.append(dataclasses.replace(f, path=path, findings=tuple(
            dataclasses.replace(x, file=path) for x in f.findings)))
    return dataclasses.replace(report, files=tuple(files), packages=())


def _timed(write: Callable[[Report, Path], None], report: Report, path: Path) -> float:
    start = time.perf_counter()
    write(report, path)
    return time.perf_counter() - start


def main() -> None:
    """Check the folder once, then write and measure the report at each size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--folder", type=Path, default=ROOT / "samples")
    parser.add_argument("--lang", default="en")
    parser.add_argument("--keep", type=Path, help="write the reports into DIR/N/ and keep them")
    args = parser.parse_args()
    base = check_folder(args.folder, lang=args.lang, stage=ReadStage(workers=1))
    with tempfile.TemporaryDirectory() as scratch:
        for n in args.files:
            out = (args.keep or Path(scratch)) / str(n)
            out.mkdir(parents=True, exist_ok=True)
            report = scaled(base, n)
            seconds = {name: _timed(write, report, out / name) for name, write in
                       (("results.json", write_json), ("report.html", write_html), ("summary.xlsx", write_xlsx))}
            sizes = {name: (out / name).stat().st_size / MB for name in seconds}
            print(f"{n:>6} files, {report.stats()['findings']['total']} findings: "
                  + ", ".join(f"{name} {sizes[name]:.2f} MB" for name in seconds)
                  + f"; time / results.json: report.html {seconds['report.html'] / seconds['results.json']:.2f}, "
                  f"summary.xlsx {seconds['summary.xlsx'] / seconds['results.json']:.2f}")


if __name__ == "__main__":
    main()
