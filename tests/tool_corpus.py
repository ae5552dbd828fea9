"""A corpus of workbooks written by real tools other than our generator, built once per test session.

Each :class:`Entry` is one file, with the writer that made it and, for files shaped like a
project workbook, the sample whose batch outcome it must reproduce:

- ``original``: the paper's samples, as the generator wrote them (the baseline);
- ``variant/NAME``: the hand-written spec-valid variants of every sample (tests/variants.py);
- ``openpyxl/resaved``: the template and every sample loaded and saved untouched (openpyxl drops
  every cached formula result: ``<v></v>``); ``openpyxl/filled``: the blank template filled through
  its defined names and tables with a sample's inputs; ``openpyxl/changed``: a sample with its
  discount rate, a renovation cost and a year-1 revenue changed through the names;
- ``xlsxwriter/clone``: two samples rewritten cell by cell with XlsxWriter (values, formulas with
  their cached results, array formulas, defined names, the three tables, hidden sheets);
  ``xlsxwriter/scratch``: a workbook from scratch (numbers, CJK and space-led text, booleans,
  formulas with and without cached values, error values, dates, defined names, a table);
- ``pandas/ENGINE``: a frame written by ``DataFrame.to_excel`` with openpyxl and with XlsxWriter;
- ``libreoffice/FILTER``: every sample re-saved by LibreOffice through "Calc MS Excel 2007 XML" and
  "Calc Office Open XML", and through an .ods round trip (one soffice process per conversion step,
  with its own profile); LibreOffice recalculates some cells on opening and, not knowing our
  functions, caches ``#NAME?`` in them;
- ``gnumeric``: every sample converted by Gnumeric's ``ssconvert`` (1.12 writes no table parts:
  the tables are gone, their defined names over the columns stay).

Every template-shaped file gets its own project id (``-<writer tag>`` appended before it is
written), so the whole corpus runs through one batch without DUPLICATE_PROJECT_ID findings.
LibreOffice and Gnumeric parts are skipped (``Corpus.missing``) when the program is absent.
"""

from __future__ import annotations

import datetime as dt
import io
import multiprocessing
import shutil
import subprocess
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import python_calamine as calamine
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.formula import ArrayFormula
from variants import VARIANTS, Package, q

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = {p.stem: p for p in sorted((ROOT / "samples").glob("*.xlsx"))}
TEMPLATE = ROOT / "workbook_templates" / "renewal_project.xlsx"
FILLED_FROM = ("jinsong_north", "hongyupo_district")
"""Samples whose inputs openpyxl types into the blank template, and that XlsxWriter clones."""
CHANGED = "jinsong_north"
"""The sample openpyxl changes (discount rate, a renovation cost, a year-1 revenue)."""
CHANGES = {"discount_rate": 0.06, "renovation_cost": 100.0, "first_revenue": 10.0}
READ_VARIANTS_OF = ("hongyupo_district", "zhegong_new_village")
"""Samples whose variants are also held cell by cell against the reference readers (the others'
go through the batch only; a reference reading costs ~0.2 s of CPU): the two whose results cache
error values (#N/A, #NUM!)."""
LIBREOFFICE_READS = "jinsong_north"
"""The sample whose variants LibreOffice opens and re-saves (tests/test_variants.py)."""
LIBREOFFICE_FILTERS = {"excel2007": "xlsx:Calc MS Excel 2007 XML", "ooxml": "xlsx:Calc Office Open XML"}


@dataclass(frozen=True)
class Entry:
    """One corpus file: where it is, who wrote it, and what the batch must make of it."""

    path: Path
    writer: str
    sample: str | None = None
    """The sample whose status and recomputed results the batch must reproduce (None: not a
    project workbook, or its inputs were changed)."""
    template: bool = False
    """The blank template (resaved): its outcome is the blank template's."""

    @property
    def id(self) -> str:
        return f"{self.writer}/{self.path.name}"

    @property
    def project(self) -> bool:
        """Shaped like a project workbook (the batch checks it)."""
        return bool(self.sample or self.template or self.writer == "openpyxl/changed")


@dataclass
class Corpus:
    """The built files, the folder they are in, and the parts not built (program absent)."""

    folder: Path
    entries: list[Entry] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)
    libreoffice_read: dict[str, Path] = field(default_factory=dict)
    """LibreOffice's re-save ("Calc MS Excel 2007 XML") of the sample :data:`LIBREOFFICE_READS`
    ("source") and of each of its variants (by name), as tests/variants.py made them."""

    def get(self, writer: str, name: str) -> Entry | None:
        return next((e for e in self.entries if e.writer == writer and e.path.name == name), None)


def read_here(entry: Entry) -> bool:
    """Whether the reference readers read this file (all but the variants of some samples)."""
    return not entry.writer.startswith("variant/") or entry.sample in READ_VARIANTS_OF


# --- identity -----------------------------------------------------------------------------------------

def _name_cell(pkg: Package, name: str) -> tuple[str, str] | None:
    """(worksheet part, A1 address) of a defined name over one cell."""
    for item in pkg.xml(pkg.workbook).iter(q("definedName")):
        if item.get("name") == name:
            sheet, _, ref = (item.text or "").rpartition("!")
            return pkg.worksheets()[sheet.strip("'").replace("''", "'")], ref.replace("$", "")
    return None


def with_identity(data: bytes, tag: str) -> bytes:
    """The generated workbook ``data`` with ``-tag`` appended to its project id and package id (when
    filled), written as inline strings in the generator's own layout."""
    pkg = Package(data)
    for name in ("in_project_id", "in_package_id"):
        found = _name_cell(pkg, name)
        if found is None:
            continue
        part, address = found
        root = pkg.xml(part)
        cell = next(c for c in root.iter(q("c")) if c.get("r") == address)
        text = cell.find(f"{q('is')}/{q('t')}")
        if text is not None and text.text:
            text.text = f"{text.text}-{tag}"
            pkg.put(part, root)
    return pkg.bytes()


# --- openpyxl -----------------------------------------------------------------------------------------

def _name_target(book: openpyxl.Workbook, name: str) -> tuple[openpyxl.worksheet.worksheet.Worksheet, str]:
    sheet, ref = next(book.defined_names[name].destinations)
    return book[sheet], ref.replace("$", "")


def _append_tag(book: openpyxl.Workbook, tag: str) -> None:
    for name in ("in_project_id", "in_package_id"):
        if name in book.defined_names:
            ws, ref = _name_target(book, name)
            if ws[ref].value:
                ws[ref].value = f"{ws[ref].value}-{tag}"


def openpyxl_resaved(data: bytes, tag: str) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    _append_tag(book, tag)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def openpyxl_filled(template: bytes, sample: bytes, tag: str) -> bytes:
    """The blank template with the sample's inputs typed in: every ``in_*`` defined name's cell, and
    every cell of the three tables' data rows that holds a value (not a formula) in the sample."""
    book = openpyxl.load_workbook(io.BytesIO(template))
    source = openpyxl.load_workbook(io.BytesIO(sample))
    for name in source.defined_names:
        if name.startswith("in_"):
            ws, ref = _name_target(source, name)
            target_ws, target_ref = _name_target(book, name)
            target_ws[target_ref].value = ws[ref].value
    for ws in source.worksheets:
        for table in ws.tables.values():
            lo_c, lo_r, hi_c, hi_r = range_boundaries(table.ref)
            for row in ws.iter_rows(min_row=lo_r + 1, max_row=hi_r, min_col=lo_c, max_col=hi_c):
                for cell in row:
                    if cell.data_type != "f":
                        book[ws.title].cell(cell.row, cell.column).value = cell.value
    _append_tag(book, tag)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def openpyxl_changed(data: bytes, tag: str) -> bytes:
    """The sample with :data:`CHANGES`: the discount rate set, the first renovation cost item's
    amount (and the stated total, and the entity's equity on the Financing sheet) and the first
    revenue item's year-1 amount raised."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws, ref = _name_target(book, "in_discount_rate")
    ws[ref].value = CHANGES["discount_rate"]
    for table_name, kind, column, change in (("tblRenovation", "cost", "amount", "renovation_cost"),
                                             ("tblOperation", "revenue", "y1", "first_revenue")):
        ws = next(w for w in book.worksheets if table_name in w.tables)
        table = ws.tables[table_name]
        lo_c, lo_r, _, hi_r = range_boundaries(table.ref)
        columns = [c.name for c in table.tableColumns]
        row = next(r for r in range(lo_r + 1, hi_r + 1) if ws.cell(r, lo_c + columns.index("kind")).value == kind)
        cell = ws.cell(row, lo_c + columns.index(column))
        cell.value += CHANGES[change]
    ws, ref = _name_target(book, "in_renovation_total")  # the stated total follows the items
    if ws[ref].value is not None:
        ws[ref].value += CHANGES["renovation_cost"]
    financing = next((w for w in book.worksheets if "tblFinancing" in w.tables), None)
    if financing is not None:  # the entity's equity pays the extra cost: the sources still equal the uses
        lo_c, lo_r, _, hi_r = range_boundaries(financing.tables["tblFinancing"].ref)
        columns = [c.name for c in financing.tables["tblFinancing"].tableColumns]
        for r in range(lo_r + 1, hi_r + 1):
            if financing.cell(r, lo_c + columns.index("kind")).value == "ENTITY_EQUITY":
                financing.cell(r, lo_c + columns.index("amount")).value += CHANGES["renovation_cost"]
                break
    _append_tag(book, tag)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- XlsxWriter and pandas ----------------------------------------------------------------------------

def xlsxwriter_clone(data: bytes, path: Path) -> None:
    """The workbook rewritten by XlsxWriter: every cell (formulas with openpyxl's text and the
    cached result calamine or openpyxl reads), array formulas, names, tables, hidden sheets."""
    import xlsxwriter

    formulas = openpyxl.load_workbook(io.BytesIO(data))
    cached = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    values = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    book = xlsxwriter.Workbook(str(path))
    for ws in formulas.worksheets:
        out = book.add_worksheet(ws.title)
        if ws.sheet_state != "visible":
            out.hide()
        grid = values.get_sheet_by_name(ws.title).to_python(skip_empty_area=False)
        for row in ws.iter_rows():
            for cell in row:
                r, c = cell.row - 1, cell.column - 1
                result = cached[ws.title].cell(cell.row, cell.column).value
                if isinstance(result, (dt.date, dt.time, dt.timedelta)):  # calamine's type; store the number
                    result = grid[r][c]
                if isinstance(cell.value, ArrayFormula):
                    lo_c, lo_r, hi_c, hi_r = range_boundaries(cell.value.ref)
                    out.write_array_formula(lo_r - 1, lo_c - 1, hi_r - 1, hi_c - 1, "{" + cell.value.text + "}",
                                            None, "" if result is None else result)
                elif cell.data_type == "f":
                    out.write_formula(r, c, cell.value, None, "" if result is None else result)
                elif isinstance(cell.value, bool):
                    out.write_boolean(r, c, cell.value)
                elif isinstance(cell.value, (int, float)):
                    out.write_number(r, c, cell.value)
                elif isinstance(cell.value, str) and cell.value:
                    out.write_string(r, c, cell.value)
        for table in ws.tables.values():
            lo_c, lo_r, hi_c, hi_r = range_boundaries(table.ref)
            out.add_table(lo_r - 1, lo_c - 1, hi_r - 1, hi_c - 1,
                          {"name": table.displayName, "autofilter": False,
                           "columns": [{"header": col.name} for col in table.tableColumns]})
    for name, item in formulas.defined_names.items():
        book.define_name(name, "=" + item.attr_text)
    book.close()


def xlsxwriter_scratch(path: Path) -> None:
    """A workbook from scratch with every kind of cell value, a defined name and a table."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("数据 Data")
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    ws.write_row(0, 0, ["number", "text", "flag", "formula", "date"])
    ws.write_number(1, 0, 1234.5)
    ws.write_string(1, 1, "  两个前导空格 and trailing  ")
    ws.write_boolean(1, 2, True)
    ws.write_formula(1, 3, "=A2*2", None, 2469)
    ws.write_datetime(1, 4, dt.datetime(2024, 3, 1), date)
    ws.write_number(2, 0, -0.000125)
    ws.write_string(2, 1, "深圳市 · 福田区")
    ws.write_boolean(2, 2, False)
    ws.write_formula(2, 3, "=A3+1")  # no cached value given: XlsxWriter stores 0
    ws.write_datetime(2, 4, dt.datetime(2024, 3, 1, 13, 30, 15), stamp)
    ws.write_number(3, 0, 1e15)
    ws.write_formula(3, 1, '=A4&" m²"', None, "1E+15 m²")
    ws.write_formula(3, 2, "=A2>0", None, True)
    ws.write_formula(3, 3, "=1/0", None, "#DIV/0!")
    ws.write_formula(3, 4, "=NA()", None, "#N/A")
    ws.write_formula(4, 0, '=IF(A2>0,"","x")', None, "")  # an empty text result, stored as <v></v>
    ws.write_formula(4, 1, "=UNKNOWN_FUNCTION(A2)", None, "#NAME?")
    ws.write_array_formula(5, 0, 6, 0, "{=A2:A3*2}", None, 2469)
    book.define_name("in_rate", "='数据 Data'!$A$2")
    book.define_name("whole_column", "='数据 Data'!$A:$A")
    table_sheet = book.add_worksheet("Table")
    table_sheet.add_table("B2:D5", {"name": "tblPeople", "columns": [{"header": "name"}, {"header": "age"},
                                                                      {"header": "member"}],
                                    "data": [["王小明", 31, True], [" Ann ", 42.5, False], ["Ö", None, None]]})
    book.close()


def pandas_frame_files(folder: Path) -> list[Path]:
    """The same frame written by ``DataFrame.to_excel`` with each engine."""
    import pandas as pd

    frame = pd.DataFrame({
        "项目 project": ["金松北 Jinsong", "  leading spaces", "", None],
        "amount": [7700.0, 0.1 + 0.2, -3.5e-9, float("nan")],
        "count": [1, 2, 3, 4],
        "ok": [True, False, True, False],
        "when": pd.to_datetime(["2024-03-01 00:00", "2024-03-01 12:00", None, "1999-12-31 00:00"]),
    })
    paths = []
    for engine in ("openpyxl", "xlsxwriter"):
        path = folder / f"frame_{engine}.xlsx"
        with pd.ExcelWriter(path, engine=engine) as writer:
            frame.to_excel(writer, sheet_name="Frame", index=True)
            frame.describe().to_excel(writer, sheet_name="Stats")
        paths.append(path)
    return paths


# --- LibreOffice and Gnumeric ------------------------------------------------------------------------

def soffice(files: list[Path], target: str, outdir: Path, profile: Path) -> None:
    """One soffice process converting ``files`` to ``target`` ("xlsx:FILTER", "ods") into ``outdir``."""
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--convert-to", target, "--outdir", str(outdir), *map(str, files)],
                   check=True, capture_output=True, timeout=300)


# --- the whole corpus ---------------------------------------------------------------------------------

def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def build_corpus(folder: Path, *, variants_of: tuple[str, ...] | None = None,
                 office: bool = True) -> Corpus:
    """Write the corpus below ``folder`` (``variants_of``: the samples whose variants are made, all by
    default; ``office``: run LibreOffice and Gnumeric where installed, in the background while the
    Python writers work)."""
    corpus = Corpus(folder)
    samples = {stem: path.read_bytes() for stem, path in SAMPLES.items()}
    with ThreadPoolExecutor(2) as pool:
        jobs = _office_jobs(corpus, samples, pool) if office else []
        _python_writers(corpus, samples)
        _variants(corpus, variants_of or tuple(samples))
        for job in jobs:
            job.result()
    return corpus


def _variants(corpus: Corpus, variants_of: tuple[str, ...]) -> None:
    """Every variant of the samples, in two worker processes (spawned: threads that run LibreOffice
    and Gnumeric may be running, and a fork would copy their locks)."""
    jobs = [(corpus.folder, name, stem) for name in VARIANTS for stem in variants_of]
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        for (_, name, stem), path in zip(jobs, pool.map(_variant_file, jobs, chunksize=8), strict=True):
            corpus.entries.append(Entry(path, f"variant/{name}", stem))


def _python_writers(corpus: Corpus, samples: dict[str, bytes]) -> None:
    folder, add = corpus.folder, corpus.entries.append
    for stem, data in samples.items():
        add(Entry(_write(folder / "original" / f"{stem}.xlsx", data), "original", stem))
    add(Entry(_write(folder / "original" / TEMPLATE.name, TEMPLATE.read_bytes()), "original", template=True))
    for stem, data in samples.items():
        add(Entry(_write(folder / "openpyxl" / "resaved" / f"{stem}.xlsx", openpyxl_resaved(data, "opx")),
                  "openpyxl/resaved", stem))
    add(Entry(_write(folder / "openpyxl" / "resaved" / TEMPLATE.name, openpyxl_resaved(TEMPLATE.read_bytes(), "opx")),
              "openpyxl/resaved", template=True))
    for stem in FILLED_FROM:
        data = openpyxl_filled(TEMPLATE.read_bytes(), samples[stem], "opx-filled")
        add(Entry(_write(folder / "openpyxl" / "filled" / f"{stem}.xlsx", data), "openpyxl/filled", stem))
    changed = openpyxl_changed(samples[CHANGED], "opx-changed")
    add(Entry(_write(folder / "openpyxl" / "changed" / f"{CHANGED}.xlsx", changed), "openpyxl/changed"))
    (folder / "xlsxwriter" / "clone").mkdir(parents=True)
    for stem in FILLED_FROM:
        path = folder / "xlsxwriter" / "clone" / f"{stem}.xlsx"
        xlsxwriter_clone(with_identity(samples[stem], "xlw"), path)
        add(Entry(path, "xlsxwriter/clone", stem))
    (folder / "other").mkdir(parents=True)
    xlsxwriter_scratch(folder / "other" / "scratch.xlsx")
    add(Entry(folder / "other" / "scratch.xlsx", "xlsxwriter/scratch"))
    for path in pandas_frame_files(folder / "other"):
        add(Entry(path, "pandas/" + path.stem.split("_", 1)[1]))


def _variant_file(job: tuple[Path, str, str]) -> Path:
    """Write one variant of one sample (tagged ``v-NAME``); run in a worker process."""
    folder, name, stem = job
    data = VARIANTS[name].make(with_identity(SAMPLES[stem].read_bytes(), f"v-{name}"))
    return _write(folder / "variant" / name / f"{stem}.xlsx", data)


def _office_jobs(corpus: Corpus, samples: dict[str, bytes], pool: ThreadPoolExecutor) -> list[Future[None]]:
    """Start LibreOffice's and Gnumeric's conversions; each adds its entries when done."""
    jobs = []
    if shutil.which("soffice"):
        jobs.append(pool.submit(_libreoffice, corpus, samples))
    else:
        corpus.missing["libreoffice"] = "soffice is not installed"
    if shutil.which("ssconvert"):
        jobs.append(pool.submit(_gnumeric, corpus, samples))
    else:
        corpus.missing["gnumeric"] = "ssconvert is not installed"
    return jobs


def _gnumeric(corpus: Corpus, samples: dict[str, bytes]) -> None:
    folder = corpus.folder
    (folder / "gnumeric").mkdir(parents=True)
    for stem, data in samples.items():
        source = _write(folder / "in" / "gnumeric" / f"{stem}.xlsx", with_identity(data, "gnm"))
        subprocess.run(["ssconvert", str(source), str(folder / "gnumeric" / source.name)],
                       check=True, capture_output=True, timeout=120)
    corpus.entries += [Entry(folder / "gnumeric" / f"{stem}.xlsx", "gnumeric", stem) for stem in samples]


def _libreoffice(corpus: Corpus, samples: dict[str, bytes]) -> None:
    folder, profile = corpus.folder, corpus.folder / "lo-profile"
    # LibreOffice's reading of every variant (of one sample) rides along with the first conversion
    sample = samples[LIBREOFFICE_READS]
    read = {"source": sample, **{name: variant.make(sample) for name, variant in VARIANTS.items()}}
    variants = [_write(folder / "in" / "lo-excel2007" / f"variant-{name}.xlsx", data) for name, data in read.items()]
    for tag, target in [*LIBREOFFICE_FILTERS.items(), ("ods", "ods")]:
        sources = [_write(folder / "in" / f"lo-{tag}" / f"{stem}.xlsx", with_identity(data, f"lo-{tag}"))
                   for stem, data in samples.items()]
        outdir = folder / "libreoffice" / (tag if tag != "ods" else "ods-step")
        soffice(sources + (variants if tag == "excel2007" else []), target, outdir, profile)
    (folder / "libreoffice" / "variants").mkdir()
    for name in read:
        saved = folder / "libreoffice" / "variants" / f"{name}.xlsx"
        (folder / "libreoffice" / "excel2007" / f"variant-{name}.xlsx").rename(saved)
        corpus.libreoffice_read[name] = saved
    soffice(sorted((folder / "libreoffice" / "ods-step").glob("*.ods")), LIBREOFFICE_FILTERS["excel2007"],
            folder / "libreoffice" / "ods", profile)
    for tag in (*LIBREOFFICE_FILTERS, "ods"):
        corpus.entries += [Entry(folder / "libreoffice" / tag / f"{stem}.xlsx", f"libreoffice/{tag}", stem)
                           for stem in samples]

