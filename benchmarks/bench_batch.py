"""Time the nightly batch on N generated workbooks, against a raw calamine read and frictionless.

    python benchmarks/bench_batch.py [--files 1000] [--workers W] [--keep] [--repeat R]
                                     [--peer-sample K] [--peer-processes P,Q] [--skip-peer] [--skip-stages]

In one run, on one corpus (benchmarks/corpus.py: the seven samples varied,
every file valid; generated into WORK/corpus-N, reused when complete):

(a) python-calamine reading every sheet of every file, one process: the floor;
(b) ``renewal batch CORPUS --out REPORT`` as a subprocess, the whole command,
    with the batch's default workers unless ``--workers``; its peak RSS
    (summed over the batch and its child processes, and the batch alone),
    polling the process tree every 20 ms, and its peak PSS sum (shared pages
    counted once); the report must say every file is ``ok``;
(c) frictionless validating each file's three input tables
    (benchmarks/peer_frictionless.py) on K files spread evenly over the
    corpus (all when N <= 1000, else 1000), twice: in one process, as a
    reviewer runs ``frictionless validate``, and in as many processes as the
    batch's workers (os.cpu_count() unless ``--workers``), the same cores
    the batch had (``--peer-processes`` to choose).

Then the ratios (b)/(a) (target >= 0.5) and (b)/(c) (target >= 20); with
``--repeat R``, (a) and (b) run R times, alternating, and the ratios use
their medians (the machine's noise is ~15% run to run). Each measurement
says how much CPU it used and how much anything else on the machine did,
so that a disturbed run shows. Unless
``--skip-stages``: where the batch's time goes, from a second run with a
timer around each stage (benchmarks/batch_stages.py), and
``validation.read.extract.extract`` alone per file in one process beside (a).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TypeVar

import psutil
from corpus import ROOT, build_corpus
from python_calamine import CalamineWorkbook

from validation.batch import discover
from validation.read.extract import extract

HERE = Path(__file__).resolve().parent
PEER_DEFAULT = 1000
TARGETS = {"calamine": 0.5, "frictionless": 20.0}
POLL_SECONDS = 0.02
MB = 1024 * 1024
T = TypeVar("T")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line (see the module's docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000, help="workbooks in the corpus (default 1000)")
    parser.add_argument("--workers", type=int, help="passed to renewal batch (default: omitted, the batch's default)")
    parser.add_argument("--keep", action="store_true", help="keep the batch's report (WORK/report-N)")
    parser.add_argument("--peer-sample", type=int,
                        help=f"files frictionless validates (default: all up to {PEER_DEFAULT}, else {PEER_DEFAULT})")
    parser.add_argument("--peer-processes", type=lambda t: [int(n) for n in t.split(",")],
                        help="comma-separated process counts to run frictionless with (default: 1,W)")
    parser.add_argument("--skip-peer", action="store_true", help="do not run frictionless")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run (a) and (b) this many times, alternating; ratios from the medians (default 1)")
    parser.add_argument("--skip-stages", action="store_true",
                        help="do not run the instrumented batch nor time extract() per file")
    parser.add_argument("--work", type=Path, default=ROOT / ".bench", help="work folder (default .bench)")
    return parser.parse_args(argv)


def _cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor() or "unknown CPU"
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")),
                platform.processor() or "unknown CPU")


def machine_info() -> list[str]:
    """What the numbers were measured on, and how busy the machine was at the start."""
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    packages = ("python-calamine", "pandas", "pandera", "numpy", "frictionless", "openpyxl")
    return [
        f"machine: {platform.platform()}, {_cpu_model()}, {os.cpu_count()} logical CPUs, "
        f"{psutil.virtual_memory().total / 1024**3:.1f} GiB RAM; load average at start {load}",
        f"python: {platform.python_implementation()} {platform.python_version()}; "
        + ", ".join(f"{p} {version(p)}" for p in packages),
    ]


def code_version() -> str:
    """The commit measured and the batch's uncommitted changes (read-only git commands)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "--no-optional-locks", *args], cwd=ROOT, capture_output=True,
                              text=True, check=False).stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        changed = git("status", "--porcelain", "--", "validation", "renewal", "workbook_templates").splitlines()
    except OSError:
        return "code: not measured (no git)"
    return f"code: commit {head or '?'}" + (f", uncommitted changes in {len(changed)} files of "
                                            "validation/, renewal/, workbook_templates/" if changed else "")


def read_every_sheet(path: Path) -> None:
    """What (a) times per file: open with calamine, every sheet to Python values."""
    book = CalamineWorkbook.from_path(str(path))
    try:
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()
    finally:
        book.close()


def timed_loop(function: Callable[[T], object], items: Sequence[T]) -> float:
    """Seconds to call ``function`` on every item, in this process."""
    start = time.perf_counter()
    for item in items:
        function(item)
    return time.perf_counter() - start


@dataclass
class CpuUse:
    """CPU seconds over a measured span: this process and its waited-for children, and the machine's.

    What the machine spent beyond ours (other processes, the hypervisor's steal)
    says whether a timing was disturbed.
    """

    wall: float = 0.0
    ours: float = 0.0
    machine: float = 0.0

    def text(self) -> str:
        """One line for the output."""
        return (f"cpu: {self.ours:.1f} s ours ({self.ours / self.wall:.2f} cores busy on average), "
                f"{max(0.0, self.machine - self.ours):.1f} s by anything else on the machine")


def _our_cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _machine_cpu() -> float:
    t = psutil.cpu_times()
    return t.user + t.nice + t.system + t.irq + t.softirq + t.steal  # guest time is within user


@contextmanager
def cpu_use() -> Iterator[CpuUse]:
    """Measure the CPU used while the block runs (children count once waited for)."""
    use = CpuUse()
    start, ours, machine = time.perf_counter(), _our_cpu(), _machine_cpu()
    yield use
    use.wall = time.perf_counter() - start
    use.ours, use.machine = _our_cpu() - ours, _machine_cpu() - machine


@dataclass(frozen=True)
class BatchRun:
    """One ``renewal batch`` subprocess: wall time, exit code, peak memory, CPU, what it printed, its stats."""

    seconds: float
    exit_code: int
    peak: PeakMemory
    cpu: CpuUse
    output: str
    stats: dict


def batch_command(corpus: Path, out: Path, workers: int | None) -> list[str]:
    """``renewal batch CORPUS --out REPORT [--workers W]`` (the arguments after ``renewal``)."""
    return ["batch", str(corpus), "--out", str(out), *(["--workers", str(workers)] if workers else [])]


def _rss(process: psutil.Process) -> int:
    """A process's resident set size; 0 once it has gone."""
    try:
        return process.memory_info().rss
    except psutil.NoSuchProcess:
        return 0


def _pss(process: psutil.Process) -> int:
    """A process's proportional set size (pages shared with others split between them); 0 once gone."""
    try:
        return process.memory_full_info().pss
    except psutil.NoSuchProcess:
        return 0


class PeakMemory:
    """Peak memory of a process alone and with its descendants, from polls.

    Summed RSS counts twice the pages a forked child still shares with its
    parent (the batch forks a writer of summary.xlsx from its large main
    process), so the PSS sum is kept too. Listing descendants scans every
    process (~2 ms) and PSS reads each process's page tables (~10 ms for
    1 GB): both are done every ``RELIST`` and ``PSS_EVERY`` polls only.
    """

    RELIST = 12
    PSS_EVERY = 25

    def __init__(self, process: psutil.Process) -> None:
        self.process, self.members, self.polls = process, list[psutil.Process](), 0
        self.main = self.tree = self.pss = 0

    def poll(self) -> None:
        """Take one sample."""
        if self.polls % self.RELIST == 0:
            try:
                self.members = self.process.children(recursive=True)
            except psutil.NoSuchProcess:
                self.members = []
        if self.polls % self.PSS_EVERY == 0:
            self.pss = max(self.pss, sum(_pss(p) for p in (self.process, *self.members)))
        self.polls += 1
        main = _rss(self.process)
        self.main = max(self.main, main)
        self.tree = max(self.tree, main + sum(_rss(p) for p in self.members))


def run_batch(corpus: Path, out: Path, workers: int | None) -> BatchRun:
    """Run and time the batch as a subprocess, polling its process tree's RSS."""
    command = [sys.executable, "-m", "renewal_cli.main", *batch_command(corpus, out, workers)]
    with tempfile.TemporaryFile("w+") as log, cpu_use() as cpu:
        start = time.perf_counter()
        process = psutil.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        peak = PeakMemory(process)
        while process.poll() is None:
            peak.poll()
            time.sleep(POLL_SECONDS)
        seconds = time.perf_counter() - start
        log.seek(0)
        output = log.read()
    stats = json.loads((out / "results.json").read_text(encoding="utf-8"))["stats"] if process.returncode < 2 else {}
    return BatchRun(seconds, process.returncode, peak, cpu, output.strip(), stats)


def run_stages(corpus: Path, out: Path, workers: int | None) -> dict:
    """A second batch run with a timer around each stage (benchmarks/batch_stages.py)."""
    with tempfile.TemporaryDirectory() as tmp, cpu_use() as cpu:
        timings = Path(tmp, "timings.json")
        subprocess.run([sys.executable, str(HERE / "batch_stages.py"), str(timings),
                        *batch_command(corpus, out, workers)], cwd=ROOT, check=False, capture_output=True)
        result = json.loads(timings.read_text(encoding="utf-8"))
    return {**result, "cpu": cpu}


def peer_files(paths: Sequence[Path], sample: int | None) -> list[Path]:
    """The files frictionless validates: ``sample`` of them spread evenly (default: all up to 1000)."""
    k = min(len(paths), sample if sample else PEER_DEFAULT)
    return [paths[i * len(paths) // k] for i in range(k)]


def run_peer(paths: Sequence[Path], processes: int) -> tuple[CpuUse, int]:
    """Frictionless validating ``paths`` in ``processes`` processes: CPU use and files with errors."""
    from peer_frictionless import table_rules, validate_file

    table_rules()  # build the schemas before forking, as the batch builds its own before reading
    with cpu_use() as cpu, ProcessPoolExecutor(processes) as pool:
        errors = list(pool.map(validate_file, paths, chunksize=max(1, len(paths) // (processes * 8))))
    return cpu, sum(1 for e in errors if e)


def rate(files: int, seconds: float) -> str:
    """Seconds and files per second."""
    return f"{seconds:8.2f} s  {files / seconds:8.1f} files/s"


def verdict(value: float, target: float) -> str:
    """A ratio against its target."""
    return f"{value:.2f} (target >= {target:g}: {'met' if value >= target else 'NOT met'})"


PIPELINE = ("read_all", "folder_frames", "prepare", "input_findings", "compute", "result_findings")
"""The stages check_folder runs, in order (benchmarks/batch_stages.py times them)."""


def stage_lines(stages: dict, files: int) -> list[str]:
    """Where the batch's time goes, from the instrumented run."""
    timed, cpu = stages["stages"], stages["cpu"]
    lines = [f"where the time goes (a second, instrumented batch run: {cpu.wall:.2f} s wall, "
             f"exit {stages['exit_code']}; {cpu.text()}):",
             f"  {'interpreter start + imports':<34}{cpu.wall - stages['total'] + stages['imports']:8.2f} s"]
    for name in (n for n in PIPELINE if n in timed):
        lines.append(f"  {name:<34}{timed[name]:8.2f} s  {1000 * timed[name] / files:7.2f} ms/file")
    if "check_folder" in timed:
        rest = timed["check_folder"] - sum(timed.get(n, 0.0) for n in PIPELINE)
        lines.append(f"  {'check_folder, the rest':<34}{rest:8.2f} s")
    if "write_report" in timed:
        lines.append(f"  {'write_report':<34}{timed['write_report']:8.2f} s")
    lines.append(f"  (main process: {stages['gc_seconds']:.2f} s in {stages['gc_collections']} garbage collections)")
    if stages["missing"]:
        lines.append(f"  (validation.batch no longer has: {', '.join(stages['missing'])})")
    return lines


def measure_calamine(paths: Sequence[Path]) -> tuple[float, list[str]]:
    """(a): seconds, and its lines."""
    with cpu_use() as cpu:
        seconds = timed_loop(read_every_sheet, paths)
    return seconds, [f"(a) calamine, every sheet, 1 process         {rate(len(paths), seconds)}", f"    {cpu.text()}"]


def measure_batch(corpus: Path, out: Path, workers: int | None) -> tuple[BatchRun, list[str]]:
    """(b): the run, and its lines (throughput, result, CPU, peak memory)."""
    batch = run_batch(corpus, out, workers)
    files = batch.stats.get("files", {})
    return batch, [
        f"(b) renewal batch, whole command             {rate(files.get('total', 0), batch.seconds)}  "
        f"exit {batch.exit_code}; {files}; findings {batch.stats.get('findings', {}).get('total')}",
        f"    {batch.cpu.text()} (ours: the batch, its workers and the RSS poller)",
        f"    peak RSS: {batch.peak.tree / MB:.0f} MB batch + its child processes (summed RSS), "
        f"{batch.peak.main / MB:.0f} MB batch process alone (polled every {POLL_SECONDS * 1000:.0f} ms); "
        f"peak PSS sum {batch.peak.pss / MB:.0f} MB (every {POLL_SECONDS * PeakMemory.PSS_EVERY:.1f} s)",
    ]


def measure_floor_and_batch(paths: Sequence[Path], corpus: Path, out: Path, workers: int | None,
                            repeat: int) -> tuple[float, float, list[BatchRun]]:
    """(a) and (b) ``repeat`` times, alternating, each printed; the medians of (a) and (b), and
    the batch runs."""
    floors, batches = [], []
    for _ in range(repeat):
        seconds, lines = measure_calamine(paths)
        show(lines)
        batch, lines = measure_batch(corpus, out, workers)
        show(lines)
        floors.append(seconds)
        batches.append(batch)
    floor, seconds = statistics.median(floors), statistics.median(b.seconds for b in batches)
    medians = f" (medians of {repeat} runs: (a) {floor:.2f} s, (b) {seconds:.2f} s)" if repeat > 1 else ""
    show([f"    ratio (b)/(a) = {verdict(floor / seconds, TARGETS['calamine'])}{medians}"])
    return floor, seconds, batches


def measure_peer(paths: Sequence[Path], sample: int | None, processes: int, batch_rate: float) -> list[str]:
    """(c): its lines (throughput on the files it ran, files with errors, ratio of (b) to it)."""
    peers = peer_files(paths, sample)
    cpu, invalid = run_peer(peers, processes)
    return [
        f"(c) frictionless, 3 tables a file, {processes} process{'es' if processes > 1 else ''}, "
        f"measured on {len(peers):,} files "
        f"{rate(len(peers), cpu.wall)}; files with errors: {invalid}",
        f"    {cpu.text()}",
        f"    ratio (b)/(c) = {verdict(batch_rate / (len(peers) / cpu.wall), TARGETS['frictionless'])}",
    ]


def measure_extract(corpus: Path, files: Sequence[str], calamine: float) -> list[str]:
    """validation.read.extract.extract alone per file, one process, beside (a)."""
    with cpu_use() as cpu:
        seconds = timed_loop(lambda f: extract(corpus, f), files)
    return [f"  extract() alone, 1 process: {1000 * seconds / len(files):.2f} ms/file, against calamine reading "
            f"every sheet {1000 * calamine / len(files):.2f} ms/file ({seconds / calamine:.2f}x); {cpu.text()}"]


def header(args: argparse.Namespace, corpus: Path, files: Sequence[str], generated: float | None) -> list[str]:
    """What was measured, on what, with what."""
    size = sum((corpus / f).stat().st_size for f in files)
    made = f"generated in {generated:.1f} s" if generated is not None else "reused"
    return [
        f"bench_batch: N = {len(files):,} workbooks in {corpus} ({size / MB:.1f} MB; {made})",
        *machine_info(), code_version(),
        f"renewal batch --workers: {args.workers or 'omitted (the batch chooses)'}; "
        f"os.cpu_count() = {os.cpu_count()}, usable by this process {len(os.sched_getaffinity(0))}",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Generate or reuse the corpus, time (a), (b), (c), print throughputs, ratios and peak memory."""
    args = parse_args(argv)
    corpus, out = args.work / f"corpus-{args.files}", args.work / f"report-{args.files}"
    start = time.perf_counter()
    made = build_corpus(corpus, args.files)
    files = discover(corpus)
    paths = [corpus / f for f in files]
    show(header(args, corpus, files, time.perf_counter() - start if made else None))
    calamine, batch_seconds, batches = measure_floor_and_batch(paths, corpus, out, args.workers, args.repeat)
    batch_rate = len(files) / batch_seconds
    if not args.skip_peer:
        for processes in args.peer_processes or sorted({1, args.workers or os.cpu_count() or 1}):
            show(measure_peer(paths, args.peer_sample, processes, batch_rate))
    if not args.skip_stages:
        show(stage_lines(run_stages(corpus, out, args.workers), len(files)))
        show(measure_extract(corpus, files, calamine))
    show([f"load average at end: {', '.join(f'{v:.2f}' for v in os.getloadavg())}"])
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)
    failed = [b for b in batches if b.exit_code or b.stats.get("files", {}).get("ok") != len(files)]
    for batch in failed:
        print(f"the batch did not find the corpus all valid (exit {batch.exit_code}):\n{batch.output}",
              file=sys.stderr)
    return 1 if failed else 0


def show(lines: Sequence[str]) -> None:
    """Print as soon as measured (a long run is watched)."""
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
