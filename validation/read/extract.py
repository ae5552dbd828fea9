"""Read and extract one workbook: a pure function from a path to rows and findings.

:func:`extract` guards the file's bytes, opens it, reads every value the
template contract names (defined names ``in_*``, ``meta_*``, ``res_*``; the
tables tblRenovation, tblOperation, tblSite) and returns them as plain rows,
each with its sheet and cell, plus the findings of reading. Nothing of the
workbook outlives the call and the result pickles, so the call can run in a
worker process or be cached by the file's sha256. (The rows of a whole folder
become frames in :mod:`validation.check.assess`: this module imports no pandas, so
worker processes stay lean.)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from validation.check.findings import Finding
from validation.read.guards import Limits, broken, open_archive, too_large
from validation.read.workbook import Area, Cell, CellValue, PartError, Workbook, a1, clean, interned, parse_area
from workbook_templates.contract import (
    BLOCK_NAMES,
    COLUMN_NAMES,
    FINANCING_TABLE,
    META_NAMES,
    OPERATION_TABLE,
    PROJECT_FIELDS,
    RENOVATION_TABLE,
    RESULTS,
    SHEETS,
    SITE_TABLE,
    Result,
    Table,
    introduced_after,
)

Row = tuple[object, ...]
"""One row of a long frame: its ``COLUMNS``' values."""

COLUMNS: dict[str, tuple[str, ...]] = {
    "meta": ("file", "field", "sheet", "cell", "value"),
    "fields": ("file", "field", "sheet", "cell", "value"),
    "renovation": ("file", "row", "column", "field", "sheet", "cell", "value"),
    "operation": ("file", "row", "column", "field", "sheet", "cell", "value"),
    "site": ("file", "row", "column", "field", "sheet", "cell", "value"),
    "financing": ("file", "row", "column", "field", "sheet", "cell", "value"),
    "results": ("file", "field", "year", "sheet", "cell", "value", "formula"),
    "tables": ("file", "table"),
}
"""The long frames: one row per cell, each with its file, sheet and cell (A1); and the tables
each file's reading found (a rule over a table's rows must not read a missing table as empty)."""
DTYPES: dict[str, str | type[object]] = {"row": "int64", "year": "int64", "formula": "bool", "value": object}
"""Column types of the long frames (text for the columns not listed), also when a frame is empty."""

TABLES: dict[str, tuple[Table, tuple[str, ...], bool]] = {
    # frame: (table, columns read on every used row, whether year columns follow)
    "renovation": (RENOVATION_TABLE, ("item", "kind", "source", "amount"), False),
    "operation": (OPERATION_TABLE, ("item", "kind"), True),
    "site": (SITE_TABLE, ("key", "value"), False),
    "financing": (FINANCING_TABLE, ("item", "kind", "amount", "rate", "term", "grace_years", "method"), False),
}
YEAR_COLUMNS = tuple(c for c in OPERATION_TABLE.columns if c.startswith("y"))
TABLE_NAMES = {name: spec[0] for name, spec in (COLUMN_NAMES | BLOCK_NAMES).items()}
"""Defined names over table columns (site_keys, op_amounts...), with their table."""
NAME_SHEETS = {
    **{f.defined_name: SHEETS["project"] for f in PROJECT_FIELDS},
    **{r.defined_name: SHEETS["results"] for r in RESULTS},
    **dict.fromkeys(META_NAMES, SHEETS["meta"]),
    **{name: table.sheet for name, table in TABLE_NAMES.items()},
}
"""The sheet each defined name of the contract lives on."""


@dataclass(frozen=True, slots=True)
class ErrorValue:
    """An input cell that holds an error value (``#REF!``, ``#N/A``...) instead of a value."""

    code: str

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True, slots=True)
class DateValue:
    """An input cell that holds a date (a number its style shows as a date), kept apart from
    plain numbers so that a date typed where an amount belongs is caught."""

    serial: float

    def __str__(self) -> str:
        """The date as ISO text (1900 date system), as a reviewer reads it.

        >>> str(DateValue(45352.0)), str(DateValue(45352.5))
        ('2024-03-01', '2024-03-01T12:00:00')
        """
        days = self.serial - 1 if self.serial > 60 else self.serial
        when = dt.datetime(1899, 12, 31) + dt.timedelta(days=days)
        return when.isoformat() if when.time() != dt.time() else when.date().isoformat()


InputValue = CellValue | ErrorValue | DateValue
"""What an input cell gives the checks: its value, or the error or date it holds."""


def input_value(cell: Cell) -> InputValue:
    """The value an input cell gives: text stripped (blank is None), an error value or a
    date kept as such.

    >>> input_value(Cell(" x ")), input_value(Cell(None, True, "#REF!")), input_value(Cell(45352.0, date=True))
    ('x', ErrorValue(code='#REF!'), DateValue(serial=45352.0))
    """
    if cell.error:
        return ErrorValue(cell.error)
    if cell.date and isinstance(cell.value, float):
        return DateValue(cell.value)
    return clean(cell.value)


@dataclass
class Extraction:
    """What one file gave: its identity, whether it could be read, findings and rows per frame."""

    file: str
    sha256: str | None
    size: int | None
    readable: bool
    findings: list[Finding] = field(default_factory=list)
    rows: dict[str, list[Row]] = field(default_factory=dict)
    diagnostics: list[str] = field(default_factory=list)
    """What went wrong inside the reader (a traceback), for ``--verbose``; never in a finding."""

    def as_file(self, file: str) -> Extraction:
        """The same extraction reported under another path (a cached file that moved)."""
        if file == self.file:
            return self
        return Extraction(file, self.sha256, self.size, self.readable,
                          [dataclasses.replace(f, file=file) for f in self.findings],
                          {name: [(file, *row[1:]) for row in rows] for name, rows in self.rows.items()},
                          self.diagnostics)


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


@dataclass(frozen=True)
class Loaded:
    """A file's bytes as read from disk, and their sha256: what a worker needs to extract it."""

    file: str
    data: bytes
    sha256: str


def load(root: str | Path, file: str, limits: Limits) -> Loaded | Extraction:
    """Read ``root/file`` (never more than one byte past the size limit) and hash it, or
    return its :class:`Extraction` already when it cannot be read (too large, OS error)."""
    path = Path(root, file)
    try:
        with path.open("rb") as fh:
            data = fh.read(limits.max_file_bytes + 1)
        if len(data) > limits.max_file_bytes:
            size = path.stat().st_size
            return Extraction(file, _sha256(path), size, False, [too_large(file, size, limits)])
    except OSError as exc:  # the file could not be opened (permissions, removed meanwhile): not its content
        reason = exc.strerror or type(exc).__name__
        return Extraction(file, None, None, False, [Finding(file, "CANNOT_OPEN", params={"reason": reason})])
    return Loaded(file, data, hashlib.sha256(data).hexdigest())


def extract_loaded(loaded: Loaded, limits: Limits) -> Extraction:
    """Guard and extract a file's bytes: pure, picklable, runs anywhere (worker, cluster).

    Never raises for a bad file: every problem becomes a finding, and a file
    that cannot be read safely comes back ``readable=False`` without rows.
    """
    file, data, digest = loaded.file, loaded.data, loaded.sha256
    findings, parts = open_archive(file, data, limits)
    if any(f.severity == "error" for f in findings):
        return Extraction(file, digest, len(data), False, findings)
    try:
        with Workbook(data, parts) as book:
            rows, more = _contract_rows(file, book)
    except PartError as exc:  # the file itself is damaged: say which part and how
        return Extraction(file, digest, len(data), False, [*findings, broken(file, exc.reason)])
    except Exception:  # a failure of ours on untrusted input is a finding, never a crash
        return Extraction(file, digest, len(data), False, [*findings, Finding(file, "READ_FAILED")],
                          diagnostics=[traceback.format_exc()])
    return Extraction(file, digest, len(data), True, findings + more, rows)


def extract(root: str | Path, file: str, limits: Limits | None = None) -> Extraction:
    """Guard, read and extract ``root/file`` (``file`` relative, ``/``-separated)."""
    limits = limits or Limits()
    loaded = load(root, file, limits)
    return loaded if isinstance(loaded, Extraction) else extract_loaded(loaded, limits)


class _Reader:
    """Collects one file's rows and findings while reading it by the contract's names."""

    def __init__(self, file: str, book: Workbook) -> None:
        self.file, self.book = file, book
        self.rows: dict[str, list[Row]] = {name: [] for name in COLUMNS}
        self.findings: list[Finding] = []
        self.version: object = None
        """The workbook's template version, once its meta cells are read."""

    def area(self, name: str) -> Area | None:
        """The area a defined name refers to, or None after a NAME_MISSING/NAME_BROKEN finding
        (on the sheet the contract puts the name on)."""
        target = self.book.names.get(name)
        sheet = NAME_SHEETS[name]
        if target is None and introduced_after(name, self.version):
            return None
        if target is None:
            self.findings.append(Finding(self.file, "NAME_MISSING", sheet, field=name, params={"name": name}))
            return None
        area = parse_area(target)
        if area is None or not self.book.has_sheet(area.sheet):
            self.findings.append(Finding(self.file, "NAME_BROKEN", sheet, field=name, value=target,
                                         params={"name": name, "target": target}))
            return None
        return area

    def named_cells(self, frame: str, names: Iterable[str]) -> None:
        """One row per named single cell: (file, field, sheet, cell, value)."""
        named = [(name, area.sheet, area.first) for name in names if (area := self.area(name))]
        cells = {sheet: self.book.cells(sheet, [pos for _, s, pos in named if s == sheet])
                 for sheet in {sheet for _, sheet, _ in named}}
        self.rows[frame].extend((self.file, name, sheet, a1(*pos), input_value(cells[sheet][pos]))
                                for name, sheet, pos in named)

    def table(self, frame: str) -> None:
        """The used rows of a table, one row per cell of the columns the batch reads."""
        table, base, with_years = TABLES[frame]
        if table.name not in self.book.table_names and introduced_after(table.name, self.version):
            return
        if table.name not in self.book.table_names:
            self.findings.append(Finding(self.file, "NAME_MISSING", table.sheet, field=table.name,
                                         params={"name": table.name}))
            return
        data = self.book.table(table.name)
        wanted = base + (YEAR_COLUMNS if with_years else ())
        index = {c: i for i, c in enumerate(data.columns)}
        missing = [c for c in wanted if c not in index]
        for column in missing:
            self.findings.append(Finding(self.file, "NAME_MISSING", sheet=data.sheet,
                                         field=f"{table.name}[{column}]",
                                         params={"name": f"{table.name}[{column}]"}))
        if missing:
            return
        self.rows["tables"].append((self.file, table.name))
        first_row, first_col = data.first
        by_row: dict[int, dict[int, Cell]] = {}
        for (r, c), cell in data.cells.items():
            by_row.setdefault(r, {})[c] = cell
        for i, raw in sorted(by_row.items()):
            values = {c: input_value(raw[index[c]]) if index[c] in raw else None for c in wanted}
            if all(v is None for v in values.values()):
                continue
            last_year = max((k for k, c in enumerate(YEAR_COLUMNS, 1) if values.get(c) is not None),
                            default=0) if with_years else 0
            for column in base + YEAR_COLUMNS[:last_year]:
                self.rows[frame].append((
                    self.file, i + 1, column, _field(table, column, values), data.sheet,
                    a1(first_row + i, first_col + index[column]), values[column]))

    def results(self) -> None:
        """The recomputed results, per cell: the cached value (an error value such as #N/A
        as its text) and whether the cell still holds a formula."""
        by_sheet: dict[str, list[tuple[Result, Area]]] = {}
        for result in RESULTS:
            area = self.area(result.defined_name) if result.checked else None
            if area:
                by_sheet.setdefault(area.sheet, []).append((result, area))
        for sheet, named in by_sheet.items():
            cells = self.book.cells(sheet, [p for _, a in named for p in a.cells()])
            for result, area in named:
                first_year = 1 if result.kind == "row" else 0
                for year, pos in enumerate(area.cells(), first_year):
                    info = cells[pos]
                    value: CellValue = info.error or info.value
                    self.rows["results"].append((self.file, result.defined_name, year, sheet,
                                                 a1(*pos), value, info.formula))


def _field(table: Table, column: str, values: Mapping[str, object]) -> str:
    """The field a table cell reports as: a site value is known by its key."""
    if table is SITE_TABLE and column == "value" and isinstance(values.get("key"), str):
        return interned(str(values["key"]))
    return interned(f"{table.name}[{column}]")


def _contract_rows(file: str, book: Workbook) -> tuple[dict[str, list[Row]], list[Finding]]:
    missing = [n for n in META_NAMES if n not in book.names]
    if missing:
        return {}, [Finding(file, "NOT_A_TEMPLATE", params={"missing": ", ".join(missing)})]
    reader = _Reader(file, book)
    for name in TABLE_NAMES:  # read by the template's formulas, not by the batch: only checked
        reader.area(name)
    reader.named_cells("meta", META_NAMES)
    reader.version = next((row[4] for row in reader.rows["meta"] if row[1] == "meta_template_version"), None)
    reader.named_cells("fields", [f.defined_name for f in PROJECT_FIELDS])
    for frame in TABLES:
        reader.table(frame)
    reader.results()
    return reader.rows, reader.findings
