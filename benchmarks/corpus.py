"""A benchmark corpus: many valid project workbooks varied from the paper's seven samples.

Each file copies one sample (round-robin) with its own project id (and
package id, where the sample has one) and every money figure scaled by a
factor k from a seeded sequence in [0.5, 2.0] (steps of 1/256): the
renovation and financing amounts, the operation years, the money site attributes
(``standalone_balance``), the stated renovation total and the cached values
of the money results, so that the batch's recomputation agrees with every
cached result. Paybacks, IRR, years to target, statuses and pattern scores
do not change under scaling.

The work is done on the package's XML (openpyxl's load and save would drop
the cached values; the template generator recalculates at ~1 s a file):
each sample is parsed once into templates of its changed parts (literal
text with slots for the values that vary), and a file is the sample's zip
with those parts rendered. Cells are found by the workbook's defined names
and its tables (``xl/tables/*.xml``), never by address; unnamed formula
cells count as money when styled like the named money results (Ro and Co on
the Results sheet, a computed figure beside the paper's statement on the
Project sheet).

    python benchmarks/corpus.py OUT_FOLDER --files N [--check]

``--check`` recalculates the first copy of each sample with the template's
formula engine and compares every cached value, named or not.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import os
import posixpath
import random
import re
import sys
import zipfile
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from defusedxml.ElementTree import fromstring

from renewal.fit import site_attributes
from validation.read.workbook import Area, a1, parse_area
from workbook_templates.contract import (
    CHART_NAMES,
    FINANCING_NAMES,
    FINANCING_TABLE,
    OPERATION_TABLE,
    RENOVATION_TABLE,
    SITE_TABLE,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SEED = 20261127
FACTORS = (0.5, 2.0)
STEPS = 256
MANIFEST = "corpus.json"

MONEY_RESULTS = ("res_renovation_surplus", "res_entity_investment", "res_operating_surpluses",
                 "res_cumulative_balance", "res_npv", "res_required_annual_surplus", *CHART_NAMES,
                 "res_sources_total", *FINANCING_NAMES)
"""Named result rows and cells whose cached values are money; their styles mark unnamed money cells."""
MONEY_INPUTS = ("in_renovation_total",)
MONEY_COLUMNS = {
    RENOVATION_TABLE.name: ("amount",),
    OPERATION_TABLE.name: tuple(c for c in OPERATION_TABLE.columns if c.startswith("y")),
    FINANCING_TABLE.name: ("amount",),
}
IDENTITY_NAMES = ("in_project_id", "in_package_id")
"""Inputs made unique per file; cached texts of formulas that read them follow."""

_CELL = re.compile(r'<c r="(?P<ref>[A-Z]+\d+)"(?P<attrs>[^>]*?)(?:/>|>(?P<body>.*?)</c>)', re.S)
_ATTR = re.compile(r'(\w+)="([^"]*)"')
_FORMULA = re.compile(r"<f\b[^>]*?(?:/>|>(.*?)</f>)", re.S)
_VALUE = re.compile(r"<v>(.*?)</v>|<t\b[^>]*>(.*?)</t>", re.S)
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


class CorpusError(Exception):
    """A sample does not have what the corpus varies, or a folder is not a corpus."""


@dataclass(frozen=True)
class Cell:
    """What a sheet's XML says of one cell: style, type, formula and where its value text lies."""

    style: str | None
    kind: str | None
    formula: str | None
    text: str | None
    span: tuple[int, int] | None

    @property
    def number(self) -> bool:
        """Whether the cell holds a numeric (cached) value."""
        if self.kind not in (None, "n") or not self.text:
            return False
        try:
            float(self.text)
        except ValueError:
            return False
        return True


@dataclass(frozen=True)
class Slot:
    """A value that varies: a money number (scaled) or a text holding an id (renamed)."""

    span: tuple[int, int]
    money: bool


@dataclass(frozen=True)
class Template:
    """A part's text cut around its slots: ``chunks[i]``, slot i, ..., ``chunks[-1]``."""

    chunks: tuple[str, ...]
    values: tuple[str, ...]
    money: tuple[bool, ...]

    def render(self, factor: float, renames: Mapping[str, str]) -> bytes:
        """The part with every money value times ``factor`` and every id renamed."""
        out = [self.chunks[0]]
        for value, money, chunk in zip(self.values, self.money, self.chunks[1:], strict=True):
            out.append(repr(float(value) * factor) if money else escape(_rename(value, renames)))
            out.append(chunk)
        return "".join(out).encode("utf-8")


def _rename(text: str, renames: Mapping[str, str]) -> str:
    for old, new in renames.items():
        text = text.replace(old, new)
    return text


def xml_text(raw: str) -> str:
    """The text an element's raw content stands for (entities and character references decoded).

    >>> xml_text("a &amp; &#21271;")
    'a & 北'
    """
    return fromstring(f"<t>{raw}</t>", forbid_dtd=True).text or ""


def template(xml: str, slots: list[Slot]) -> Template:
    """Cut ``xml`` around ``slots`` (non-overlapping); a text slot keeps its decoded text."""
    chunks, values, money, at = [], [], [], 0
    for slot in sorted(slots, key=lambda s: s.span):
        start, end = slot.span
        chunks.append(xml[at:start])
        values.append(xml[start:end] if slot.money else xml_text(xml[start:end]))
        money.append(slot.money)
        at = end
    chunks.append(xml[at:])
    return Template(tuple(chunks), tuple(values), tuple(money))


def scan_cells(xml: str) -> dict[str, Cell]:
    """Every cell element of a sheet's XML by address."""
    cells = {}
    for m in _CELL.finditer(xml):
        attrs = dict(_ATTR.findall(m["attrs"]))
        body, base = m["body"] or "", m.start("body")
        formula = _FORMULA.search(body)
        value = _VALUE.search(body)
        group = (1 if value and value.group(1) is not None else 2) if value else 0
        cells[m["ref"]] = Cell(
            attrs.get("s"), attrs.get("t"), (formula.group(1) or "") if formula else None,
            value.group(group) if value else None,
            (base + value.start(group), base + value.end(group)) if value else None)
    return cells


@dataclass(frozen=True)
class TableRef:
    """An Excel table as its XML part says: sheet, columns, and its data area."""

    sheet: str
    columns: tuple[str, ...]
    data: Area

    def column_cells(self, column: str) -> list[str]:
        """A1 addresses of one column's data cells."""
        col = self.data.first[1] + self.columns.index(column)
        return [a1(row, col) for row in range(self.data.first[0], self.data.last[0] + 1)]


class Package:
    """A workbook's zip read into memory, with its sheets, defined names and tables."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with zipfile.ZipFile(path) as z:
            self.infos = z.infolist()
            self.parts = {i.filename: z.read(i) for i in self.infos}
        self.workbook = fromstring(self.parts["xl/workbook.xml"], forbid_dtd=True)

    def _rels(self, part: str) -> dict[str, str]:
        """Relationship id -> target part of ``part``."""
        folder, name = posixpath.split(part)
        rels = fromstring(self.parts[posixpath.join(folder, "_rels", name + ".rels")], forbid_dtd=True)
        return {r.get("Id"): _resolve(folder, r.get("Target", "")) for r in rels.iterfind("{*}Relationship")}

    def sheet_parts(self) -> dict[str, str]:
        """Sheet name -> its XML part."""
        rels = self._rels("xl/workbook.xml")
        return {s.get("name"): rels[s.get(_NS_REL)] for s in self.workbook.iterfind("{*}sheets/{*}sheet")}

    def defined_names(self) -> dict[str, Area]:
        """Workbook-wide defined names that refer to a plain area."""
        found = {}
        for node in self.workbook.iterfind("{*}definedNames/{*}definedName"):
            area = parse_area(node.text or "")
            if node.get("localSheetId") is None and area:
                found[node.get("name")] = area
        return found

    def tables(self) -> dict[str, TableRef]:
        """Every table of every sheet, by name."""
        found = {}
        for sheet, part in self.sheet_parts().items():
            folder, name = posixpath.split(part)
            if posixpath.join(folder, "_rels", name + ".rels") not in self.parts:
                continue
            for target in self._rels(part).values():
                if target.startswith("xl/tables/"):
                    table = fromstring(self.parts[target], forbid_dtd=True)
                    columns = tuple(c.get("name") for c in table.iterfind("{*}tableColumns/{*}tableColumn"))
                    area = parse_area(f"'{sheet}'!{table.get('ref')}")
                    header = int(table.get("headerRowCount", "1"))
                    data = Area(sheet, (area.first[0] + header, area.first[1]), area.last)
                    found[table.get("name")] = TableRef(sheet, columns, data)
        return found


def _resolve(folder: str, target: str) -> str:
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))


@dataclass(frozen=True)
class Sample:
    """A sample compiled for variation: its zip, the templates of its changed parts, its ids."""

    name: str
    infos: tuple[zipfile.ZipInfo, ...]
    parts: dict[str, bytes]
    templates: dict[str, Template]
    ids: dict[str, str]

    def write(self, path: Path, factor: float, serial: int) -> None:
        """Write one varied copy: money times ``factor``, ids suffixed with ``serial``."""
        renames = {old: f"{old}-{serial:06d}" for old in self.ids.values()}
        rendered = {part: t.render(factor, renames) for part, t in self.templates.items()}
        with zipfile.ZipFile(path, "w") as z:
            for info in self.infos:
                z.writestr(_fresh(info), rendered.get(info.filename, self.parts[info.filename]))


def _fresh(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """A new entry like ``info`` (zipfile fills in sizes and offsets as it writes)."""
    entry = zipfile.ZipInfo(info.filename, info.date_time)
    entry.compress_type, entry.external_attr = info.compress_type, info.external_attr
    entry.create_system = info.create_system
    return entry


def _money_cells(package: Package, names: dict[str, Area], tables: dict[str, TableRef],
                 cells: dict[str, dict[str, Cell]]) -> dict[str, set[str]]:
    """Sheet -> addresses of the named money cells: inputs, results, table columns, site values."""
    money: dict[str, set[str]] = {}
    for name in (*MONEY_INPUTS, *MONEY_RESULTS):
        if name not in names:
            raise CorpusError(f"{package.path.name}: no defined name {name}")
        money.setdefault(names[name].sheet, set()).update(a1(*p) for p in names[name].cells())
    for table, columns in MONEY_COLUMNS.items():
        for column in columns:
            money.setdefault(tables[table].sheet, set()).update(tables[table].column_cells(column))
    site = tables[SITE_TABLE.name]
    money_keys = {k for k, a in site_attributes().items() if a.kind == "money"}
    sheet = cells[site.sheet]
    for key_cell, value_cell in zip(site.column_cells("key"), site.column_cells("value"), strict=True):
        key = sheet.get(key_cell)
        if key and key.text and xml_text(key.text).strip() in money_keys:
            money.setdefault(site.sheet, set()).add(value_cell)
    return money


def _money_styles(names: dict[str, Area], cells: dict[str, dict[str, Cell]]) -> set[str]:
    """Styles of the named money results: an unnamed formula cell in one of them is money too."""
    styles = set()
    for name in MONEY_RESULTS:
        area = names[name]
        styles.update(c.style for p in area.cells() if (c := cells[area.sheet].get(a1(*p))) and c.style)
    return styles


def _identity(package: Package, names: dict[str, Area],
              cells: dict[str, dict[str, Cell]]) -> tuple[dict[str, str], dict[str, set[str]]]:
    """The ids to make unique (name -> text; empty ones left out) and sheet -> their cells."""
    ids, where = {}, {}
    for name in IDENTITY_NAMES:
        area = names.get(name)
        if area is None:
            raise CorpusError(f"{package.path.name}: no defined name {name}")
        ref = a1(*area.first)
        cell = cells[area.sheet].get(ref)
        if cell and cell.text and xml_text(cell.text).strip():
            ids[name] = xml_text(cell.text)
            where.setdefault(area.sheet, set()).add(ref)
    if "in_project_id" not in ids:
        raise CorpusError(f"{package.path.name}: the project id is empty")
    return ids, where


def _mentions(formula: str | None, names: tuple[str, ...]) -> bool:
    return formula is not None and any(re.search(rf"\b{n}\b", formula) for n in names)


def compile_sample(path: Path) -> Sample:
    """Parse a sample once: the templates of the sheets whose values vary, and its ids."""
    package = Package(path)
    parts = package.sheet_parts()
    cells = {sheet: scan_cells(package.parts[part].decode("utf-8")) for sheet, part in parts.items()}
    names, tables = package.defined_names(), package.tables()
    money = _money_cells(package, names, tables, cells)
    styles = _money_styles(names, cells)
    ids, id_cells = _identity(package, names, cells)
    templates = {}
    for sheet, part in parts.items():
        slots = []
        for ref, cell in cells[sheet].items():
            if cell.span is None:
                continue
            named = ref in money.get(sheet, ())
            if cell.number and (named or (cell.formula is not None and cell.style in styles)):
                slots.append(Slot(cell.span, True))
            elif ref in id_cells.get(sheet, ()) or (cell.kind == "str" and _mentions(cell.formula, tuple(ids))):
                slots.append(Slot(cell.span, False))
        if slots:
            templates[part] = template(package.parts[part].decode("utf-8"), slots)
    return Sample(path.stem, tuple(package.infos), package.parts, templates, ids)


def scale_factors(n: int, seed: int = SEED) -> list[float]:
    """The money factor of each file: a seeded sequence in [0.5, 2.0], in steps of 1/256.

    Binary fractions keep sums of scaled whole amounts exact: a sample whose
    revenue equals its cost (So = 0) stays balanced. With k = 1.37, Guangming's
    460k + 265k + 318k + 995k - 2038k is -5.7e-14, which the model reads as a
    deficit (balanced in operation year 1, IRR 2e13) and the batch flags.
    """
    rng = random.Random(seed)
    return [round(rng.uniform(*FACTORS) * STEPS) / STEPS for _ in range(n)]


def sample_paths(folder: Path = SAMPLES) -> list[Path]:
    """The valid samples (the top level of ``samples/``, not ``samples/invalid/``), sorted."""
    return sorted(folder.glob("*.xlsx"))


def file_names(n: int, samples: list[Sample]) -> list[str]:
    """The corpus's file names: serial, then the sample copied (round-robin)."""
    width = max(5, len(str(n - 1)))
    return [f"{i:0{width}d}_{samples[i % len(samples)].name}.xlsx" for i in range(n)]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest(n: int, seed: int, samples: list[Path]) -> dict[str, object]:
    """What a complete corpus was made from: a change in any of it makes a new corpus."""
    return {"files": n, "seed": seed, "generator": _digest(Path(__file__)),
            "samples": {p.name: _digest(p) for p in samples}}


def is_complete(folder: Path, expected: dict[str, object]) -> bool:
    """Whether ``folder`` holds the corpus ``expected`` describes, every file written."""
    try:
        found = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return found == expected and len(list(folder.glob("*.xlsx"))) == expected["files"]


def _clear(folder: Path) -> None:
    """Remove an incomplete corpus's files (only its own: workbooks and the manifest)."""
    strangers = [p.name for p in folder.iterdir() if p.suffix != ".xlsx" and p.name != MANIFEST]
    if strangers:
        raise CorpusError(f"{folder} is not a corpus folder (it holds {', '.join(sorted(strangers)[:3])})")
    for path in folder.iterdir():
        path.unlink()


@dataclass(frozen=True)
class Spec:
    """A corpus: its folder, how many files, the seed of their factors, the samples it copies."""

    folder: Path
    files: int
    seed: int = SEED
    samples: Path = SAMPLES


def _write_range(spec: Spec, span: range) -> None:
    """Write the files of ``span`` (a worker's share of the corpus)."""
    compiled = [compile_sample(p) for p in sample_paths(spec.samples)]
    names, factors = file_names(spec.files, compiled), scale_factors(spec.files, spec.seed)
    for i in span:
        compiled[i % len(compiled)].write(spec.folder / names[i], factors[i], i)


def build_corpus(folder: Path, n: int, seed: int = SEED, samples: Path = SAMPLES,
                 processes: int | None = None) -> bool:
    """Write ``n`` varied workbooks into ``folder`` unless it already holds them; True if written.

    ``processes`` share the writing (default: one per core); zlib compression is most of the work.
    """
    expected = manifest(n, seed, sample_paths(samples))
    if is_complete(folder, expected):
        return False
    if folder.exists():
        _clear(folder)
    folder.mkdir(parents=True, exist_ok=True)
    spec = Spec(folder, n, seed, samples)
    processes = max(1, min(processes or os.cpu_count() or 1, n // 100 or 1))
    bounds = [n * k // processes for k in range(processes + 1)]
    spans = list(itertools.starmap(range, itertools.pairwise(bounds)))
    if processes == 1:
        _write_range(spec, spans[0])
    else:
        with ProcessPoolExecutor(processes) as pool:
            list(pool.map(_write_range, [spec] * processes, spans))
    (folder / MANIFEST).write_text(json.dumps(expected, indent=2), encoding="utf-8")
    return True


def _same(cached: object, computed: object) -> bool:
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (cached, computed))
    return math.isclose(cached, computed, rel_tol=1e-9, abs_tol=1e-9) if numbers else cached == computed


def engine_mismatches(path: Path) -> list[str]:
    """Formula cells whose cached value differs from what the template's formula engine
    (workbook_templates.engine, ~2 s a file) computes from the file's inputs."""
    from openpyxl import load_workbook

    from workbook_templates.engine import recalculate_file

    computed = recalculate_file(path)
    book = load_workbook(path, data_only=True, read_only=True)
    cached = {(ws.title, c.coordinate): c.value for ws in book.worksheets for row in ws.iter_rows()
              for c in row if c.value is not None}
    book.close()
    return [f"{sheet}!{cell}: cached {cached.get((sheet, cell))!r}, computed {value!r}"
            for (sheet, cell), value in computed.items() if not _same(cached.get((sheet, cell), ""), value)]


def main() -> int:
    """``python benchmarks/corpus.py OUT --files N [--seed S] [--check]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the corpus folder (reused if already complete)")
    parser.add_argument("--files", type=int, default=1000, help="how many workbooks (default 1000)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"seed of the money factors (default {SEED})")
    parser.add_argument("--check", action="store_true",
                        help="recalculate the first copy of each sample with the formula engine and compare "
                             "every cached value")
    args = parser.parse_args()
    written = build_corpus(args.out, args.files, args.seed)
    print(f"{args.out}: {args.files} workbooks {'written' if written else 'already complete'}")
    if not args.check:
        return 0
    found = 0
    for path in sorted(args.out.glob("*.xlsx"))[:len(sample_paths())]:
        mismatches = engine_mismatches(path)
        found += len(mismatches)
        print(f"{path.name}: {len(mismatches)} cached values differ from the formula engine's",
              *mismatches[:5], sep="\n  ")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
