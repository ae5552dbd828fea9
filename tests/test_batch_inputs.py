"""Every kind of bad input gets its finding (file, sheet, cell, code, message), and the run goes on.

The bad inputs are made in a temporary folder from the generated sample
workbooks of the paper's cases: byte-level surgery on a copy (a cell, a
name, a part; see validation/testing.py), located by the template's names.
One batch runs over all of them at once, next to the untouched cases.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import xlwt
from checkout import SAMPLES
from msoffcrypto.format.ooxml import OOXMLFile

from validation import testing
from validation.batch import check_folder
from validation.read.guards import OLE_MAGIC, Limits, inspect_archive, open_archive
from validation.read.workbook import Workbook
from validation.report.records import Report
from validation.testing import (
    drop_cached_value,
    drop_name,
    named_cell,
    part,
    rebuild,
    set_cell,
    set_named,
    table_cell,
)

Edit = Callable[[bytes], bytes]
Where = tuple[str, ...]
"""("name", defined name), ("table", table, row, column), ("site", key): a cell by the contract;
("sheet", sheet): a finding about a sheet, no cell."""

BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>')


def named(name: str, value: object) -> Edit:
    return lambda data: set_named(data, name, value)


def in_table(table: str, row: int, column: str, value: object) -> Edit:
    return lambda data: set_cell(data, *table_cell(data, table, row, column), value)


def site_row(data: bytes, key: str) -> int:
    with Workbook(data) as book:
        keys = [r[0].value for r in book.table("tblSite").rows]
    return keys.index(key) + 1


def in_site(key: str, value: object) -> Edit:
    return lambda data: in_table("tblSite", site_row(data, key), "value", value)(data)


def chain(*edits: Edit) -> Edit:
    def run(data: bytes) -> bytes:
        for edit in edits:
            data = edit(data)
        return data
    return run


@dataclass(frozen=True)
class Defect:
    """A bad workbook: made from a case by ``edit``; the findings it must get, by code and cell."""

    path: str
    case: str
    edit: Edit
    expected: tuple[tuple[str, Where | None], ...]
    status: str = "invalid"
    unique_id: bool = True


def _pad(size: int) -> Edit:
    return lambda data: data + bytes(size)


def _bomb(data: bytes) -> bytes:
    return rebuild(data, add={"xl/media/padding.bin": bytes(8 * 2**20)})


def _xxe(data: bytes) -> bytes:
    return rebuild(data, {"xl/workbook.xml": BILLION_LAUGHS + part(data, "xl/workbook.xml")})


def _macros(data: bytes) -> bytes:
    return rebuild(data, add={"xl/vbaProject.bin": OLE_MAGIC + bytes(1024)})


def _typed_over_npv(data: bytes) -> bytes:
    return set_cell(data, *named_cell(data, "res_npv"), 999.0)


def _encrypted(data: bytes) -> bytes:
    """The workbook with a password to open (Office's agile encryption, as Excel writes it)."""
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt("secret", out)
    return out.getvalue()


def _legacy_xls() -> bytes:
    """A real Excel 97-2003 workbook (BIFF8, by xlwt)."""
    book = xlwt.Workbook()
    book.add_sheet("Project").write(0, 0, "jinsong")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _ods() -> bytes:
    """A real OpenDocument spreadsheet (odfpy, through pandas)."""
    out = io.BytesIO()
    pd.DataFrame({"project": ["jinsong"]}).to_excel(out, engine="odf", index=False)
    return out.getvalue()


def _xlsb() -> bytes:
    """The package of an Excel binary workbook: its main part is xl/workbook.bin."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'content-types"><Override PartName="/xl/workbook.bin" ContentType="application/'
                   'vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>')
        z.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.bin"/></Relationships>')
        z.writestr("xl/workbook.bin", bytes(64))
    return out.getvalue()


def _not_calculated_npv(data: bytes) -> bytes:
    return drop_cached_value(data, *named_cell(data, "res_npv"))


def _duplicate_key(data: bytes) -> bytes:
    with Workbook(data) as book:
        first_key = book.table("tblSite").rows[0][0].value
    return in_table("tblSite", 2, "key", first_key)(data)


JINSONG, ZHENWUMIAO, ZHEGONG = "jinsong_north", "zhenwumiao_wuli_3", "zhegong_new_village"
NAME = "name"

DEFECTS = (
    Defect("unreadable/corrupt.xlsx", JINSONG, lambda d: d[: len(d) // 2],
           (("NOT_A_WORKBOOK", None),), "unreadable", False),
    Defect("unreadable/encrypted.xlsx", JINSONG, _encrypted, (("ENCRYPTED", None),), "unreadable", False),
    Defect("unreadable/legacy.xls", JINSONG, lambda d: _legacy_xls(), (("UNSUPPORTED_FORMAT", None),),
           "unreadable", False),
    Defect("unreadable/wps.et", JINSONG, lambda d: _legacy_xls(), (("UNSUPPORTED_FORMAT", None),),
           "unreadable", False),
    Defect("unreadable/opendocument.ods", JINSONG, lambda d: _ods(), (("UNSUPPORTED_FORMAT", None),),
           "unreadable", False),
    Defect("unreadable/binary.xlsb", JINSONG, lambda d: _xlsb(), (("UNSUPPORTED_FORMAT", None),),
           "unreadable", False),
    Defect("unreadable/other_compound_file.xlsx", JINSONG, lambda d: OLE_MAGIC + bytes(4096),
           (("NOT_A_WORKBOOK", None),), "unreadable", False),
    Defect("unreadable/zip_bomb.xlsx", JINSONG, _bomb, (("ZIP_BOMB", None),), "unreadable", False),
    Defect("unreadable/xxe.xlsx", JINSONG, _xxe, (("XML_DTD", None),), "unreadable", False),
    Defect("unreadable/oversized.xlsx", JINSONG, _pad(Limits().max_file_bytes),
           (("FILE_TOO_LARGE", None),), "unreadable", False),
    Defect("macros.xlsm", JINSONG, _macros, (("MACROS_PRESENT", None),), "ok"),
    Defect("half_filled.xlsx", JINSONG,
           chain(named("in_horizon", None), named("in_pattern", None), named("in_discount_rate", None)),
           (("REQUIRED_MISSING", (NAME, "in_horizon")), ("REQUIRED_MISSING", (NAME, "in_pattern")),
            ("REQUIRED_MISSING", (NAME, "in_discount_rate")))),
    Defect("typed_over.xlsx", JINSONG, _typed_over_npv, (("RESULT_TYPED_OVER", (NAME, "res_npv")),)),
    Defect("stale.xlsx", JINSONG, named("in_discount_rate", 0.10),
           (("RESULT_MISMATCH", (NAME, "res_npv")),
            ("RESULT_MISMATCH", (NAME, "res_discounted_payback_years")))),
    Defect("not_calculated.xlsx", JINSONG, _not_calculated_npv,
           (("RESULT_NOT_CALCULATED", (NAME, "res_npv")),), "ok"),
    Defect("text_in_number.xlsx", JINSONG, named("in_horizon", "twenty"),
           (("NOT_A_NUMBER", (NAME, "in_horizon")),)),
    Defect("not_whole.xlsx", JINSONG, named("in_households", 12.5),
           (("NOT_WHOLE", (NAME, "in_households")),)),
    Defect("out_of_range.xlsx", JINSONG,
           chain(named("in_discount_rate", 1.5), named("in_horizon", 60), in_site("rental_demand", 1.4),
                 in_table("tblOperation", 1, "y2", -5)),
           (("OUT_OF_RANGE", (NAME, "in_discount_rate")), ("OUT_OF_RANGE", (NAME, "in_horizon")),
            ("OUT_OF_RANGE", ("site", "rental_demand")),
            ("OUT_OF_RANGE", ("table", "tblOperation", "1", "y2")))),
    Defect("codes.xlsx", JINSONG,
           chain(named("in_city", "Atlantis"), named("in_lang", "fr"),
                 in_table("tblRenovation", 2, "source", "GIFT"), in_table("tblOperation", 2, "kind", "income"),
                 in_table("tblSite", 3, "key", "sunshine")),
           (("CODE_UNKNOWN", (NAME, "in_city")), ("CODE_UNKNOWN", (NAME, "in_lang")),
            ("CODE_UNKNOWN", ("table", "tblRenovation", "2", "source")),
            ("CODE_UNKNOWN", ("table", "tblOperation", "2", "kind")),
            ("CODE_UNKNOWN", ("table", "tblSite", "3", "key")))),
    Defect("rows_incomplete.xlsx", JINSONG,
           chain(in_table("tblOperation", 1, "kind", None), in_table("tblRenovation", 1, "amount", "7,700")),
           (("REQUIRED_MISSING", ("table", "tblOperation", "1", "kind")),
            ("NOT_A_NUMBER", ("table", "tblRenovation", "1", "amount")))),
    Defect("renovation_total.xlsx", JINSONG, named("in_renovation_total", 7000),
           (("RENOVATION_TOTAL_MISMATCH", (NAME, "in_renovation_total")),)),
    Defect("year_gap.xlsx", JINSONG, in_table("tblOperation", 1, "y3", None),
           (("YEAR_GAP", ("table", "tblOperation", "1", "y3")),)),
    Defect("beyond_horizon.xlsx", JINSONG, in_table("tblOperation", 1, "y21", 627.0),
           (("BEYOND_HORIZON", ("table", "tblOperation", "1", "y21")),), "ok"),
    Defect("site_duplicate_key.xlsx", JINSONG, _duplicate_key,
           (("DUPLICATE_KEY", ("table", "tblSite", "2", "key")),)),
    Defect("duplicates/a.xlsx", JINSONG, named("in_project_id", "T-SAME"),
           (("DUPLICATE_PROJECT_ID", (NAME, "in_project_id")),), unique_id=False),
    Defect("duplicates/b.xlsx", JINSONG, named("in_project_id", "T-SAME"),
           (("DUPLICATE_PROJECT_ID", (NAME, "in_project_id")),), unique_id=False),
    Defect("lease_gap.xlsx", ZHENWUMIAO, in_table("tblOperation", 1, "y2", 100.0),
           (("LEASE_RENT_BELOW_COST", (NAME, "in_pattern")), ("RESULT_MISMATCH", (NAME, "res_npv")))),
    Defect("policy_cap.xlsx", ZHEGONG,
           chain(named("in_city", "Guangzhou"), named("in_added_floor_area_m2", 20000)),
           (("POLICY_LIMIT", (NAME, "in_added_floor_area_m2")),), "ok"),
    Defect("pattern_not_applicable.xlsx", JINSONG, named("in_pattern", "BULK_LEASE"),
           (("PATTERN_NOT_APPLICABLE", (NAME, "in_pattern")),), "ok"),
    Defect("old_version.xlsx", JINSONG, named("meta_template_version", "0.9"),
           (("VERSION_UNSUPPORTED", (NAME, "meta_template_version")),)),
    Defect("other_template.xlsx", JINSONG, named("meta_template_id", "budget_2023"),
           (("TEMPLATE_UNKNOWN", (NAME, "meta_template_id")),)),
    Defect("not_a_template.xlsx", JINSONG, lambda d: drop_name(d, "meta_template_id"),
           (("NOT_A_TEMPLATE", None),), unique_id=False),
    Defect("name_missing.xlsx", JINSONG, lambda d: drop_name(d, "in_horizon"),
           (("NAME_MISSING", ("sheet", "Project")),)),
)


def _locate(data: bytes, where: Where) -> tuple[str, str | None]:
    kind, *rest = where
    if kind == NAME:
        return named_cell(data, rest[0])
    if kind == "sheet":
        return rest[0], None
    if kind == "site":
        return table_cell(data, "tblSite", site_row(data, rest[0]), "value")
    table, row, column = rest
    return table_cell(data, table, int(row), column)


@pytest.fixture(scope="module")
def case_workbooks() -> dict[str, bytes]:
    """The paper's seven cases as generated workbooks."""
    return testing.case_workbooks(SAMPLES)


@pytest.fixture(scope="module")
def defect_run(tmp_path_factory: pytest.TempPathFactory,
               case_workbooks: dict[str, bytes]) -> tuple[Path, Report, dict[str, bytes]]:
    """The cases and every defect in one folder (plus a lock file and a hidden one), checked once."""
    folder = tmp_path_factory.mktemp("submissions")
    for case_id, data in case_workbooks.items():
        (folder / f"{case_id}.xlsx").write_bytes(data)
    made = {}
    for d in DEFECTS:
        data = case_workbooks[d.case]
        if d.unique_id:
            data = set_named(data, "in_project_id", f"T-{d.path}")
        made[d.path] = d.edit(data)
        target = folder / d.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(made[d.path])
    (folder / "~$jinsong_north.xlsx").write_bytes(b"lock")
    (folder / ".drafts").mkdir()
    (folder / ".drafts" / "draft.xlsx").write_bytes(b"draft")
    return folder, check_folder(folder, lang="en"), made


def test_lock_files_and_hidden_files_are_skipped(defect_run: tuple[Path, Report, dict[str, bytes]],
                                                 case_workbooks: dict[str, bytes]) -> None:
    _, report, _ = defect_run
    assert sorted(f.path for f in report.files) == sorted(
        [f"{c}.xlsx" for c in case_workbooks] + [d.path for d in DEFECTS])


def test_the_cases_stay_clean_beside_the_defects(defect_run: tuple[Path, Report, dict[str, bytes]],
                                                 case_workbooks: dict[str, bytes]) -> None:
    _, report, _ = defect_run
    by_path = {f.path: f for f in report.files}
    for case_id in case_workbooks:
        assert by_path[f"{case_id}.xlsx"].status == "ok"
        assert by_path[f"{case_id}.xlsx"].findings == ()


@pytest.mark.parametrize("defect", DEFECTS, ids=[d.path for d in DEFECTS])
def test_each_defect_gets_its_finding(defect_run: tuple[Path, Report, dict[str, bytes]],
                                      defect: Defect) -> None:
    _, report, made = defect_run
    file = next(f for f in report.files if f.path == defect.path)
    assert file.status == defect.status
    got = {(f.code, f.sheet, f.cell) for f in file.findings}
    for code, where in defect.expected:
        location = _locate(made[defect.path], where) if where else (None, None)
        assert (code, *location) in got, f"{code} at {location} not in {sorted(got, key=str)}"
    for finding in file.findings:
        assert finding.file == defect.path
        assert finding.message("en") and finding.message("zh")
    if defect.status == "unreadable":
        assert file.results is None and len(file.findings) == 1
    if defect.status == "ok":
        assert file.results is not None


def test_messages_say_what_is_wrong(defect_run: tuple[Path, Report, dict[str, bytes]]) -> None:
    _, report, _ = defect_run
    messages = {(f.file, f.code): f.message("en") for f in report.findings}
    assert messages[("unreadable/encrypted.xlsx", "ENCRYPTED")] == (
        "the file is password-protected (encrypted) and cannot be checked: save it as .xlsx without a password")
    assert messages[("unreadable/legacy.xls", "UNSUPPORTED_FORMAT")].startswith(
        "a legacy Excel 97-2003 workbook (.xls) or WPS (.et) file cannot be checked: open it in Excel or WPS")
    assert "(.ods)" in messages[("unreadable/opendocument.ods", "UNSUPPORTED_FORMAT")]
    assert "(.xlsb)" in messages[("unreadable/binary.xlsb", "UNSUPPORTED_FORMAT")]
    assert "xl/workbook.xml" in messages[("unreadable/xxe.xlsx", "XML_DTD")]
    assert "compression ratio" in messages[("unreadable/zip_bomb.xlsx", "ZIP_BOMB")]
    assert messages[("text_in_number.xlsx", "NOT_A_NUMBER")] == (
        'horizon (in_horizon) must be a number, found "twenty"')
    assert "7000" in messages[("renovation_total.xlsx", "RENOVATION_TOTAL_MISMATCH")]
    assert "7700" in messages[("renovation_total.xlsx", "RENOVATION_TOTAL_MISMATCH")]
    assert "also in: duplicates/b.xlsx" in messages[("duplicates/a.xlsx", "DUPLICATE_PROJECT_ID")]
    policy = messages[("policy_cap.xlsx", "POLICY_LIMIT")]
    assert "38%" in policy and "30%" in policy and "穗建规字〔2024〕15号" in policy
    assert "year 2" in messages[("lease_gap.xlsx", "LEASE_RENT_BELOW_COST")]
    assert "BULK_LEASE" in messages[("pattern_not_applicable.xlsx", "PATTERN_NOT_APPLICABLE")]
    assert "best fit: ACTIVATION" in messages[("pattern_not_applicable.xlsx", "PATTERN_NOT_APPLICABLE")]
    assert "999" in messages[("typed_over.xlsx", "RESULT_TYPED_OVER")]
    zh = {(f.file, f.code): f.message("zh") for f in report.findings}
    assert zh[("unreadable/encrypted.xlsx", "ENCRYPTED")].startswith("文件有打开密码")


def test_a_stale_result_shows_the_recomputed_figure(defect_run: tuple[Path, Report, dict[str, bytes]]
                                                    ) -> None:
    _, report, _ = defect_run
    stale = next(f for f in report.files if f.path == "stale.xlsx")
    npv = next(f for f in stale.findings if f.code == "RESULT_MISMATCH" and f.field == "res_npv")
    assert npv.value == pytest.approx(316.7, abs=0.05)  # cached at 8%
    assert stale.results is not None
    assert stale.results["discount_rate"] == 0.10
    assert npv.params["expected"] == f"{stale.results['npv']:.6g}"


def test_half_filled_workbooks_are_not_computed(defect_run: tuple[Path, Report, dict[str, bytes]]) -> None:
    _, report, _ = defect_run
    half = next(f for f in report.files if f.path == "half_filled.xlsx")
    assert half.results is None
    assert not any(f.code.startswith("RESULT_") for f in half.findings)


def test_the_generators_broken_samples_get_their_manifests_findings() -> None:
    folder = SAMPLES
    manifest = json.loads((folder / "invalid" / "MANIFEST.json").read_text("utf-8"))
    report = check_folder(folder, lang="en")
    by_path = {f.path: f for f in report.files}
    valid = [f for f in report.files if not f.path.startswith("invalid/")]
    assert len(valid) == 7 and all(f.status == "ok" and not f.findings for f in valid)
    assert {f"invalid/{e['file']}" for e in manifest["files"]} == set(by_path) - {f.path for f in valid}
    for entry in manifest["files"]:
        file = by_path[f"invalid/{entry['file']}"]
        got = {(f.code, f.severity, f.sheet, f.cell, f.field): f.value for f in file.findings}
        for defect in entry["defects"]:
            key = (defect["check"], defect["severity"], defect["sheet"], defect["cell"], defect["field"])
            assert key in got, f"{entry['file']}: {key} not in {sorted(got, key=str)}"
            assert got[key] == defect["value"]


def _central_record(data: bytes, name: str) -> int:
    """Offset of a part's record in the zip's central directory (the sizes readers trust)."""
    pos = zipfile.ZipFile(io.BytesIO(data)).start_dir
    while data[pos:pos + 4] == b"PK\x01\x02":
        n, m, k = (int.from_bytes(data[pos + o:pos + o + 2], "little") for o in (28, 30, 32))
        if data[pos + 46:pos + 46 + n].decode() == name:
            return pos
        pos += 46 + n + m + k
    raise KeyError(name)


def test_lying_zip_sizes_are_caught_before_any_parser(case_workbooks: dict[str, bytes]) -> None:
    data = bytearray(case_workbooks[JINSONG])
    size = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/workbook.xml").file_size
    record = _central_record(bytes(data), "xl/workbook.xml")
    data[record + 24:record + 28] = (size // 4).to_bytes(4, "little")  # declares a quarter of it
    found = inspect_archive("x.xlsx", bytes(data), Limits())
    assert [f.code for f in found] == ["NOT_A_WORKBOOK"]
    assert "xl/workbook.xml" in found[0].params["reason_en"]


def test_parts_unpack_as_zipfile_reads_them(case_workbooks: dict[str, bytes]) -> None:
    """The guard's own unpacking gives each part's bytes exactly, stored or deflated."""
    for data in case_workbooks.values():
        archive = zipfile.ZipFile(io.BytesIO(data))
        stored = io.BytesIO()
        with zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as copy:
            for info in archive.infolist():
                copy.writestr(info.filename, archive.read(info))
        for packed in (data, stored.getvalue()):
            findings, parts = open_archive("x.xlsx", packed, Limits())
            assert findings == []
            assert parts == {info.filename: archive.read(info) for info in archive.infolist()}


def test_a_part_packed_with_another_method_is_refused_by_name(case_workbooks: dict[str, bytes]) -> None:
    archive = zipfile.ZipFile(io.BytesIO(case_workbooks[JINSONG]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in archive.infolist():
            method = zipfile.ZIP_BZIP2 if info.filename == "xl/styles.xml" else zipfile.ZIP_DEFLATED
            copy.writestr(info.filename, archive.read(info), compress_type=method)
    found = inspect_archive("x.xlsx", buffer.getvalue(), Limits())
    assert [f.code for f in found] == ["NOT_A_WORKBOOK"]
    assert found[0].params["reason_en"] == ("the part xl/styles.xml is packed with compression method 12, which "
                                            "Office Open XML does not allow (only stored and deflate)")


def test_a_flipped_byte_inside_a_part_is_a_damaged_part(case_workbooks: dict[str, bytes]) -> None:
    data = bytearray(case_workbooks[JINSONG])
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    middle = info.header_offset + 30 + len(info.filename) + len(info.extra) + info.compress_size // 2
    data[middle] ^= 0xFF
    found = inspect_archive("x.xlsx", bytes(data), Limits())
    assert [f.code for f in found] == ["NOT_A_WORKBOOK"]
    assert found[0].params["reason_en"] == ("the part xl/worksheets/sheet1.xml is damaged (it does not unpack, or "
                                            "its checksum differs)")


def test_limits_on_unpacked_size_and_parts(case_workbooks: dict[str, bytes]) -> None:
    data = case_workbooks[JINSONG]
    assert inspect_archive("x.xlsx", data, Limits()) == []
    small = inspect_archive("x.xlsx", data, Limits(max_unpacked_bytes=100_000))
    assert [f.code for f in small] == ["ZIP_BOMB"] and "unpacked size" in small[0].message("en")
    few = inspect_archive("x.xlsx", data, Limits(max_parts=5))
    assert [f.code for f in few] == ["ZIP_BOMB"] and "部件数" in few[0].message("zh")
