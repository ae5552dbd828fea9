"""The hand-written variants (tests/variants.py) hold what they claim: each changes the package the
way it says, and the reference readers (calamine, openpyxl) and LibreOffice read it as the source
workbook. A variant no real reader accepts would prove nothing about ours."""

from __future__ import annotations

import copy
import io
import re
import shutil
import subprocess
import zipfile
from functools import cache
from pathlib import Path

import pytest
from reference import differences, reference
from variants import VARIANTS, Package

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "samples").glob("*.xlsx"))
CHECKED = ("hongyupo_district", "jinsong_north", "zhegong_new_village")
"""Samples whose variants are read by both references here (about 0.15 s a file); every sample's
variants go through the batch (tests/test_corpus.py)."""


@cache
def source(stem: str) -> bytes:
    return (ROOT / "samples" / f"{stem}.xlsx").read_bytes()


@cache
def made(stem: str, variant: str) -> bytes:
    return VARIANTS[variant].make(source(stem))


def _sheet_xml(data: bytes) -> bytes:
    pkg = Package(data)
    return b"".join(pkg.parts[p] for p in pkg.worksheets().values())


def _stripped(reading: dict) -> dict:
    for cells in reading["sheets"].values():
        for cell in cells.values():
            if isinstance(cell["value"], str):
                cell["value"] = cell["value"].strip()
    return reading


@cache
def read(stem: str, variant: str | None = None) -> dict:
    """The reference reading of a sample or of one of its variants (a copy may be changed)."""
    return reference(made(stem, variant) if variant else source(stem))


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("stem", CHECKED)
def test_a_variant_reads_as_its_source(stem: str, variant: str) -> None:
    """Same sheets, cells (values, formula flags, errors), names and tables for calamine and openpyxl
    (preserved_spaces: the same once its added spaces are stripped)."""
    ours, theirs = copy.deepcopy(read(stem, variant)), read(stem)
    if variant == "preserved_spaces":
        assert differences(ours, theirs), "the variant added no spaces"
        ours = _stripped(ours)
    assert differences(ours, theirs) == []


CHANGES = {
    "no_addresses": lambda x: not re.search(rb"<c [^>]*\br=", x) and b"<row/>" in x and b"<c/>" in x,
    "address_last": lambda x: re.search(rb'<c s="\d+"[^>]* r="[A-Z]+\d+"', x) and not re.search(rb"<c r=", x),
    "prefixed_with_bom": lambda x: x.startswith(b"\xef\xbb\xbf<?xml") and b"<x:c " in x and b"<c " not in x,
    "strict": lambda x: b"http://purl.oclc.org/ooxml/spreadsheetml/main" in x and b"openxmlformats" not in x,
    "shared_strings": lambda x: b't="s"' in x and b't="inlineStr"' not in x,
    "inline_strings": lambda x: b't="s"' in x and b't="inlineStr"' in x,
    "shared_formulas": lambda x: re.search(rb'<f t="shared" ref="[A-Z]+\d+:[A-Z]+\d+" si="0">', x)
                                 and re.search(rb'<f t="shared" si="0"/>', x),
    "empty_values": lambda x: re.search(rb'<c r="[A-Z]+\d+" s="\d+"><f>[^<]*</f><v/>', x)
                              and re.search(rb'<c r="[A-Z]+\d+" s="\d+"><f>[^<]*</f><v></v>', x),
    "preserved_spaces": lambda x: re.search(rb'<v xml:space="preserve"> [^<]+  </v>', x),
    "data_descriptors": lambda x: True,  # checked on the archive below
    "workbook_elsewhere": lambda x: True,
    "single_quotes": lambda x: b"<c r='A1'" in x and not re.search(rb'<[^<>]*="[^<>]*>', x),
    "spaced_tags": lambda x: re.search(rb'<c\n  r =\t"A1"', x) and b"</c >" in x,
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_a_variant_changes_the_package_as_it_says(variant: str) -> None:
    data = made("jinsong_north", variant)
    assert CHANGES[variant](_sheet_xml(data))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        infos = z.infolist()
        assert all(i.flag_bits & 0x08 for i in infos) == (variant == "data_descriptors")
        names = z.namelist()
    assert ("spreadsheet/book.xml" in names and "xl/workbook.xml" not in names) == (variant == "workbook_elsewhere")
    assert (Package(data).parts["[Content_Types].xml"].startswith(b"\xef\xbb\xbf")) == (variant == "prefixed_with_bom")


def test_the_references_agree_with_each_other_on_every_sample_and_variant() -> None:
    """The harness's own check: calamine's values equal openpyxl's cached values (``data_only``)
    wherever calamine reads the package."""
    readings = [read(stem, variant) for stem in CHECKED for variant in [None, *VARIANTS]]
    assert sum(not r["calamine_read"] for r in readings) == len(CHECKED)  # workbook_elsewhere
    for reading in readings:
        if reading["calamine_read"]:
            values = {sheet: {a: c["value"] for a, c in cells.items() if c["value"] not in (None, "")}
                      for sheet, cells in reading["sheets"].items()}
            assert values == reading["openpyxl_values"]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_reads_every_variant_as_its_source(tmp_path: Path) -> None:
    """LibreOffice opens each variant of one sample and saves what it read: the same cells as it
    saves from the sample, except cells it recalculated on opening (our functions are not loaded
    in it, so they become #NAME?: it recalculates text results of packages whose application it
    cannot read) and the spaces preserved_spaces adds."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "source.xlsx").write_bytes(source("jinsong_north"))
    for variant in VARIANTS:
        (tmp_path / "in" / f"{variant}.xlsx").write_bytes(made("jinsong_north", variant))
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(tmp_path / "out"),
                    *sorted(map(str, (tmp_path / "in").glob("*.xlsx")))],
                   check=True, capture_output=True, timeout=300)
    expected = reference((tmp_path / "out" / "source.xlsx").read_bytes())
    for variant in VARIANTS:
        saved = tmp_path / "out" / f"{variant}.xlsx"
        assert saved.exists(), f"LibreOffice did not open {variant}"
        got = reference(saved.read_bytes())
        for sheet, cells in got["sheets"].items():
            for address, cell in list(cells.items()):
                if cell["error"] == "#NAME?" and expected["sheets"][sheet][address]["formula"]:
                    cells[address] = expected["sheets"][sheet][address]
        if variant == "preserved_spaces":
            got, expected_here = _stripped(got), _stripped(reference((tmp_path / "out" / "source.xlsx").read_bytes()))
        else:
            expected_here = expected
        assert differences(got, expected_here) == [], variant
