"""The batch at scale: worker processes, the sha256 cache, a Dask cluster, and the HTML
report in a real browser."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import chromium  # tests/chromium.py
import openpyxl
import pytest
from checkout import SAMPLES

from renewal_cli.main import main
from validation import batch, testing
from validation.batch import check_folder
from validation.read import extract, runner
from validation.read.cache import ExtractionCache, salt
from validation.read.guards import Limits
from validation.read.runner import CHUNK, ReadStage
from validation.report.records import Report
from validation.report.results import document


@pytest.fixture(scope="module")
def many_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """More files than one task's chunk: the seven cases four times under distinct ids,
    plus an invalid and an unreadable one."""
    folder = tmp_path_factory.mktemp("many")
    cases = testing.case_workbooks(SAMPLES)
    for copy in range(4):
        for case, data in cases.items():
            (folder / f"{copy}_{case}.xlsx").write_bytes(
                testing.set_named(data, "in_project_id", f"{case.upper()}-{copy}"))
    (folder / "bad_city.xlsx").write_bytes(testing.set_named(cases["jinsong_north"], "in_city", "Atlantis"))
    (folder / "legacy.xlsx").write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504))
    assert len(list(folder.iterdir())) > CHUNK  # several tasks
    return folder


def _doc(report: Report) -> dict:
    """results.json's content, without the time it was generated."""
    out = json.loads(json.dumps(document(report)))
    out.pop("generated_at")
    return out


@pytest.fixture(scope="module")
def sequential(many_folder: Path) -> dict:
    return _doc(check_folder(many_folder, lang="en", stage=ReadStage(workers=1)))


def test_worker_processes_give_the_same_report(many_folder: Path, sequential: dict) -> None:
    parallel = _doc(check_folder(many_folder, lang="en", stage=ReadStage(workers=2)))
    assert parallel == sequential
    assert sequential["stats"]["files"] == {"total": 30, "ok": 28, "invalid": 1, "unreadable": 1}


@pytest.mark.parametrize("workers", [1, 2])
def test_what_runs_after_reading_is_loaded_once_while_workers_read(many_folder: Path, workers: int) -> None:
    files = sorted(p.name for p in many_folder.iterdir())
    read: list[int] = []
    calls: list[int] = []
    stage = ReadStage(workers=workers)
    stage.run(many_folder, files, progress=lambda n, total, file: read.append(n),
              meanwhile=lambda: calls.append(len(read)))
    # with workers: called once the first files are out, before any came back; alone: after reading
    assert calls == ([0] if workers > 1 else [len(files)])


def test_the_batch_starts_reading_without_pandas_pandera_or_openpyxl() -> None:
    """Worker processes fork from a main process that has loaded only this much."""
    code = ("import sys, validation.batch, validation.read.runner; "
            "print(sorted(m for m in ('pandas', 'pandera', 'openpyxl') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_second_run_over_an_unchanged_folder_opens_no_workbook(
        many_folder: Path, sequential: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    first = ExtractionCache(cache, Limits())
    assert _doc(check_folder(many_folder, lang="en", stage=ReadStage(cache=first))) == sequential
    assert (first.hits, first.misses) == (0, 30)

    def no_opening(*args: object, **kwargs: object) -> None:
        raise AssertionError("a workbook was opened")

    monkeypatch.setattr(extract, "Workbook", no_opening)
    again = ExtractionCache(cache, Limits())
    assert _doc(check_folder(many_folder, lang="en", stage=ReadStage(cache=again))) == sequential
    assert (again.hits, again.misses) == (30, 0)


def test_only_changed_files_are_read_again_and_moved_files_keep_their_new_path(
        many_folder: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for path in sorted(many_folder.iterdir())[:20]:
        (folder / path.name).write_bytes(path.read_bytes())
    cache = tmp_path / "cache"
    check_folder(folder, lang="en", stage=ReadStage(cache=ExtractionCache(cache, Limits())))
    changed = sorted(folder.iterdir())[3]
    changed.write_bytes(testing.set_named(changed.read_bytes(), "in_project_name", "renamed"))
    moved = sorted(folder.iterdir())[5]
    (folder / "sub").mkdir()
    moved.rename(folder / "sub" / moved.name)
    stage = ReadStage(cache=ExtractionCache(cache, Limits()))
    report = check_folder(folder, lang="en", stage=stage)
    assert (stage.cache.hits, stage.cache.misses) == (19, 1)
    uncached = check_folder(folder, lang="en", stage=ReadStage())
    assert _doc(report) == _doc(uncached)
    paths = {f.path for f in report.files}
    assert f"sub/{moved.name}" in paths and moved.name not in paths


def test_the_cache_is_keyed_by_code_and_limits_and_pruned(tmp_path: Path, many_folder: Path) -> None:
    assert salt(Limits()) != salt(Limits(max_parts=10))
    cache = tmp_path / "cache"
    check_folder(many_folder, lang="en", stage=ReadStage(cache=ExtractionCache(cache, Limits())))
    stale = cache / ("0" * 16)
    (stale / "ab").mkdir(parents=True)
    (stale / "ab" / "old.pickle").write_bytes(b"x")
    small = tmp_path / "small"
    small.mkdir()
    first = sorted(many_folder.iterdir())[0]
    (small / first.name).write_bytes(first.read_bytes())
    check_folder(small, lang="en", stage=ReadStage(cache=ExtractionCache(cache, Limits())))
    assert not stale.exists()
    assert len(list(cache.rglob("*.pickle"))) == 1


def test_cli_reports_cache_use(many_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--lang", "en", "batch", str(many_folder), "--out", str(tmp_path / "r"),
            "--cache", str(tmp_path / "c"), "--fail-on", "never"]
    assert main(args) == 0
    assert main(args) == 0
    assert "30 unchanged files reused, 0 read" in capsys.readouterr().out


def test_a_dask_cluster_gives_the_same_report(many_folder: Path, sequential: dict) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        stage = ReadStage(scheduler=cluster.scheduler_address)
        assert _doc(check_folder(many_folder, lang="en", stage=stage)) == sequential


def test_an_unreachable_scheduler_stops_the_run_with_exit_code_2(
        many_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("distributed")
    monkeypatch.setattr(runner, "CONNECT_TIMEOUT", "1s")
    code = main(["--lang", "en", "batch", str(many_folder), "--out", str(tmp_path / "r"),
                 "--scheduler", "tcp://127.0.0.1:9"])
    assert code == 2
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err


PROJECTS_SHOWN = """(() => {
  const t = document.querySelector('#projects');
  if (!t) return null;
  const box = t.getBoundingClientRect(), style = getComputedStyle(t);
  return {rows: t.tBodies[0].rows.length, shown: box.height > 0 && box.width > 0
          && style.display !== 'none' && style.visibility !== 'hidden',
          marked: [...t.tBodies[0].rows].filter(r => r.className !== 'status-ok').length,
          findings: [...document.querySelectorAll('details table.findings tbody tr')].length,
          charts: document.querySelectorAll('svg').length};
})()"""


@pytest.mark.skipif(chromium.chromium() is None, reason="chromium is not installed (make test-all)")
def test_the_html_report_renders_in_headless_chromium(many_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    assert main(["--lang", "zh", "batch", str(many_folder), "--out", str(out), "--fail-on", "never"]) == 0
    doc = json.loads((out / "results.json").read_text("utf-8"))
    run = chromium.open_page(out / "report.html", PROJECTS_SHOWN)
    assert run.errors == []
    assert run.value == {"rows": doc["stats"]["files"]["total"], "shown": True,
                         "marked": doc["stats"]["files"]["total"] - doc["stats"]["files"]["ok"],
                         "findings": doc["stats"]["findings"]["total"],
                         "charts": sum(1 for f in doc["files"] if f["results"])}


def _boom(*args: object) -> None:
    raise RuntimeError("the writer died")


def test_summary_written_by_a_child_process_is_the_same_and_its_failure_keeps_the_old_report(
        many_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = check_folder(many_folder, lang="en", stage=ReadStage())
    alone, forked = tmp_path / "alone", tmp_path / "forked"
    monkeypatch.setattr(batch, "PARALLEL_WRITE_FILES", 10**9)
    batch.write_report(report, alone)
    monkeypatch.setattr(batch, "PARALLEL_WRITE_FILES", 1)
    batch.write_report(report, forked)
    for name in ("results.json", "summary.xlsx", "report.html"):
        assert _read_back(forked / name) == _read_back(alone / name), name
    before = {p.name: p.read_bytes() for p in forked.iterdir()}
    monkeypatch.setitem(batch.WRITERS, "summary.xlsx", _boom)
    with pytest.raises(batch.WriterError, match=r"summary\.xlsx"):
        batch.write_report(report, forked)
    assert {p.name: p.read_bytes() for p in forked.iterdir()} == before


def _read_back(path: Path) -> object:
    """A report file's content (summary.xlsx: its cell values, zip timestamps aside)."""
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path)
        return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in book.worksheets}
    return path.read_bytes()
