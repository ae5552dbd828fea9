"""The generator: the committed workbooks are what it writes (every part, fixed timestamps), its
command line, the formula engine recalculating a committed file as it did, and every file opening
in LibreOffice and python-calamine."""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from generated import ALL, ROOT, Regenerated, differences, package_parts
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from renewal_cli.main import main
from workbook_templates.build import MANIFEST
from workbook_templates.engine import recalculate_file


def test_committed_workbooks_are_what_the_generator_writes(regenerated: Regenerated) -> None:
    out = regenerated.out
    for rel in ALL:
        assert (out / rel).is_file(), rel
        found = differences(ROOT / rel, out / rel)
        assert not found, (rel, found[:10])
    assert (ROOT / MANIFEST).read_text("utf-8") == (out / MANIFEST).read_text("utf-8")
    generated = {p.relative_to(out) for p in out.rglob("*") if p.is_file()}
    committed = {p.relative_to(ROOT) for d in ("workbook_templates", "samples", "portfolios")
                 for p in (ROOT / d).rglob("*") if p.suffix in (".xlsx", ".json")}
    assert committed == generated


def test_the_comparison_sees_a_changed_style_formula_and_cached_value(tmp_path: Path) -> None:
    source = ROOT / "samples" / "jinsong_north.xlsx"
    wb = load_workbook(source)
    wb["Results"]["C9"].number_format = "0.0"
    wb["Results"]["C11"] = "=1+1"
    changed = tmp_path / "changed.xlsx"
    wb.save(changed)
    found = "\n".join(differences(source, changed))
    assert "Results!C9" in found and "'0.0'" in found
    assert "Results!C11" in found and "=1+1" in found
    assert "Results!C10" in found  # saved by openpyxl: the cached values are gone
    assert differences(source, source) == []


def test_generated_packages_carry_fixed_timestamps() -> None:
    for rel in ALL:
        core = package_parts(ROOT / rel)["docProps/core.xml"].decode()
        assert core.count("2024-01-01T00:00:00Z") == 2, rel
        with zipfile.ZipFile(ROOT / rel) as z:
            assert {info.date_time for info in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}, rel


def test_renewal_cases_runs_without_openpyxl() -> None:
    code = ("import sys\nsys.modules['openpyxl'] = None\n"
            "from renewal_cli.main import main\nraise SystemExit(main(['--lang', 'en', 'cases']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "Jinsong" in done.stdout


def test_the_cli_command_builds_below_out(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    from workbook_templates import build

    calls = []
    monkeypatch.setattr(build, "build_all", lambda out, workers: calls.append((out, workers)) or [])
    assert main(["template", "build", "--out", str(tmp_path), "--workers", "1"]) == 0
    assert calls == [(tmp_path, 1)] and capsys.readouterr().out.strip() == str(tmp_path / MANIFEST)


def test_the_engine_recalculates_a_committed_file_as_the_generator_did(regenerated: Regenerated) -> None:
    rel = Path("samples/zhenwumiao_wuli_3.xlsx")
    assert recalculate_file(ROOT / rel) == regenerated.values[rel]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_converts_every_workbook_to_pdf(tmp_path: Path) -> None:
    files = [ROOT / p for p in ALL]
    halves = [files[0::2], files[1::2]]  # two soffice processes, each with its own profile
    procs = [subprocess.Popen(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile{i}", "--headless",
                               "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), *map(str, half)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i, half in enumerate(halves)]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert "Error" not in out + err.replace("javaldx", ""), out + err
    for path in files:
        pdf = tmp_path / "pdf" / f"{path.stem}.pdf"
        assert pdf.is_file() and pdf.stat().st_size > 10_000, path.name
        assert pdf.read_bytes().startswith(b"%PDF")


def test_every_generated_file_opens_in_calamine() -> None:
    for rel in ALL:
        wb = CalamineWorkbook.from_path(str(ROOT / rel))
        assert "Results" in wb.sheet_names, rel
        assert not any(isinstance(v, float) and math.isnan(v) for row in wb.get_sheet_by_name("Results").to_python()
                       for v in row)
