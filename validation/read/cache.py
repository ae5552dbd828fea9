"""Extractions kept between nightly runs, keyed by each file's sha256 (``--cache DIR``).

A file whose bytes are unchanged since the last run reuses what was
extracted from it (its rows and its reading findings) without being opened;
validation, computation and the report still cover every file. Entries live
in ``DIR/<salt>/<sha256[:2]>/<sha256>.pickle``; the salt is a hash of the
extraction code, the template contract and the reading limits, so a new
version of either never reuses stale rows. Use one cache directory per
submissions folder: after a complete run, entries of files no longer in the
folder and entries of other salts are removed. The directory is the operator's
own (entries are pickles): never point it at a folder others can write to.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import pickle
import shutil
import tempfile
from pathlib import Path

from validation.read.extract import Extraction
from validation.read.guards import Limits

EXTRACTION_CODE = ("validation.read.extract", "validation.read.workbook", "validation.read.package",
                   "validation.read.cells", "validation.read.strings", "validation.read.styles",
                   "validation.read.guards", "validation.check.findings", "workbook_templates.contract")
"""Modules whose code decides what an extraction holds."""


def salt(limits: Limits) -> str:
    """A short hash of the extraction code, the contract and the limits."""
    digest = hashlib.sha256(repr(limits).encode())
    for name in EXTRACTION_CODE:
        source = importlib.import_module(name).__file__
        digest.update(Path(str(source)).read_bytes())
    return digest.hexdigest()[:16]


class ExtractionCache:
    """Get and put extractions by sha256 below ``folder``; counts hits and misses."""

    def __init__(self, folder: str | Path, limits: Limits) -> None:
        self.root = Path(folder)
        self.folder = self.root / salt(limits)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.used: set[str] = set()
        self.hits = 0
        self.misses = 0

    def _path(self, sha256: str) -> Path:
        return self.folder / sha256[:2] / f"{sha256}.pickle"

    def get(self, sha256: str, file: str) -> Extraction | None:
        """The cached extraction of these bytes, reported under ``file``; None on a miss."""
        self.used.add(sha256)
        try:
            with self._path(sha256).open("rb") as fh:
                cached = pickle.load(fh)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
            self.misses += 1
            return None
        if not isinstance(cached, Extraction) or cached.sha256 != sha256:
            self.misses += 1
            return None
        self.hits += 1
        return cached.as_file(file)

    def put(self, extraction: Extraction) -> None:
        """Keep an extraction (written atomically: a killed run leaves no half entry)."""
        if extraction.sha256 is None:
            return
        self.used.add(extraction.sha256)
        path = self._path(extraction.sha256)
        path.parent.mkdir(exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as fh:
            pickle.dump(extraction, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(fh.name, path)

    def prune(self) -> int:
        """Remove entries not used by this run and other salts' folders; how many entries went."""
        removed = 0
        for other in self.root.iterdir():
            if other.is_dir() and other != self.folder and len(other.name) == len(self.folder.name):
                removed += sum(1 for _ in other.rglob("*.pickle"))
                shutil.rmtree(other, ignore_errors=True)
        for entry in self.folder.rglob("*"):
            if entry.is_file() and (entry.suffix == ".tmp" or entry.stem not in self.used):
                entry.unlink(missing_ok=True)
                removed += entry.suffix == ".pickle"
        return removed
