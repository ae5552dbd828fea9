"""True findings for what real tools and real people do to a submission: results saved
without being calculated (a script, or a program without the renewal functions), an error
value or a date in an input, a single file or an empty folder on the command line, and a
failure of the reader itself, which must never be blamed on the file."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from checkout import SAMPLES

from renewal_cli.main import main
from validation import testing
from validation.batch import check_folder
from validation.read import extract as extract_module
from validation.report.records import Report
from validation.testing import named_cell, set_error, set_named, table_cell

JINSONG = "jinsong_north"


@pytest.fixture(scope="module")
def cases() -> dict[str, bytes]:
    return testing.case_workbooks(SAMPLES)


def _check(tmp_path: Path, files: dict[str, bytes]) -> Report:
    folder = tmp_path / "in"
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return check_folder(folder, lang="en")


def _each(tmp_path: Path, files: dict[str, bytes]) -> list:
    """Each file checked in a folder of its own (the cases share project ids), its FileReport."""
    return [_check(tmp_path / name, {name: data}).files[0] for name, data in files.items()]


def _filled_by_openpyxl(data: bytes, values: dict[str, object]) -> bytes:
    """The workbook loaded by openpyxl, inputs set through their defined names, saved: what a
    data team's pre-filling script writes (formulas kept, every cached value dropped)."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    for name, value in values.items():
        (sheet, ref), = book.defined_names[name].destinations
        book[sheet][ref.replace("$", "")] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _results_as_name_errors(data: bytes) -> bytes:
    """Every cached result of the Results sheet as #NAME?, as LibreOffice, WPS or Excel without
    the add-in save a workbook whose functions they do not know."""
    path = testing.sheet_part(data, "Results")
    xml = testing.part(data, path).decode("utf-8")

    def name_error(found: re.Match[str]) -> str:
        attrs = re.sub(r'\st="[^"]*"', "", found.group(1))
        return f'<c{attrs} t="e">{found.group(2)}<v>#NAME?</v></c>'

    xml = re.sub(r"<c([^>]*)>(<f[^>]*>[^<]*</f>|<f[^>]*/>)(?:<v>[^<]*</v>)?</c>", name_error, xml)
    return testing.rebuild(data, {path: xml.encode("utf-8")})


def test_a_template_filled_by_a_script_is_ok_with_one_note(tmp_path: Path, cases: dict[str, bytes]) -> None:
    filled = _filled_by_openpyxl(cases[JINSONG], {"in_discount_rate": 0.06})
    assert b"<v></v>" in testing.part(filled, testing.sheet_part(filled, "Results"))  # openpyxl's habit
    untouched = _check(tmp_path / "untouched", {"untouched.xlsx": _filled_by_openpyxl(cases[JINSONG], {})})
    report = _check(tmp_path, {"filled.xlsx": filled})
    for file in [*report.files, *untouched.files]:
        assert file.status == "ok", [f.message("en") for f in file.findings]
        notes = [f for f in file.findings if f.code == "RESULT_NOT_CALCULATED"]
        assert len(notes) == 1 and "does not calculate" in notes[0].message("en")
        assert notes[0].message("zh") and notes[0].params["count"] >= 10
    filled_report = next(f for f in report.files if f.path == "filled.xlsx")
    assert filled_report.results is not None and filled_report.results["discount_rate"] == 0.06


@pytest.mark.parametrize("case", ["jinsong_north", "hongyupo_district", "zhegong_new_village"])
def test_results_saved_without_the_functions_are_recomputed_with_one_note(
        tmp_path: Path, cases: dict[str, bytes], case: str) -> None:
    saved, = _check(tmp_path / "saved", {"saved.xlsx": _results_as_name_errors(cases[case])}).files
    original, = _check(tmp_path / "original", {"original.xlsx": cases[case]}).files
    assert saved.status == original.status == "ok"
    assert [f.code for f in saved.findings] == ["RESULT_NOT_CALCULATED"]
    assert "#NAME?" in saved.findings[0].message("en") and "Ctrl+Alt+F9" in saved.findings[0].message("en")
    assert saved.results == original.results


def test_an_error_value_in_an_input_is_named_at_its_cell(tmp_path: Path, cases: dict[str, bytes]) -> None:
    data = cases[JINSONG]
    total = set_error(data, *named_cell(data, "in_renovation_total"), "SUM(#REF!)", "#REF!")
    year1 = set_error(data, *table_cell(data, "tblOperation", 1, "y1"), "#REF!*1.02", "#REF!")
    city = set_error(data, *named_cell(data, "in_city"), "VLOOKUP(1,#REF!,2)", "#N/A")
    files = _each(tmp_path, {"total.xlsx": total, "year1.xlsx": year1, "city.xlsx": city})
    where = {"total.xlsx": named_cell(data, "in_renovation_total"),
             "year1.xlsx": table_cell(data, "tblOperation", 1, "y1"), "city.xlsx": named_cell(data, "in_city")}
    for file in files:
        assert file.status == "invalid"
        errors = [f for f in file.findings if f.severity == "error"]
        assert [(f.code, f.sheet, f.cell) for f in errors] == [("INPUT_ERROR_VALUE", *where[file.path])]
        assert "error value #" in errors[0].message("en") and "错误值 #" in errors[0].message("zh")


def test_a_date_in_a_number_field_is_caught_on_the_project_sheet_and_in_tables(
        tmp_path: Path, cases: dict[str, bytes]) -> None:
    data = cases[JINSONG]
    day = dt.datetime(2024, 3, 1)
    floor = _filled_by_openpyxl(data, {"in_floor_area_m2": day})
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet, ref = table_cell(data, "tblRenovation", 1, "amount")
    book[sheet][ref] = day
    out = io.BytesIO()
    book.save(out)
    files = _each(tmp_path, {"floor.xlsx": floor, "amount.xlsx": out.getvalue()})
    for file in files:
        dates = [f for f in file.findings if f.code == "INPUT_IS_DATE"]
        assert len(dates) == 1 and "2024-03-01" in dates[0].message("en"), file.findings
        assert not [f for f in file.findings if f.code == "NOT_A_NUMBER"]
    date, = (f for f in files[1].findings if f.code == "INPUT_IS_DATE")
    assert (date.sheet, date.cell) == (sheet, ref)


def test_a_single_file_is_a_folder_of_one(tmp_path: Path, cases: dict[str, bytes]) -> None:
    path = tmp_path / "in" / "jinsong.xlsx"
    path.parent.mkdir()
    path.write_bytes(cases[JINSONG])
    assert main(["batch", str(path), "--out", str(tmp_path / "report"), "--lang", "en"]) == 0
    assert "jinsong.xlsx" in (tmp_path / "report" / "results.json").read_text("utf-8")


def test_an_empty_folder_stops_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("not a workbook")
    assert main(["--lang", "en", "batch", str(tmp_path / "empty"), "--out", str(tmp_path / "report")]) == 2
    assert "no workbooks found" in capsys.readouterr().err
    assert not (tmp_path / "report").exists()


def test_a_failure_of_the_reader_is_ours_not_the_files(tmp_path: Path, cases: dict[str, bytes],
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    def broken_reader(*_: object) -> None:
        raise RuntimeError("internal detail 0xdeadbeef")

    monkeypatch.setattr(extract_module, "_contract_rows", broken_reader)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.xlsx").write_bytes(cases[JINSONG])
    out = tmp_path / "report"
    assert main(["--lang", "en", "batch", str(folder), "--out", str(out), "--workers", "1"]) == 1
    text = (out / "results.json").read_text("utf-8") + (out / "report.html").read_text("utf-8")
    assert "READ_FAILED" in text and "0xdeadbeef" not in text and "RuntimeError" not in text
    assert "NOT_A_WORKBOOK" not in text
    assert "0xdeadbeef" not in capsys.readouterr().err
    assert main(["--lang", "en", "batch", str(folder), "--out", str(out), "--workers", "1", "--verbose"]) == 1
    assert "RuntimeError: internal detail 0xdeadbeef" in capsys.readouterr().err


def test_no_message_carries_python_exception_text(tmp_path: Path, cases: dict[str, bytes]) -> None:
    """Damaged files of every kind: each finding is in our words, in both languages."""
    data = cases[JINSONG]
    sheet = testing.sheet_part(data, "Project")
    damaged = {
        "truncated.xlsx": data[: len(data) // 2],
        "bad_xml.xlsx": testing.rebuild(data, {sheet: b"<worksheet><sheetData><row>"}),
        "bad_number.xlsx": testing.rebuild(data, {sheet: testing.part(data, sheet).replace(
            b"<v>0.08</v>", b"<v>0.08x</v>", 1)}),
        "no_workbook_part.xlsx": testing.rebuild(data, {"xl/workbook.xml": None}),
    }
    report = _check(tmp_path, damaged)
    for file in report.files:
        assert file.status == "unreadable", file.path
        for finding in file.findings:
            for lang in ("en", "zh"):
                text = finding.message(lang)
                assert not re.search(r"Error\b|Exception|Traceback|KeyError|ValueError|b'", text), text
    reasons = {f.path: f.findings[0].params.get("reason_en") for f in report.files}
    assert reasons["bad_xml.xlsx"] == f"the part {sheet} is not well-formed XML (line 1)"
    assert reasons["no_workbook_part.xlsx"] == "the part xl/workbook.xml is missing"
    assert "does not fit its type" in reasons["bad_number.xlsx"]


def test_zip_data_descriptors_and_another_workbook_path_read_the_same(tmp_path: Path,
                                                                       cases: dict[str, bytes]) -> None:
    """A streaming zip writer's entries (flag bit 3, sizes after the data) and a workbook part
    that is not at xl/workbook.xml: both as valid as what Excel writes."""
    data = cases[JINSONG]
    source = zipfile.ZipFile(io.BytesIO(data))
    moved = {}
    for name in source.namelist():
        content = source.read(name)
        if name == "_rels/.rels":
            content = content.replace(b"xl/workbook.xml", b"xl/main.xml")
        elif name == "[Content_Types].xml":
            content = content.replace(b"/xl/workbook.xml", b"/xl/main.xml")
        moved[{"xl/workbook.xml": "xl/main.xml", "xl/_rels/workbook.xml.rels": "xl/_rels/main.xml.rels"}.get(
            name, name)] = content

    class Unseekable(io.RawIOBase):
        def __init__(self) -> None:
            self.chunks: list[bytes] = []

        def writable(self) -> bool:
            return True

        def write(self, b: bytes) -> int:  # type: ignore[override]
            self.chunks.append(bytes(b))
            return len(b)

    stream = Unseekable()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in moved.items():
            with z.open(name, "w") as fh:
                fh.write(content)
    streamed = b"".join(stream.chunks)
    assert all(i.flag_bits & 0x08 for i in zipfile.ZipFile(io.BytesIO(streamed)).infolist())
    streamed_file, = _check(tmp_path / "streamed", {"streamed.xlsx": streamed}).files
    original, = _check(tmp_path / "original", {"original.xlsx": data}).files
    assert streamed_file.status == original.status == "ok"
    assert streamed_file.results == original.results


def test_inspect_shows_what_the_reader_sees(tmp_path: Path, cases: dict[str, bytes],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    data = set_error(cases[JINSONG], *named_cell(cases[JINSONG], "in_city"), "VLOOKUP(1,#REF!,2)", "#N/A")
    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    good.write_bytes(data)
    bad.write_bytes(data[:100])
    assert main(["inspect", str(good), str(bad), "--format", "json", "--lang", "en"]) == 1
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first["names"]["in_city"] == "'Project'!$C$7"
    assert first["tables"]["tblRenovation"]["sheet"] == "Renovation"
    assert first["tables"]["tblRenovation"]["columns"][:4] == ["item", "kind", "source", "amount"]
    assert first["sheets"]["Project"]["C7"] == {"value": None, "formula": True, "error": "#N/A"}
    assert first["sheets"]["Project"]["C14"] == {"value": 0.08, "formula": False, "error": None}
    assert second == {"file": str(bad), "findings": [{
        "code": "NOT_A_WORKBOOK", "severity": "error", "sheet": None, "cell": None,
        "message": "corrupt, or not an Excel workbook (not a zip archive)"}]}
    assert main(["--lang", "en", "inspect", str(good)]) == 0
    assert "#N/A  (=)" in capsys.readouterr().out
    assert main(["inspect", str(tmp_path / "none.xlsx")]) == 2


def test_global_options_go_before_or_after_the_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cases", "--lang", "en"]) == 0
    after = capsys.readouterr().out
    assert main(["--lang", "en", "cases"]) == 0
    assert capsys.readouterr().out == after and after.startswith("The paper's reference cases")


def test_a_file_that_cannot_be_opened_is_not_called_corrupt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.xlsx"
    path.write_bytes(b"PK")

    opened = Path.open

    def denied(self: Path, *args: object, **kwargs: object) -> object:
        if self.name == "locked.xlsx":
            raise PermissionError(13, "Permission denied")
        return opened(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", denied)
    found = extract_module.load(tmp_path, "locked.xlsx", extract_module.Limits())
    assert isinstance(found, extract_module.Extraction)
    assert [f.code for f in found.findings] == ["CANNOT_OPEN"]
    assert found.findings[0].message("en") == ("the file could not be opened for reading (Permission denied): "
                                               "check its permissions, or whether it was moved during the run")


def test_a_workbook_of_the_previous_template_version_stays_valid(tmp_path: Path, cases: dict[str, bytes]) -> None:
    """Submissions made on template 1.0 lack the names 2.0 added (INTRODUCED): checked without
    them, not refused; a 2.0 workbook lacking them still gets NAME_MISSING."""
    current = cases[JINSONG]
    lacking = testing.drop_name(testing.drop_name(current, "res_mirr"), "res_excel_check")
    old = set_named(lacking, "meta_template_version", "1.0")
    new_missing, older = _each(tmp_path, {"new.xlsx": lacking, "old.xlsx": old})
    assert older.status == "ok", [f.message("en") for f in older.findings]
    assert sorted(f.field for f in new_missing.findings if f.code == "NAME_MISSING") == [
        "res_excel_check", "res_mirr"]
