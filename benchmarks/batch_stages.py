"""Run ``renewal`` with a timer around each stage of :mod:`validation.batch` (for bench_batch.py).

    python benchmarks/batch_stages.py TIMINGS.json batch FOLDER --out REPORT [...]

Wraps the functions :func:`validation.batch.check_folder`, ``command`` and
:func:`validation.check.assess.assess` call by their module-level names (read_all,
folder_frames, prepare, ...),
runs the command line as ``renewal`` would, and writes the seconds spent
in each (wall clock, summed over calls), and the garbage collections of the
main process, as JSON. A stage the batch no longer has is listed under
``missing`` rather than failing the run.
"""

from __future__ import annotations

import time

START = time.perf_counter()

import gc  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from functools import wraps  # noqa: E402
from pathlib import Path  # noqa: E402
from types import ModuleType  # noqa: E402

STAGES = {"validation.batch": ("check_folder", "read_all", "write_report"),
          "validation.check.assess": ("folder_frames", "prepare", "input_findings", "compute", "result_findings")}
"""Module-level names timed, by module; check_folder holds all but write_report."""


def timed(function: Callable[..., object], name: str, totals: dict[str, float]) -> Callable[..., object]:
    """``function``, adding the wall time of every call to ``totals[name]``."""
    @wraps(function)
    def call(*args: object, **kwargs: object) -> object:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            totals[name] = totals.get(name, 0.0) + time.perf_counter() - start
    return call


def instrument(module: ModuleType, names: tuple[str, ...], totals: dict[str, float]) -> list[str]:
    """Wrap each of ``names`` in ``module`` with a timer; the names it does not have."""
    missing = []
    for name in names:
        if callable(getattr(module, name, None)):
            setattr(module, name, timed(getattr(module, name), name, totals))
        else:
            missing.append(name)
    return missing


def watch_gc() -> dict[str, float]:
    """From now on, count the garbage collections and the seconds they take (updated in place)."""
    totals = {"seconds": 0.0, "count": 0, "started": 0.0}

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            totals["started"] = time.perf_counter()
        else:
            totals["seconds"] += time.perf_counter() - totals["started"]
            totals["count"] += 1

    gc.callbacks.append(callback)
    return totals


def main() -> int:
    """Run the command line given after TIMINGS.json; write the timings there."""
    out, argv = Path(sys.argv[1]), sys.argv[2:]
    from renewal_cli.main import main as renewal

    # validation.check.assess is imported here, before the run, to be instrumented: in this run its
    # import counts among the imports instead of overlapping with the workers' reading
    modules = {name: importlib.import_module(name) for name in STAGES}
    imported = time.perf_counter()
    totals: dict[str, float] = {}
    missing = [m for name, names in STAGES.items() for m in instrument(modules[name], names, totals)]
    collections = watch_gc()
    code = renewal(argv)
    timings = {"imports": imported - START, "stages": totals, "missing": missing,
               "total": time.perf_counter() - START, "exit_code": code,
               "gc_seconds": collections["seconds"], "gc_collections": int(collections["count"])}
    out.write_text(json.dumps(timings, indent=2), encoding="utf-8")
    return code


if __name__ == "__main__":
    sys.exit(main())
