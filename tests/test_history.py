"""The run history: two runs of a folder give exactly what changed (edited, added, removed,
renamed; fields old -> new, result deltas, findings new and resolved); a run killed at any
moment, or failing inside its transaction, leaves the history as it was; two runs at once are
both recorded; migrations; a history that cannot be used never costs the report; and
`renewal history` lists runs and a project's trajectory."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import jsonschema
import openpyxl
import pytest
from checkout import ROOT, SAMPLES

from renewal_cli.main import main
from validation import batch, testing
from validation.history import database, runs
from validation.history.runs import History
from validation.read.extract import extract
from validation.report.results import results_schema


@pytest.fixture(scope="module")
def cases() -> dict[str, bytes]:
    return testing.case_workbooks(SAMPLES)


def _batch(folder: Path, out: Path, *options: str, lang: str = "en") -> int:
    return main(["--lang", lang, "batch", str(folder), "--out", str(out), "--fail-on", "never", "--workers", "1",
                 *options])


def _load(out: Path) -> dict:
    doc = json.loads((out / "results.json").read_text("utf-8"))
    jsonschema.Draft202012Validator(results_schema(), format_checker=jsonschema.FormatChecker()).validate(doc)
    return doc


def _named(data: bytes, name: str) -> object:
    """The value a workbook holds under a defined name, as the batch reads it."""
    with tempfile.TemporaryDirectory() as d:
        Path(d, "w.xlsx").write_bytes(data)
        rows = extract(d, "w.xlsx").rows["fields"]
    return next(value for _, field, _, _, value in rows if field == name)


def _dump(path: Path) -> list[tuple]:
    """Every row of every table of a history, to compare a history before and after."""
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return [(t, *row) for t in tables for row in db.execute(f"SELECT * FROM {t} ORDER BY 1, 2")]


def _integrity(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]


def test_two_runs_give_exactly_what_changed(tmp_path: Path, cases: dict[str, bytes],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    jinsong, heyuan = cases["jinsong_north"], cases["heyuan_community"]
    rate = _named(jinsong, "in_discount_rate")
    y3 = testing.table_cell(jinsong, "tblOperation", 1, "y3")
    stale_heyuan = testing.set_named(heyuan, "in_discount_rate", 0.05)  # stale results: findings in run 1
    folder = testing.write_folder(tmp_path / "in", {"jinsong.xlsx": jinsong, "heyuan.xlsx": stale_heyuan,
                                      "hongyupo.xlsx": cases["hongyupo_district"], "yulin.xlsx": cases["yulin_block"]})
    history = tmp_path / "h.sqlite"
    _batch(folder, tmp_path / "r1", "--history", str(history))
    first = _load(tmp_path / "r1")
    assert first["history"]["recorded"] and first["since_last_run"] is None
    heyuan_findings = {(x["code"], x["cell"])
                       for f in first["files"] if f["path"] == "heyuan.xlsx" for x in f["findings"]}
    assert heyuan_findings  # the stale results

    # Overnight: jinsong edited (an input and a table cell), heyuan fixed, hongyupo moved, yulin gone, one new.
    edited = testing.set_cell(testing.set_named(jinsong, "in_discount_rate", 0.05), *y3, 700)
    edited = testing.set_named(edited, "in_project_name", "=HYPERLINK(1)")  # a text, never a formula
    (folder / "jinsong.xlsx").write_bytes(edited)
    (folder / "heyuan.xlsx").write_bytes(heyuan)
    (folder / "later").mkdir()
    (folder / "hongyupo.xlsx").rename(folder / "later" / "hongyupo renamed.xlsx")
    (folder / "yulin.xlsx").unlink()
    (folder / "zhegong.xlsx").write_bytes(cases["zhegong_new_village"])
    capsys.readouterr()
    _batch(folder, tmp_path / "r2", "--history", str(history))
    printed = capsys.readouterr().out
    second = _load(tmp_path / "r2")
    since = second["since_last_run"]

    assert since["previous_run"]["run_id"] == first["history"]["run_id"]
    assert since["previous_run"]["folder"] == str(folder.resolve()) and since["previous_run"]["files"] == 4
    assert since["new"] == [{"file": "zhegong.xlsx", "project_id": "HZ-GS-ZHEGONG", "status": "ok"}]
    assert since["removed"] == [{"file": "yulin.xlsx", "project_id": "CD-WH-YULIN", "status": "ok"}]
    assert since["unchanged"] == 0 and since["duplicate_project_ids"] == []
    changed = {c["file"]: c for c in since["changed"]}
    assert set(changed) == {"jinsong.xlsx", "heyuan.xlsx", "later/hongyupo renamed.xlsx"}

    moved = changed["later/hongyupo renamed.xlsx"]
    assert (moved["previous_file"], moved["project_id"], moved["fields"], moved["results"]) == (
        "hongyupo.xlsx", "CQ-JLP-HONGYUPO", [], [])

    edit = changed["jinsong.xlsx"]
    assert [(f["field"], f["old"], f["new"]) for f in edit["fields"]] == [
        ("in_project_name", _named(jinsong, "in_project_name"), "=HYPERLINK(1)"),
        ("in_discount_rate", rate, 0.05), ("tblOperation[y3]#1", 627.0, 700)]
    assert edit["fields"][1]["label"] == "discount rate (in_discount_rate)"
    assert edit["fields"][2]["label"] == "operation amount, year 3 (tblOperation[y3]), row 1"
    assert (edit["fields"][2]["sheet"], edit["fields"][2]["cell"]) == y3
    before = next(f["results"] for f in first["files"] if f["path"] == "jinsong.xlsx")
    after = next(f["results"] for f in second["files"] if f["path"] == "jinsong.xlsx")
    deltas = {r["result"]: r for r in edit["results"]}
    assert deltas["npv"] == {"result": "npv", "old": before["npv"], "new": after["npv"],
                             "delta": pytest.approx(after["npv"] - before["npv"])}
    assert deltas["npv"]["delta"] > 0  # a lower rate and more revenue
    assert deltas["status"]["old"] == "ok" and deltas["status"]["new"] == "invalid"  # its stated results are stale
    assert all(deltas[k]["old"] == before[k if k != "best_fit" else "best_fit_pattern"]
               for k in deltas if k not in ("status", "balance_status"))

    fixed = changed["heyuan.xlsx"]
    assert [(f["field"], f["old"], f["new"]) for f in fixed["fields"]] == [
        ("in_discount_rate", 0.05, _named(heyuan, "in_discount_rate"))]
    assert {(r["result"], r["old"], r["new"]) for r in fixed["results"]} >= {("status", "invalid", "ok")}

    assert {x["file"] for x in since["findings_new"]} == {"jinsong.xlsx"}
    assert {x["code"] for x in since["findings_new"]} == {"RESULT_MISMATCH"}
    jinsong_now = next(f for f in second["files"] if f["path"] == "jinsong.xlsx")["findings"]
    assert len(since["findings_new"]) == len(jinsong_now)
    assert {(x["code"], x["cell"]) for x in since["findings_resolved"]} == heyuan_findings
    assert {x["file"] for x in since["findings_resolved"]} == {"heyuan.xlsx"}

    when = since["previous_run"]["started_at"][:19].replace("T", " ")
    assert (f"since the last run (run 1, {when} UTC): 1 new, 1 removed, "
            f"3 changed, 0 unchanged; findings: {len(jinsong_now)} new, {len(heyuan_findings)} resolved") in printed

    sheet = openpyxl.load_workbook(tmp_path / "r2" / "summary.xlsx", read_only=True)["since last run"]
    rows = [(*row, *(None,) * (11 - len(row))) for row in sheet.iter_rows(values_only=True)]  # trailing blanks
    kinds = [row[0] for row in rows[1:]]
    assert rows[0][:5] == ("change", "file", "previous file", "project id", "item")
    assert kinds.count("new submission") == 1 and kinds.count("removed submission") == 1
    assert kinds.count("moved or renamed") == 1 and kinds.count("input changed") == 4
    assert kinds.count("resolved finding") == len(heyuan_findings)
    assert ("input changed", "jinsong.xlsx", None, "BJ-CY-JINSONG-N", "discount rate (in_discount_rate)", "Project",
            edit["fields"][1]["cell"], rate, 0.05, None, None) in rows
    with zipfile.ZipFile(tmp_path / "r2" / "summary.xlsx") as z:
        assert not any(re.search(rb"<f[ >]", z.read(n)) for n in z.namelist() if n.startswith("xl/worksheets/"))
    [formula_like] = [c for row in openpyxl.load_workbook(tmp_path / "r2" / "summary.xlsx")["since last run"]
                      for c in row if c.value == "=HYPERLINK(1)"]
    assert formula_like.data_type == "s" and formula_like.quotePrefix


def test_a_project_id_in_two_files_falls_back_to_the_path(tmp_path: Path, cases: dict[str, bytes]) -> None:
    jinsong = cases["jinsong_north"]
    folder = testing.write_folder(tmp_path / "in", {"a.xlsx": jinsong, "b.xlsx": jinsong})
    history = tmp_path / "h.sqlite"
    _batch(folder, tmp_path / "r1", "--history", str(history))
    (folder / "b.xlsx").rename(folder / "c.xlsx")
    _batch(folder, tmp_path / "r2", "--history", str(history))
    since = _load(tmp_path / "r2")["since_last_run"]
    assert since["duplicate_project_ids"] == ["BJ-CY-JINSONG-N"]
    # matched by path (a.xlsx), then by identical bytes (b.xlsx -> c.xlsx): nothing new, nothing removed
    assert (since["new"], since["removed"], since["unchanged"]) == ([], [], 1)
    assert [(c["previous_file"], c["file"]) for c in since["changed"]] == [("b.xlsx", "c.xlsx")]


def test_the_default_history_lives_beside_the_report_folder_and_can_be_turned_off(
        tmp_path: Path, cases: dict[str, bytes], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv(database.ENVIRONMENT, raising=False)
    folder = testing.write_folder(tmp_path / "in", {"a.xlsx": cases["jinsong_north"]})
    _batch(folder, tmp_path / "reports" / "nightly")
    doc = _load(tmp_path / "reports" / "nightly")
    assert doc["history"]["path"] == str(tmp_path / "reports" / "renewal-history.sqlite")
    assert (tmp_path / "reports" / "renewal-history.sqlite").is_file()
    _batch(folder, tmp_path / "reports" / "nightly")  # the report folder replaced: the history stays
    assert _load(tmp_path / "reports" / "nightly")["since_last_run"]["unchanged"] == 1

    monkeypatch.setenv(database.ENVIRONMENT, str(tmp_path / "elsewhere.sqlite"))
    _batch(folder, tmp_path / "r3")
    assert _load(tmp_path / "r3")["history"]["path"] == str(tmp_path / "elsewhere.sqlite")

    (tmp_path / "histories").mkdir()  # --history FOLDER: its renewal-history.sqlite, as renewal history reads it
    _batch(folder, tmp_path / "r5", "--history", str(tmp_path / "histories"))
    assert _load(tmp_path / "r5")["history"]["path"] == str(tmp_path / "histories" / "renewal-history.sqlite")
    _batch(folder / "a.xlsx", tmp_path / "r6", "--history", str(folder / "h.sqlite"))  # one workbook: its folder
    assert _load(tmp_path / "r6")["history"]["problem"] == "inside_folder"

    capsys.readouterr()
    _batch(folder, tmp_path / "r4", "--no-history")
    doc = _load(tmp_path / "r4")
    assert doc["history"] is None and doc["since_last_run"] is None
    assert "run history off (--no-history)" in capsys.readouterr().out
    assert sorted(p.name for p in folder.iterdir()) == ["a.xlsx"]  # nothing ever written into the submissions


def _unusable(tmp_path: Path, folder: Path, history: Path, lang: str = "en") -> tuple[dict, str]:
    out = tmp_path / f"report-{history.name}"
    assert _batch(folder, out, "--history", str(history), lang=lang) == 0
    return _load(out), out.name


@pytest.mark.parametrize("case", ["newer", "corrupt", "unwritable", "inside_folder", "locked"])
def test_a_history_that_cannot_be_used_never_costs_the_report(
        case: str, tmp_path: Path, cases: dict[str, bytes], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    folder = testing.write_folder(tmp_path / "in", {"a.xlsx": cases["jinsong_north"]})
    history = tmp_path / "h.sqlite"
    holder = None
    if case == "newer":
        with sqlite3.connect(history) as db:
            db.execute("PRAGMA user_version = 99")
    elif case == "corrupt":
        history.write_bytes(b"this is not a database" * 100)
    elif case == "unwritable":
        (tmp_path / "a-file").write_text("x")
        history = tmp_path / "a-file" / "h.sqlite"  # its folder cannot be made (works as root too)
    elif case == "inside_folder":
        history = folder / "h.sqlite"
    else:
        History(history).close()
        holder = sqlite3.connect(history, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 200)
    before = history.read_bytes() if history.is_file() else None
    capsys.readouterr()
    try:
        doc, _ = _unusable(tmp_path, folder, history)
    finally:
        if holder is not None:
            holder.rollback()
            holder.close()
    printed = capsys.readouterr()
    assert doc["stats"]["files"]["ok"] == 1  # the report is written whole
    assert doc["history"]["recorded"] is False and doc["history"]["problem"] == case
    assert doc["history"]["message"] in printed.out and "run history: this run was NOT recorded." in printed.out
    assert "Error" not in printed.out and "Traceback" not in printed.out + printed.err
    assert doc["since_last_run"] is None
    if before is not None and case != "locked":
        assert history.read_bytes() == before  # refused, never written
    assert not (folder / "h.sqlite").exists()


def test_messages_say_why_in_chinese_too(tmp_path: Path, cases: dict[str, bytes]) -> None:
    folder = testing.write_folder(tmp_path / "in", {"a.xlsx": cases["jinsong_north"]})
    history = tmp_path / "h.sqlite"
    with sqlite3.connect(history) as db:
        db.execute("PRAGMA user_version = 99")
    doc, _ = _unusable(tmp_path, folder, history, lang="zh")
    assert doc["history"]["message"].startswith("历史文件由更新版本的校验工具写入")


def test_a_failure_inside_the_transaction_leaves_the_history_as_it_was(
        tmp_path: Path, cases: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    folder = testing.write_folder(tmp_path / "in", {"a.xlsx": cases["jinsong_north"], "b.xlsx": cases["yulin_block"]})
    history = tmp_path / "h.sqlite"
    _batch(folder, tmp_path / "r1", "--history", str(history))
    before = _dump(history)

    def fail(*args: object) -> None:
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(runs, "_insert_findings", fail)  # after the run and its files were inserted
    (folder / "b.xlsx").unlink()
    _batch(folder, tmp_path / "r2", "--history", str(history))
    doc = _load(tmp_path / "r2")
    assert (doc["history"]["recorded"], doc["history"]["problem"]) == (False, "failed")
    assert "disk went away" not in json.dumps(doc)
    assert _dump(history) == before
    monkeypatch.undo()
    _batch(folder, tmp_path / "r3", "--history", str(history))
    since = _load(tmp_path / "r3")["since_last_run"]
    assert since["previous_run"]["run_id"] == 1 and [r["file"] for r in since["removed"]] == ["b.xlsx"]


KILLED_IN_TRANSACTION = """
import os, signal, sys
from validation.history import runs
from renewal_cli.main import main

insert = runs._insert_files
def killed(*args):
    insert(*args)  # the run and its files are written, not committed
    os.kill(os.getpid(), signal.SIGKILL)
runs._insert_files = killed
sys.exit(main(sys.argv[1:]))
"""


def _renewal(*args: str, script: str | None = None) -> subprocess.Popen[bytes]:
    code = script or "import sys; from renewal_cli.main import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_a_run_whose_report_was_not_written_hides_no_change(tmp_path: Path, cases: dict[str, bytes],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    folder = testing.write_folder(tmp_path / "in", {"a.xlsx": cases["jinsong_north"]})
    history = tmp_path / "h.sqlite"
    _batch(folder, tmp_path / "r1", "--history", str(history))
    (folder / "b.xlsx").write_bytes(cases["yulin_block"])

    def dies(report: object, out: object) -> Path:
        raise batch.BatchError("the disk is full")

    monkeypatch.setattr(batch, "write_report", dies)
    assert _batch(folder, tmp_path / "r2", "--history", str(history)) == 2  # recorded, but no report
    monkeypatch.undo()
    _batch(folder, tmp_path / "r3", "--history", str(history))
    since = _load(tmp_path / "r3")["since_last_run"]
    assert since["previous_run"]["run_id"] == 1  # the last run a reviewer could read, not run 2
    assert [n["file"] for n in since["new"]] == ["b.xlsx"]
    with sqlite3.connect(history) as db:
        assert db.execute("SELECT id, reported FROM runs ORDER BY id").fetchall() == [(1, 1), (2, 0), (3, 1)]


def test_a_run_killed_inside_its_transaction_leaves_the_history_as_it_was(tmp_path: Path,
                                                                         cases: dict[str, bytes]) -> None:
    folder = testing.write_folder(tmp_path / "in", {"a.xlsx": cases["jinsong_north"], "b.xlsx": cases["yulin_block"]})
    history = tmp_path / "h.sqlite"
    _batch(folder, tmp_path / "r1", "--history", str(history))
    before = _dump(history)
    (folder / "c.xlsx").write_bytes(cases["zhegong_new_village"])
    proc = _renewal("--lang", "en", "batch", str(folder), "--out", str(tmp_path / "r2"), "--workers", "1",
                    "--history", str(history), script=KILLED_IN_TRANSACTION)
    proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL
    assert (tmp_path / "h.sqlite-wal").exists()  # it died with its transaction in the write-ahead log
    assert _integrity(history) == "ok" and _dump(history) == before
    with History(history) as h:
        assert [r.id for r in h.runs()] == [1]
    _batch(folder, tmp_path / "r3", "--history", str(history))
    since = _load(tmp_path / "r3")["since_last_run"]
    assert since["previous_run"]["run_id"] == 1 and [r["file"] for r in since["new"]] == ["c.xlsx"]


@pytest.mark.slow
def test_runs_killed_at_any_moment_leave_a_consistent_history(tmp_path: Path, cases: dict[str, bytes]) -> None:
    folder = testing.write_folder(tmp_path / "in", {f"{c}.xlsx": d for c, d in cases.items()})
    history = tmp_path / "h.sqlite"
    _batch(folder, tmp_path / "r0", "--history", str(history))
    for delay in (0.3, 0.8, 1.2, 1.6, 2.0, 2.5):
        proc = _renewal("batch", str(folder), "--out", str(tmp_path / "r"), "--workers", "1",
                        "--history", str(history))
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        assert _integrity(history) == "ok"
        with History(history) as h:  # readable; every run in it is whole
            for run in h.runs():
                count = h.db.execute("SELECT COUNT(*) FROM run_files WHERE run_id = ?", (run.id,)).fetchone()[0]
                assert count == run.files == len(cases)
    with History(history) as h:
        assert h.runs()[0].id == 1


HOLD_THE_TRANSACTION = """
import sys, time
from validation.history import runs
from renewal_cli.main import main

compare = runs.since_last_run
def slow(*args):
    time.sleep(1.0)  # inside BEGIN IMMEDIATE: the other run must wait for the commit
    return compare(*args)
runs.since_last_run = slow
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow
def test_two_runs_at_once_are_both_recorded(tmp_path: Path, cases: dict[str, bytes]) -> None:
    folder = testing.write_folder(tmp_path / "in", {"a.xlsx": cases["jinsong_north"], "b.xlsx": cases["yulin_block"]})
    history = tmp_path / "h.sqlite"
    _batch(folder, tmp_path / "r0", "--history", str(history))
    procs = [_renewal("--lang", "en", "batch", str(folder), "--out", str(tmp_path / f"r{i}"), "--workers", "1",
                      "--history", str(history), script=HOLD_THE_TRANSACTION) for i in (1, 2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    docs = [_load(tmp_path / f"r{i}") for i in (1, 2)]
    assert all(d["history"]["recorded"] for d in docs)
    assert sorted(d["history"]["run_id"] for d in docs) == [2, 3]
    with History(history) as h:
        recorded = h.runs()
        assert sorted(r.id for r in recorded) == [1, 2, 3]  # listed by start: who committed first may have started last
        for run in recorded:
            assert len(h._files(run.id)) == 2
    for doc in docs:  # each compared with a run that started before it
        previous = doc["since_last_run"]["previous_run"]
        assert previous["run_id"] != doc["history"]["run_id"]
        assert previous["started_at"] <= next(r.started_at for r in recorded if r.id == doc["history"]["run_id"])
    assert _integrity(history) == "ok"


def test_a_version_1_history_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    assert database.migrate(db, target=1) == 1
    db.execute("INSERT INTO runs (started_at, finished_at, folder, files, ok, invalid, unreadable, errors, warnings, "
               "infos, checker_version, lang) VALUES ('2026-01-01T00:00:00+00:00', '2026-01-01T00:01:00+00:00', "
               "'/data', 1, 1, 0, 0, 0, 0, 0, '0.0.9', 'zh')")
    db.execute("INSERT INTO results (digest, record) VALUES ('d1', '{\"npv\": 1.5}')")
    db.execute("INSERT INTO run_files (run_id, path, sha256, size, project_id, status, results) "
               "VALUES (1, 'a.xlsx', 'ab', 10, 'P1', 'ok', 'd1')")
    db.close()
    with History(path) as h:
        assert h.db.execute("PRAGMA user_version").fetchone()[0] == database.schema_version() == 3
        indexes = {r[0] for r in h.db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"runs_by_folder", "run_files_by_project", "findings_by_file"} <= indexes
        assert h.db.execute("SELECT reported FROM runs").fetchall() == [(1,)]  # an earlier run counts as reported
        assert [(r.id, r.folder, r.checker_version) for r in h.runs()] == [(1, "/data", "0.0.9")]
        [(_, state)] = h.trajectory("P1")
        assert state.results == {"npv": 1.5}
        assert h.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert h.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_a_failing_migration_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    database.migrate(db, target=1)
    db.close()
    broken = (*database.migrations()[:1], (2, ("CREATE INDEX runs_by_folder ON runs(folder)", "NOT SQL AT ALL")))
    monkeypatch.setattr(database, "migrations", lambda: broken)
    with pytest.raises(database.HistoryError):
        History(path)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1
        assert not db.execute("SELECT name FROM sqlite_master WHERE name = 'runs_by_folder'").fetchall()


def test_renewal_history_lists_runs_and_a_projects_trajectory(tmp_path: Path, cases: dict[str, bytes],
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    jinsong = cases["jinsong_north"]
    folder = testing.write_folder(tmp_path / "in", {"jinsong.xlsx": jinsong, "yulin.xlsx": cases["yulin_block"]})
    history = tmp_path / "renewal-history.sqlite"
    _batch(folder, tmp_path / "r1", "--history", str(history))
    (folder / "jinsong.xlsx").rename(folder / "jinsong v2.xlsx")
    (folder / "jinsong v2.xlsx").write_bytes(testing.set_named(jinsong, "in_discount_rate", 0.05))
    _batch(folder, tmp_path / "r2", "--history", str(history))
    capsys.readouterr()

    assert main(["--lang", "en", "history", str(tmp_path)]) == 0  # a folder: its renewal-history.sqlite
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["run", "started", "(UTC)", "folder", "workbooks", "ok", "invalid", "unreadable",
                                "findings"]
    assert lines[2].split()[0] == "1" and lines[2].split()[3:] == [str(folder.resolve()), "2", "2", "0", "0", "0"]
    assert lines[3].split()[0] == "2" and lines[3].split()[4:6] == ["2", "1"]

    assert main(["history", str(history), "--project", "BJ-CY-JINSONG-N", "--format", "json"]) == 0
    trajectory = json.loads(capsys.readouterr().out)
    assert [(t["run_id"], t["file"], t["status"]) for t in trajectory] == [
        (1, "jinsong.xlsx", "ok"), (2, "jinsong v2.xlsx", "invalid")]
    assert round(trajectory[0]["npv"], 1) == 316.7 and trajectory[1]["npv"] > trajectory[0]["npv"]
    assert trajectory[0]["findings"] == 0 and trajectory[1]["findings"] > 0

    assert main(["--lang", "zh", "history", str(history), "--project", "BJ-CY-JINSONG-N"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["运行", "开始时间（UTC）", "文件", "状态", "静态回收期（年）", "净现值", "问题"]
    assert "jinsong v2.xlsx  不通过" in table[3] and table[2].split()[-3:] == ["8.91", "316.7", "0"]

    assert main(["--lang", "en", "history", str(history), "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["run_id"] for r in listed] == [1, 2] and listed[1]["invalid"] == 1

    assert main(["--lang", "en", "history", str(history), "--project", "NOPE"]) == 0
    assert capsys.readouterr().out.strip() == "project NOPE is not in the history"
    assert main(["--lang", "en", "history", str(tmp_path / "missing.sqlite")]) == 2
    assert capsys.readouterr().err.strip() == f"renewal history: no such history file: {tmp_path / 'missing.sqlite'}"
    with sqlite3.connect(history) as db:
        db.execute("PRAGMA user_version = 99")
    assert main(["--lang", "en", "history", str(history)]) == 2
    assert "written by a newer version of the checker" in capsys.readouterr().err
