"""Our reader and the batch against workbooks that real tools wrote (the corpus, tests/tool_corpus.py).

1. Every corpus file: ``validation.inspect.inspect_file`` reads the cells python-calamine reads, with
   the formula flags, cached errors, names and tables openpyxl reads (tests/reference.py says the
   whole normalisation). The hand variants are read so for two samples (``tool_corpus.READ_VARIANTS_OF``:
   the reference costs about 0.2 s of CPU a file); all seven samples' variants go through the batch.
   The corpus and the reference readings are session fixtures (tests/conftest.py).
2. Every project-shaped corpus file through one ``check_folder`` run: the status and recomputed
   results of the sample it came from, never NOT_A_WORKBOOK nor NOT_A_TEMPLATE; where its result
   cells hold no calculated value (openpyxl saves none, LibreOffice and Gnumeric cache ``#NAME?`` for
   our functions), exactly one RESULT_NOT_CALCULATED note and nothing else.
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy_financial as npf
import pytest
from reference import differences
from tool_corpus import CHANGED, CHANGES, FILLED_FROM, LIBREOFFICE_FILTERS, SAMPLES, Corpus, Entry, read_here
from variants import VARIANTS

from validation.batch import check_folder
from validation.report.records import FileReport

IDENTITY = ("project_id", "package_id")
"""Result fields the corpus changes on purpose (each file has its own project id)."""
NOT_CALCULATED = "RESULT_NOT_CALCULATED"
WRITERS = ("original", *(f"variant/{v}" for v in VARIANTS), "openpyxl/resaved", "openpyxl/filled",
           "openpyxl/changed", "xlsxwriter/clone", "xlsxwriter/scratch", "pandas/openpyxl", "pandas/xlsxwriter",
           *(f"libreoffice/{f}" for f in (*LIBREOFFICE_FILTERS, "ods")), "gnumeric")
PROGRAMS = {"libreoffice": "soffice", "gnumeric": "ssconvert"}


def _entries(corpus: Corpus, writer: str) -> list[Entry]:
    program = PROGRAMS.get(writer.split("/", maxsplit=1)[0])
    if program and writer.split("/", maxsplit=1)[0] in corpus.missing:
        pytest.skip(f"{program} is not installed")
    entries = [e for e in corpus.entries if e.writer == writer]
    assert entries, f"the corpus has no file written by {writer}"
    return entries


@pytest.mark.slow
@pytest.mark.parametrize("writer", WRITERS)
def test_our_reader_reads_what_calamine_and_openpyxl_read(writer: str, corpus: Corpus,
                                                         references: dict[Path, dict[str, Any]]) -> None:
    from validation.read.inspect import inspect_file

    problems = {}
    for entry in _entries(corpus, writer):
        if not read_here(entry):
            continue
        ours = inspect_file(entry.path)
        assert "findings" not in ours, (entry.id, ours.get("findings"))
        found = differences(ours, references[entry.path])
        if found:
            problems[entry.id] = found
    assert not problems


@pytest.mark.slow
def test_renewal_inspect_prints_the_same_reading_as_json(corpus: Corpus, references: dict[Path, dict[str, Any]],
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """``renewal inspect FILE... --format json``: one JSON object per file and line, in the order
    given, each agreeing with the references (one file of every writer)."""
    from renewal_cli.main import main

    firsts = {}
    for entry in corpus.entries:
        if read_here(entry):
            firsts.setdefault(entry.writer, entry)
    paths = [str(e.path) for e in firsts.values()]
    assert main(["inspect", *paths, "--format", "json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["file"] for line in lines] == paths
    for entry, line in zip(firsts.values(), lines, strict=True):
        assert differences(json.loads(line), references[entry.path]) == [], entry.id


# --- the batch ----------------------------------------------------------------------------------------

def _batch_name(entry: Entry) -> str:
    return f"{entry.writer.replace('/', '__')}__{entry.path.name}"


def _batchable(corpus: Corpus) -> Iterator[Entry]:
    yield from (e for e in corpus.entries if e.project)


@pytest.fixture(scope="session")
def batch(corpus: Corpus) -> dict[str, FileReport]:
    """One batch run over every project-shaped corpus file: its report per corpus file id."""
    folder = corpus.folder / "batch"
    folder.mkdir()
    entries = list(_batchable(corpus))
    for entry in entries:
        shutil.copyfile(entry.path, folder / _batch_name(entry))
    report = check_folder(folder, lang="en")  # in this process: no fork of a process that ran threads
    by_name = {f.path: f for f in report.files}
    assert sorted(by_name) == sorted(_batch_name(e) for e in entries)
    return {e.id: by_name[_batch_name(e)] for e in entries}


def _not_calculated(reading: dict[str, Any]) -> bool:
    """Whether a result cell (a ``res_*`` name's) holds no calculated value: ``#NAME?``, or a formula
    with no cached value where the generator caches one (openpyxl's saves)."""
    results = reading["sheets"].get("Results", {})
    for name, ref in reading["names"].items():
        if not name.startswith("res_"):
            continue
        first = ref.rpartition("!")[2].split(":")[0].replace("$", "")
        cell = results.get(first)
        if cell is None or cell["error"] == "#NAME?" or (cell["formula"] and cell["value"] in ("", None)
                                                          and cell["error"] is None):
            return True
    return False


def _same_results(got: dict[str, Any] | None, expected: dict[str, Any] | None) -> list[str]:
    if (got is None) != (expected is None):
        return [f"results: {got} instead of {expected}"]
    if got is None or expected is None:
        return []
    return [f"{key}: {got.get(key)!r} instead of {value!r}" for key, value in expected.items()
            if key not in IDENTITY and not _close(got.get(key), value)]


def _close(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(_close, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    return a == b


@pytest.mark.slow
@pytest.mark.parametrize("writer", [w for w in WRITERS if w not in (
    "xlsxwriter/scratch", "pandas/openpyxl", "pandas/xlsxwriter", "openpyxl/changed")])
def test_the_batch_reads_every_project_workbook_as_its_sample(
        writer: str, corpus: Corpus, batch: dict[str, FileReport], references: dict[Path, dict[str, Any]]) -> None:
    """Same status, same recomputed results; one note where the results were not calculated. A file
    that lost tables (Gnumeric writes none) is invalid with one NAME_MISSING per lost table and
    nothing else: no finding that follows from reading its tables as empty, and no note saying its
    results were recomputed (they cannot be)."""
    problems = {}
    for entry in _entries(corpus, writer):
        source = corpus.get("original", entry.path.name if entry.template else f"{entry.sample}.xlsx")
        original, got = batch[source.id], batch[entry.id]
        reading = references.get(entry.path)  # none for variants not read here: they cache what the sample does
        lost = sorted(set(references[source.path]["tables"]) - set(reading["tables"])) if reading else []
        expect_note = (reading is not None and not lost and _not_calculated(reading)
                       and not _not_calculated(references[source.path]))
        status = "invalid" if lost else original.status
        codes = [f.code for f in got.findings]
        wrong = [f"status {got.status} instead of {status}"] if got.status != status else []
        wrong += [f"finding {c}" for c in codes if c in ("NOT_A_WORKBOOK", "NOT_A_TEMPLATE")]
        expected_codes = sorted([f.code for f in original.findings] + [NOT_CALCULATED] * expect_note
                                + ["NAME_MISSING"] * len(lost))
        if sorted(codes) != expected_codes:
            wrong.append(f"findings {[(f.code, f.severity, f.message('en')) for f in got.findings]}, "
                         f"expected {expected_codes}")
        wrong += [f"{f.code} is {f.severity}" for f in got.findings
                  if f.code == NOT_CALCULATED and f.severity != "info"]
        if not lost:
            wrong += _same_results(got.results, original.results)
        if wrong:
            problems[entry.id] = wrong
    assert not problems


@pytest.mark.slow
def test_the_batch_recomputes_a_workbook_changed_through_its_names(corpus: Corpus,
                                                                   batch: dict[str, FileReport]) -> None:
    """openpyxl changed the discount rate, a renovation cost and a year-1 revenue: So falls by the
    cost, Sk in year 1 rises by the revenue, NPV and IRR follow (numpy-financial's, from those)."""
    original = batch[f"original/{CHANGED}.xlsx"].results
    got = batch[f"openpyxl/changed/{CHANGED}.xlsx"]
    assert got.status == "ok", [(f.code, f.message) for f in got.findings]
    assert [f.code for f in got.findings] == [NOT_CALCULATED]
    so = original["renovation_surplus"] - CHANGES["renovation_cost"]
    sk = [original["operating_surpluses"][0] + CHANGES["first_revenue"], *original["operating_surpluses"][1:]]
    assert got.results["renovation_surplus"] == pytest.approx(so, rel=1e-12)
    assert got.results["operating_surpluses"] == pytest.approx(sk, rel=1e-12)
    assert got.results["discount_rate"] == CHANGES["discount_rate"]
    assert got.results["npv"] == pytest.approx(npf.npv(CHANGES["discount_rate"], [so, *sk]), rel=1e-9)
    assert got.results["irr"] == pytest.approx(npf.irr([so, *sk]), rel=1e-9)


def test_the_corpus_has_what_it_promises(corpus: Corpus) -> None:
    """Every writer's files are there (or its program is absent), project ids are unique, and the
    openpyxl, XlsxWriter and pandas files come from those writers."""
    writers = {e.writer for e in corpus.entries}
    absent = {w for w in WRITERS if w.split("/")[0] in corpus.missing}
    assert writers == set(WRITERS) - absent
    assert len([e for e in corpus.entries if e.writer.startswith("variant/")]) == len(VARIANTS) * len(SAMPLES)
    assert {e.sample for e in corpus.entries if e.writer == "openpyxl/filled"} == set(FILLED_FROM)
    for entry in corpus.entries:
        app = _application(entry.path)
        if entry.writer.startswith(("openpyxl/", "pandas/openpyxl")):
            assert "openpyxl" in app.lower(), (entry.id, app)
        elif entry.writer.startswith(("xlsxwriter/", "pandas/xlsxwriter")):
            assert app == "Microsoft Excel", (entry.id, app)  # what XlsxWriter writes in app.xml


def _application(path: Path) -> str:
    import zipfile

    with zipfile.ZipFile(path) as z:
        app = z.read("docProps/app.xml").decode() if "docProps/app.xml" in z.namelist() else ""
    start = app.find("<Application>")
    return app[start + len("<Application>"):app.find("</Application>")] if start >= 0 else ""
