"""Shared test settings: hypothesis profiles (CI is the default; `dev` runs more examples); the
corpus of workbooks other tools wrote (tests/tool_corpus.py) and its reference readings, built once;
the generated workbooks, regenerated, recalculated and read once (tests/generated.py)."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from xl_addin.testing import use_office_js_runtime

# The Excel functions are tested through xlwings' Office.js custom-function
# machinery (xlwings.server), the one xlwings Lite runs: set up before xlwings
# is imported (see xl_addin/testing.py for what it sets and why).
use_office_js_runtime()

from hypothesis import HealthCheck, settings  # noqa: E402

if TYPE_CHECKING:
    from generated import Book, Regenerated
    from tool_corpus import Corpus

    from workbook_templates.engine import Values

settings.register_profile("ci", max_examples=200, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """The corpus (tests/tool_corpus.py), built once per session."""
    from tool_corpus import build_corpus

    return build_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def references(corpus: Corpus) -> dict[Path, dict[str, Any]]:
    """The reference reading (tests/reference.py) of every corpus file read so, in two processes
    (spawned: a fork would copy the locks of whatever threads earlier tests left)."""
    from reference import reference_of
    from tool_corpus import read_here

    paths = [e.path for e in corpus.entries if read_here(e)]
    with ProcessPoolExecutor(min(2, os.cpu_count() or 1), mp_context=multiprocessing.get_context("spawn")) as pool:
        return dict(zip(paths, pool.map(reference_of, paths, chunksize=4), strict=True))


@pytest.fixture(scope="session")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Regenerated:
    """Every workbook the generator writes, regenerated into a temporary folder (tests/generated.py)."""
    from generated import regenerate

    return regenerate(tmp_path_factory.mktemp("regenerated"))


@pytest.fixture(scope="session")
def recalculated(regenerated: Regenerated) -> dict[Path, Values]:
    """The formula engine's values of every committed workbook: the generator recalculates every
    workbook it writes, and the committed files are equal to what it writes, so these are the
    committed formulas' values."""
    from generated import ALL

    return {rel: regenerated.values[rel] for rel in ALL}


@pytest.fixture(scope="session")
def books(recalculated: dict[Path, Values]) -> dict[Path, Book]:
    """Every committed workbook as a :class:`generated.Book`."""
    from generated import read_books

    return read_books(recalculated)


SLOW_FIXTURES = {"regenerated", "corpus"}
"""Session fixtures that take tens of seconds (regenerating every workbook, building the corpus of
other writers' files): every test that uses one is marked slow, here and only here."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
