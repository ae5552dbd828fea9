"""Generate every committed workbook (``renewal template build [--out DIR]``).

Writes, below ``DIR`` (default: the current directory, i.e. the repository):

* ``workbook_templates/renewal_project.xlsx`` and ``renewal_project_lite.xlsx``:
  the empty project template, formulas spelt for classic xlwings and for
  xlwings Lite;
* ``workbook_templates/renewal_portfolio.xlsx`` and ``renewal_portfolio_lite.xlsx``:
  the paper's seven cases, one row each;
* ``samples/<case>.xlsx``: each reference case in the project template;
* ``portfolios/district_bundling.xlsx``: the sample district portfolio (illustrative
  figures after the paper's district cases) in the portfolio template, for
  ``renewal bundle`` and the Bundles sheet (outside ``samples/``: the nightly
  batch reads project workbooks only);
* ``samples/invalid/*.xlsx`` and ``samples/invalid/MANIFEST.json``: broken
  submissions and what is wrong with each.

Every formula's cached value comes from the formula engine (:mod:`.engine`);
the same inputs give the same bytes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from renewal.cases import case, reference_cases
from workbook_templates import contract
from workbook_templates.book import project_book
from workbook_templates.engine import Values
from workbook_templates.filling import Filling
from workbook_templates.invalid import BROKEN
from workbook_templates.layout import Identity
from workbook_templates.portfolio import Portfolio, portfolio_book
from workbook_templates.render import calculated, compute, package

TEMPLATES_DIR = Path("workbook_templates")
SAMPLES_DIR = Path("samples")
INVALID_DIR = SAMPLES_DIR / "invalid"
PORTFOLIOS_DIR = Path("portfolios")
MANIFEST = INVALID_DIR / "MANIFEST.json"


@dataclass(frozen=True)
class Job:
    """One file to generate: what it is (template, portfolio, sample, invalid) and which one."""

    kind: str
    key: str

    @property
    def path(self) -> Path:
        """Where the file goes, relative to the output directory."""
        if self.kind in ("template", "portfolio"):
            template_id = contract.TEMPLATE_ID if self.kind == "template" else contract.PORTFOLIO_ID
            return TEMPLATES_DIR / Identity(template_id, self.key, ()).files[self.key]
        if self.kind == "sample":
            return SAMPLES_DIR / f"{self.key}.xlsx"
        if self.kind == "portfolio_sample":
            return PORTFOLIOS_DIR / f"{self.key}.xlsx"
        return INVALID_DIR / self.key


@dataclass(frozen=True)
class Made:
    """A generated file: its bytes, what the formula engine computes for it, and its
    MANIFEST entry for a broken one. The cached values are ``values``, except in a
    file made stale on purpose."""

    path: Path
    data: bytes
    values: Values
    manifest: dict[str, object] | None = None


def jobs() -> list[Job]:
    """Every file the generator writes, the slowest first."""
    found = [Job(kind, runtime) for kind in ("template", "portfolio") for runtime in contract.RUNTIMES]
    found += [Job("sample", c.id) for c in reference_cases()]
    found.append(Job("portfolio_sample", "district_bundling"))
    found += [Job("invalid", str(i)) for i in range(len(BROKEN))]
    return found


def make(job: Job) -> Made:
    """Generate one file."""
    if job.kind in ("template", "portfolio", "sample", "portfolio_sample"):
        if job.kind == "template":
            wb = project_book(Filling.empty(), job.key)
        elif job.kind == "portfolio":
            wb = portfolio_book(Portfolio.of_cases(reference_cases()), job.key)
        elif job.kind == "portfolio_sample":
            wb = portfolio_book(Portfolio.district_sample(), "classic")
        else:
            wb = project_book(Filling.from_case(case(job.key)), "classic")
        runtime = job.key if job.kind in ("template", "portfolio") else "classic"
        return Made(job.path, *calculated(wb, runtime))
    broken = BROKEN[int(job.key)]()
    values = compute(broken.wb)
    cached = values if broken.cached is None else broken.cached
    return Made(INVALID_DIR / broken.file, package(broken.wb, cached, "classic"), values, broken.manifest())


T = TypeVar("T")
R = TypeVar("R")


def parallel_map(function: Callable[[T], R], items: Iterable[T], workers: int | None = None) -> list[R]:
    """``[function(x) for x in items]`` on ``workers`` processes (default: up to 2, the CI machine's cores)."""
    items = list(items)
    workers = workers or min(2, os.cpu_count() or 1, len(items))
    if workers <= 1:
        return [function(x) for x in items]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(function, items))


def build_all(out: Path, workers: int | None = None) -> list[Made]:
    """Write every template, sample and broken sample (and the MANIFEST) below ``out``."""
    made = parallel_map(make, jobs(), workers)
    for item in made:
        path = out / item.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(item.data)
    manifest = {"files": [m.manifest for m in made if m.manifest is not None]}
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n", "utf-8")
    return made
