"""What the run history costs a nightly batch: ``renewal batch`` with the history against the same
command with ``--no-history`` (the peer), in the same run, on the same corpus.

    python benchmarks/bench_history.py [--files 1000] [--workers W] [--repeat 3] [--changed 0.05]

On one corpus (benchmarks/corpus.py, generated into WORK/corpus-N, reused when
complete), each round runs, as subprocesses, one after the other (the peer first
in even rounds, last in odd ones, so that the machine's drift does not favour it):

(a) ``--no-history``: the peer;
(b) with a new history file: the first night (every file's inputs are new);
(c) again on the same history: a night where nothing changed (compared with (b));
(d) after rewriting ``--changed`` of the files with one input edited: a night with changes
    (compared with (c)).

Then the ratios (b)/(a), (c)/(a) and (d)/(a) of the medians over the rounds (the
history's whole cost, reading the previous run and comparing included), the
history file's size after each night, and what (d) found since (c). Whole commands
vary with whatever else the machine runs, so (e) also times, in this process, the
history's own work (keeping the inputs, comparing, recording) against the check of
the folder it records (``check_folder``), for a first night and an unchanged one.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from corpus import build_corpus  # noqa: E402

from validation.batch import check_folder, discover  # noqa: E402
from validation.history.recorder import Recorder  # noqa: E402
from validation.read.runner import ReadStage, default_workers  # noqa: E402
from validation.testing import set_named  # noqa: E402


def run(corpus: Path, out: Path, workers: int | None, *history: str) -> tuple[float, dict]:
    """One ``renewal batch`` run as a subprocess: its wall time and its results.json."""
    command = [str(Path(sys.executable).parent / "renewal"), "--lang", "en", "batch", str(corpus), "--out", str(out),
               "--fail-on", "never", *(["--workers", str(workers)] if workers else []), *history]
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    return seconds, json.loads((out / "results.json").read_text("utf-8"))


def edit(corpus: Path, files: list[str], share: float, round_: int) -> int:
    """Rewrite ``share`` of the files with their discount rate changed; how many."""
    step = max(1, round(1 / share)) if share > 0 else 0
    chosen = files[round_ % step::step] if step else []
    for name in chosen:
        path = corpus / name
        path.write_bytes(set_named(path.read_bytes(), "in_discount_rate", 0.03 + 0.001 * round_))
    return len(chosen)


def in_process(corpus: Path, history: Path, workers: int | None) -> list[tuple[float, float]]:
    """(check seconds, history seconds) of a first night and of an unchanged night, in this process."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{history}{suffix}").unlink(missing_ok=True)
    timings = []
    for _ in range(2):
        recorder = Recorder(history, corpus, "en")
        kept: list[float] = []

        def keep(extractions: list, recorder: Recorder = recorder, kept: list[float] = kept) -> None:
            start = time.perf_counter()
            recorder.keep(extractions)
            kept.append(time.perf_counter() - start)

        start = time.perf_counter()
        report = check_folder(corpus, lang="en", stage=ReadStage(workers=workers or default_workers()), keep=keep)
        checked = time.perf_counter() - start - kept[0]
        start = time.perf_counter()
        assert recorder.record(report).history["recorded"]
        timings.append((checked, kept[0] + time.perf_counter() - start))
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--changed", type=float, default=0.05, help="share of files edited before night (d)")
    parser.add_argument("--work", type=Path, default=ROOT / ".bench", help="work folder (default .bench)")
    args = parser.parse_args(argv)

    source = args.work / f"corpus-{args.files}"
    build_corpus(source, args.files)
    corpus = args.work / f"history-corpus-{args.files}"  # a copy: night (d) edits files
    files = discover(source)
    times: dict[str, list[float]] = {"a": [], "b": [], "c": [], "d": []}
    sizes: dict[str, int] = {}
    found: dict = {}
    for round_ in range(args.repeat):
        shutil.rmtree(corpus, ignore_errors=True)
        shutil.copytree(source, corpus)
        history = args.work / "history-bench.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{history}{suffix}").unlink(missing_ok=True)
        out = args.work / "history-report"
        if round_ % 2 == 0:  # the peer runs before the three nights in even rounds, after them in odd ones
            times["a"].append(run(corpus, out, args.workers, "--no-history")[0])
        for night in ("b", "c", "d"):
            if night == "d":
                edited = edit(corpus, files, args.changed, round_)
            seconds, doc = run(corpus, out, args.workers, "--history", str(history))
            times[night].append(seconds)
            sizes[night] = history.stat().st_size
            assert doc["history"]["recorded"], doc["history"]
            if night == "d":
                since = doc["since_last_run"]
                found = {"edited": edited, "changed": len(since["changed"]), "unchanged": since["unchanged"],
                         "fields": sum(len(c["fields"]) for c in since["changed"])}
        if round_ % 2 == 1:
            times["a"].append(run(corpus, out, args.workers, "--no-history")[0])
    median = {k: statistics.median(v) for k, v in times.items()}
    print(f"{args.files} files, {args.repeat} rounds, workers {args.workers or 'default'}; median wall seconds:")
    labels = {"a": "(a) --no-history (peer)", "b": "(b) first night, new history",
              "c": "(c) nothing changed", "d": f"(d) {args.changed:.0%} of files edited"}
    for key, label in labels.items():
        ratio = "" if key == "a" else f"   ratio to (a) {median[key] / median['a']:.3f}"
        size = f"   history {sizes[key] / 1e6:.1f} MB" if key in sizes else ""
        print(f"  {label:<32} {median[key]:7.2f} s{ratio}{size}")
    growth = (sizes["c"] - sizes["b"]) / args.files
    print(f"  history growth on a night with nothing changed: {growth:.0f} bytes per file")
    print(f"  (d) found: {found}")
    for night, (checked, recorded) in zip(("first night", "unchanged night"),
                                          in_process(source, args.work / "history-bench-e.sqlite", args.workers),
                                          strict=True):
        print(f"  (e) {night}, in one process: check {checked:.2f} s, history {recorded:.2f} s "
              f"(ratio {recorded / checked:.3f}; {1000 * recorded / args.files:.2f} ms per file)")
    shutil.rmtree(corpus, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
