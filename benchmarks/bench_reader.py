"""Time our workbook reader against python-calamine on the test corpus, as ratios from one run.

    python benchmarks/bench_reader.py [--repeat 5] [--office] [--work DIR]

The corpus is the tests' (tests/tool_corpus.py: the samples, their hand-written variants, and what
openpyxl, XlsxWriter, pandas and, with ``--office``, LibreOffice and Gnumeric write), built into
WORK/reader-corpus. On every file, in this one process, R rounds in turn:

(a) python-calamine opening the file and reading every sheet (``to_python``): the floor;
(b) ``validation.read.inspect.inspect_file``: every cell of every sheet, the names and the tables;
(c) ``validation.read.extract.extract``: what the batch reads of a project workbook (guards included),
    on the project-shaped files only.

Per writer: the median over the rounds of the summed seconds, and the ratios (b)/(a) and (c)/(a)
(> 1: slower than calamine). Files calamine cannot open (a workbook part elsewhere than
xl/workbook.xml) are left out (a note says how many). Each round alternates the
readers file by file, so that the machine's drift falls on all three alike.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

import python_calamine as calamine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from tool_corpus import Entry, build_corpus  # noqa: E402  (tests/tool_corpus.py)

from validation.read.extract import extract  # noqa: E402


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="rounds over the corpus (default 5)")
    parser.add_argument("--office", action="store_true", help="also LibreOffice's and Gnumeric's files")
    parser.add_argument("--work", type=Path, default=ROOT / ".bench", help="work folder (default .bench)")
    return parser.parse_args(argv)


def read_with_calamine(path: Path) -> bool:
    """Every sheet's values; False if calamine cannot open the file."""
    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
    except calamine.CalamineError:
        return False
    for sheet in book.sheet_names:
        book.get_sheet_by_name(sheet).to_python()
    return True


def timed(function: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


Times = dict[str, list[float]]
"""reader -> summed seconds per round, over the files calamine opens."""


def measure(entries: list[Entry], rounds: int) -> tuple[dict[str, Times], dict[str, int]]:
    """Per writer, the readers' summed seconds per round; and per writer the files calamine cannot open."""
    from validation.read.inspect import inspect_file

    totals: dict[str, Times] = defaultdict(lambda: defaultdict(lambda: [0.0] * rounds))
    unreadable: dict[str, int] = defaultdict(int)
    for r in range(rounds):
        for entry in entries:
            group = totals[entry.writer]
            seconds, readable = timed(lambda e=entry: read_with_calamine(e.path))
            ours = timed(lambda e=entry: inspect_file(e.path))[0]
            batch = timed(lambda e=entry: extract(e.path.parent, e.path.name))[0] if entry.project else 0.0
            if not readable:
                unreadable[entry.writer] += r == 0
                continue
            group["calamine"][r] += seconds
            group["inspect_file"][r] += ours
            if entry.project:
                group["extract"][r] += batch
                group["calamine, project files"][r] += seconds
    return totals, unreadable


def _ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:11.2f}" if denominator else f"{'-':>11s}"


def report(totals: dict[str, Times], files: dict[str, int], unreadable: dict[str, int]) -> list[str]:
    """One line per writer and one for the whole corpus: medians over the rounds, and ratios."""
    lines = [f"{'writer':28s} {'files':>5s} {'calamine s':>10s} {'inspect s':>10s} {'inspect/cal':>11s} "
             f"{'extract s':>10s} {'extract/cal':>11s}"]
    overall: Times = defaultdict(list)
    rows = []
    for writer in sorted(files):
        readers = totals.get(writer, {})
        for name, values in readers.items():
            overall[name] = [a + b for a, b in zip(overall[name], values, strict=True)] if overall[name] else values
        rows.append((writer, files[writer], {name: statistics.median(v) for name, v in readers.items()}))
    rows.append(("all", sum(files.values()), {name: statistics.median(v) for name, v in overall.items()}))
    for writer, count, med in rows:
        cal, ours, batch, cal_p = (med.get(k, 0.0) for k in ("calamine", "inspect_file", "extract",
                                                              "calamine, project files"))
        note = f"  ({unreadable[writer]} files calamine cannot open, left out)" if unreadable.get(writer) else ""
        lines.append(f"{writer:28s} {count:5d} {cal:10.4f} {ours:10.4f} {_ratio(ours, cal)} "
                     f"{batch:10.4f} {_ratio(batch, cal_p)}{note}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    folder = args.work / "reader-corpus"
    if folder.exists():
        import shutil

        shutil.rmtree(folder)
    corpus = build_corpus(folder, office=args.office)
    entries = [e for e in corpus.entries if e.path.suffix == ".xlsx"]
    files: dict[str, int] = defaultdict(int)
    for entry in entries:
        files[entry.writer] += 1
    print(f"corpus: {len(entries)} files in {folder}" + (f"; not built: {corpus.missing}" if corpus.missing else ""))
    print(f"load average at start: {', '.join(f'{v:.2f}' for v in os.getloadavg())}; {args.repeat} rounds")
    totals, unreadable = measure(entries, args.repeat)
    for line in report(totals, files, unreadable):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
