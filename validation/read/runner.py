"""Where the read-and-extract stage runs: here, in worker processes, or on a Dask cluster.

The main process walks the folder, reads each file's bytes and hashes them;
a file whose sha256 is in the cache (``--cache DIR``) is done without being
opened. The others go, a chunk of files per task, to ``--workers N`` processes
(default: the machine's cores) or to a Dask cluster (``--scheduler ADDRESS``),
which get the bytes, so cluster workers need no access to the folder. At most
a few chunks per worker are in flight, so memory stays flat in the number of
files: nothing of a workbook outlives its extraction, only the rows it gave.
Results come back in discovery order whatever order the tasks finish in.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from validation.read.cache import ExtractionCache
from validation.read.extract import Extraction, Loaded, extract_loaded, load
from validation.read.guards import Limits

CHUNK = 16
"""Files per task: enough to make a task's overhead small beside 16 extractions."""
IN_FLIGHT = 4
"""Chunks in flight per worker: keeps every worker busy, bounds memory."""
FIRST_WINDOW = 512
"""Files submitted at once when reading starts (about 22 MB of workbooks): work for the
workers while the main process does something else once (see ``ReadStage.run``)."""
CONNECT_TIMEOUT = "10s"
"""How long to try reaching a Dask scheduler before giving up (exit code 2)."""


class RunnerError(Exception):
    """The read stage cannot start: no Dask installed, or no scheduler at the address."""


@contextmanager
def few_collections() -> Iterator[None]:
    """Collect garbage rarely while the batch runs.

    The batch makes millions of small objects that hold no reference cycles;
    Python's default thresholds start a collection every 700 allocations, and
    over 10,000 files those thousands of collections took 3.7 s of a 72 s run
    and found nothing to free. Reference counting still frees everything.
    """
    previous = gc.get_threshold()
    gc.set_threshold(200_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def _worker_start() -> None:
    """A worker process collects garbage rarely too (see :func:`few_collections`)."""
    gc.set_threshold(200_000, 50, 100)


def default_workers() -> int:
    """The cores this process may use (the machine's cores, or its CPU affinity)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def extract_chunk(chunk: list[Loaded], limits: Limits) -> list[Extraction]:
    """Extract several files' bytes: one task of a worker process or a cluster worker."""
    return [extract_loaded(loaded, limits) for loaded in chunk]


@contextmanager
def _executor(workers: int, scheduler: str | None) -> Iterator[tuple[Executor, int]]:
    """An executor and how many tasks it runs at once."""
    if scheduler:
        try:
            from distributed import Client
        except ImportError as exc:
            raise RunnerError("--scheduler needs Dask: pip install 'renewal-balance[cluster]'") from exc
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            raise RunnerError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
        with client:
            threads = sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values())
            yield client.get_executor(), max(threads, 1)
    else:
        with ProcessPoolExecutor(max_workers=workers, initializer=_worker_start) as pool:
            yield pool, workers


def _bounded(pool: Executor, chunks: Iterable[list[tuple[int, Loaded]]], limits: Limits, window: int,
             started: Callable[[], None]) -> Iterator[tuple[list[int], list[Extraction]]]:
    """Submit chunks as workers free up; yield (indexes, extractions) as they finish.

    The first ``max(window, FIRST_WINDOW // CHUNK)`` chunks go at once, then
    ``started()`` runs (the workers read meanwhile), then at most ``window``
    chunks are in flight.
    """
    chunks = iter(chunks)
    pending: dict[Future[list[Extraction]], list[int]] = {}

    def submit(chunk: list[tuple[int, Loaded]]) -> None:
        pending[pool.submit(extract_chunk, [loaded for _, loaded in chunk], limits)] = [i for i, _ in chunk]

    for chunk in islice(chunks, max(window, FIRST_WINDOW // CHUNK)):
        submit(chunk)
    started()
    for chunk in chunks:
        while len(pending) >= window:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield pending.pop(future), future.result()
        submit(chunk)
    while pending:
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            yield pending.pop(future), future.result()


def _nothing() -> None:
    """No work to do meanwhile."""


def _chunked(items: Iterator[tuple[int, Loaded]], size: int) -> Iterator[list[tuple[int, Loaded]]]:
    while chunk := list(islice(items, size)):
        yield chunk


@dataclass
class ReadStage:
    """How to read a folder's files: workers or a scheduler, limits, an optional cache."""

    workers: int = 1
    scheduler: str | None = None
    limits: Limits = field(default_factory=Limits)
    cache: ExtractionCache | None = None

    def run(self, root: Path, files: list[str], progress: Callable[[int, int, str], None] | None = None,
            meanwhile: Callable[[], None] | None = None) -> list[Extraction]:
        """Every file's extraction, in the order of ``files``.

        ``meanwhile`` is called once: with workers, as soon as they have been
        started and given their first files, so that it runs while they read
        (and they start without what it loads); else after reading.
        """
        results: list[Extraction | None] = [None] * len(files)
        count = 0
        meanwhile = meanwhile or _nothing

        def done(i: int, extraction: Extraction, fresh: bool) -> None:
            nonlocal count
            results[i] = extraction
            if fresh and self.cache is not None:
                self.cache.put(extraction)
            count += 1
            if progress:
                progress(count, len(files), extraction.file)

        def to_extract() -> Iterator[tuple[int, Loaded]]:
            for i, file in enumerate(files):
                loaded = load(root, file, self.limits)
                if isinstance(loaded, Extraction):
                    done(i, loaded, fresh=False)
                elif self.cache is not None and (hit := self.cache.get(loaded.sha256, file)):
                    done(i, hit, fresh=False)
                else:
                    yield i, loaded

        if self.scheduler is None and (self.workers <= 1 or len(files) <= CHUNK):
            for i, loaded in to_extract():
                done(i, extract_loaded(loaded, self.limits), fresh=True)
            meanwhile()
        else:
            with _executor(self.workers, self.scheduler) as (pool, parallel):
                chunks = _chunked(to_extract(), CHUNK)
                for indexes, extractions in _bounded(pool, chunks, self.limits, IN_FLIGHT * parallel, meanwhile):
                    for i, extraction in zip(indexes, extractions, strict=True):
                        done(i, extraction, fresh=True)
        if self.cache is not None:
            self.cache.prune()
        return [r for r in results if r is not None]
