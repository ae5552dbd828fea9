"""The reference reading of a workbook, in the shape ``validation.inspect.inspect_file`` returns,
from two readers that owe nothing to ours: python-calamine for values, openpyxl for formula flags,
cached errors, defined names and tables.

The normalisation, all of it (everything else must be equal, with its type):

- calamine's numbers are floats (it returns a whole number as ``int``); a date, datetime, time or
  duration it made of a date-formatted number goes back to the serial number (1900 date system,
  day 0 = 1899-12-30), compared within 1e-8 day (calamine rounds the time of day to the
  millisecond); a ``bool`` is never equal to a number;
- calamine returns ``""`` both for an empty cell and for a formula's cached empty text (``<v></v>``),
  and openpyxl cannot tell them apart either: where calamine says ``""`` in a formula cell, our
  value may be ``""`` or ``None``; a cell of ours holding ``""`` with no formula nor error may be
  listed or not;
- calamine drops cached errors (it returns ``""``): the error code is openpyxl's (``data_only``),
  and then the value is ``None``;
- where calamine cannot read a package (it looks for the workbook at ``xl/workbook.xml`` only),
  the values are openpyxl's (``data_only``), normalised the same way;
- openpyxl 3.1 reads a Strict package as one without sheets: it reads the package with the Strict
  namespaces renamed back to the Transitional ones (the inverse of ``variants.STRICT``, a pure
  renaming, as Apache POI's strict converter does);
- tables: by display name (the name formulas use; Excel writes ``name`` equal to it);
- names: every workbook-scoped name openpyxl reads, with its reference text as stored; a name of
  ours that openpyxl reads as sheet-scoped is not compared, nor is a built-in one (``_xlnm.``,
  ECMA-376 Part 1, 18.2.5: print areas and titles, filter ranges, Gnumeric's sheet titles), which
  openpyxl keeps as sheet attributes or drops;
- a formula cell is what openpyxl reads as a formula (``data_type == "f"``, shared formula members
  included) or an ``ArrayFormula``, and every cell inside an array formula's range.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import Any

import openpyxl
import python_calamine as calamine
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.worksheet.formula import ArrayFormula
from variants import STRICT

EPOCH = dt.datetime(1899, 12, 30)
DATE_TOLERANCE = 1e-8


class DateSerial(float):
    """A serial number converted back from a date a reader returned (compared within 1e-8 day)."""


def normalised(value: object) -> object:
    """A reader's cell value in the contract's terms (see the module's docstring).

    >>> normalised(3), normalised(True), normalised(dt.date(2024, 3, 1)), normalised(dt.time(12))
    (3.0, True, 45352.0, 0.5)
    """
    if isinstance(value, bool) or value is None or isinstance(value, (str, float)):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, dt.datetime):
        return DateSerial((value - EPOCH) / dt.timedelta(days=1))
    if isinstance(value, dt.date):
        return DateSerial((value - EPOCH.date()).days)
    if isinstance(value, dt.time):
        return DateSerial((value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400)
    if isinstance(value, dt.timedelta):
        return DateSerial(value / dt.timedelta(days=1))
    raise TypeError(f"unexpected cell value {value!r}")


def calamine_values(data: bytes) -> dict[str, dict[str, object]] | None:
    """Sheet -> A1 -> value of every cell calamine reads as not ``""``; None if it cannot read the file."""
    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except calamine.CalamineError:
        return None
    values: dict[str, dict[str, object]] = {}
    for sheet in book.sheet_names:
        grid = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        values[sheet] = {f"{get_column_letter(c + 1)}{r + 1}": normalised(v)
                         for r, row in enumerate(grid) for c, v in enumerate(row) if v != ""}
    return values


def transitional(data: bytes) -> bytes:
    """A Strict package with the Transitional namespaces and relationship types (else unchanged)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    if b"http://purl.oclc.org/ooxml/" not in b"".join(
            source.read(n) for n in source.namelist() if n.endswith((".xml", ".rels"))):
        return data
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for info in source.infolist():
            part = source.read(info)
            if info.filename.endswith((".xml", ".rels")):
                for old, new in reversed(STRICT.items()):
                    part = part.replace(new.encode(), old.encode())
            out.writestr(info.filename, part)
    return buffer.getvalue()


@dataclass
class OpenpyxlReading:
    """What openpyxl reads of a workbook."""

    formulas: dict[str, set[str]] = field(default_factory=dict)
    errors: dict[str, dict[str, str]] = field(default_factory=dict)
    values: dict[str, dict[str, object]] = field(default_factory=dict)
    """Cached values (``data_only``), normalised; empty text and None left out."""
    names: dict[str, str] = field(default_factory=dict)
    local_names: set[str] = field(default_factory=set)
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)


def openpyxl_reading(data: bytes) -> OpenpyxlReading:
    """Formula flags, names and tables (a normal load) and cached values and errors (``data_only``)."""
    data = transitional(data)
    reading = OpenpyxlReading()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Defined names for sheet index N cannot be located", and the like
        book = openpyxl.load_workbook(io.BytesIO(data))
        cached = openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=True)
    reading.names = {name: d.attr_text for name, d in book.defined_names.items()}
    for ws in book.worksheets:
        reading.local_names.update(ws.defined_names)
        cells = [c for row in ws.iter_rows() for c in row]
        anchors = [c.value.ref for c in cells if isinstance(c.value, ArrayFormula)]
        inside = {f"{get_column_letter(col)}{row}" for ref in anchors for lo_c, lo_r, hi_c, hi_r in
                  [range_boundaries(ref)] for row in range(lo_r, hi_r + 1) for col in range(lo_c, hi_c + 1)}
        reading.formulas[ws.title] = {c.coordinate for c in cells if c.data_type == "f"} | inside
        reading.tables.update({table.displayName: {"sheet": ws.title, "ref": table.ref,
                                                   "columns": [col.name for col in table.tableColumns]}
                               for table in ws.tables.values()})
    for ws in cached.worksheets:
        errors: dict[str, str] = {}
        values: dict[str, object] = {}
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "e":
                    errors[c.coordinate] = c.value
                elif c.value is not None and c.value != "":
                    values[c.coordinate] = normalised(c.value)
        reading.errors[ws.title], reading.values[ws.title] = errors, values
    cached.close()
    return reading


def reference(data: bytes, file: str = "") -> dict[str, Any]:
    """The contract's dict for ``data`` as the two reference readers see it; beside the contract's
    keys: ``local_names`` (sheet-scoped, not compared), ``calamine_read`` (False when the values
    are openpyxl's) and ``openpyxl_values`` (its cached values, for checking the harness)."""
    theirs = openpyxl_reading(data)
    values = calamine_values(data)
    calamine_read = values is not None
    if values is None:
        values = theirs.values
    sheets: dict[str, dict[str, dict[str, Any]]] = {}
    for sheet, sheet_values in values.items():
        formulas, errors = theirs.formulas.get(sheet, set()), theirs.errors.get(sheet, {})
        cells = {}
        for address in sorted({*sheet_values, *formulas, *errors}):
            error = errors.get(address)
            value = None if error else sheet_values.get(address, "" if address in formulas else None)
            cells[address] = {"value": value, "formula": address in formulas, "error": error}
        sheets[sheet] = cells
    return {"file": file, "names": theirs.names, "tables": theirs.tables, "sheets": sheets,
            "local_names": theirs.local_names, "calamine_read": calamine_read, "openpyxl_values": theirs.values}


def _same_value(ours: object, ref: object) -> bool:
    if isinstance(ref, DateSerial):
        return isinstance(ours, float) and not isinstance(ours, bool) and abs(ours - ref) <= DATE_TOLERANCE
    if isinstance(ref, float) and isinstance(ours, float) and math.isnan(ref):
        return math.isnan(ours)
    return type(ours) is type(ref) and ours == ref


def differences(ours: dict[str, Any], ref: dict[str, Any], limit: int = 20) -> list[str]:
    """Where our reading departs from the reference one (empty when they agree), at most ``limit``."""
    found: list[str] = []
    for name, text in ref["names"].items():
        if ours["names"].get(name) != text:
            found.append(f"name {name}: ours {ours['names'].get(name)!r}, openpyxl {text!r}")
    found += [f"name {name}: ours only" for name in ours["names"] if name not in ref["names"]
              and name not in ref["local_names"] and not name.startswith("_xlnm.")]
    if ours["tables"] != ref["tables"]:
        found.append(f"tables: ours {ours['tables']}, openpyxl {ref['tables']}")
    if set(ours["sheets"]) != set(ref["sheets"]):
        found.append(f"sheets: ours {sorted(ours['sheets'])}, reference {sorted(ref['sheets'])}")
    for sheet, ref_cells in ref["sheets"].items():
        our_cells = ours["sheets"].get(sheet, {})
        for address in sorted({*ref_cells, *our_cells}):
            mine, theirs = our_cells.get(address), ref_cells.get(address)
            if theirs is None:
                if mine != {"value": "", "formula": False, "error": None}:
                    found.append(f"{sheet}!{address}: ours {mine}, reference: empty")
            elif mine is None:
                found.append(f"{sheet}!{address}: ours empty, reference {theirs}")
            elif (mine["formula"], mine["error"]) != (theirs["formula"], theirs["error"]) or not (
                    _same_value(mine["value"], theirs["value"])
                    or (theirs["value"] == "" and theirs["formula"] and mine["value"] is None)):
                found.append(f"{sheet}!{address}: ours {mine}, reference {theirs}")
            if len(found) >= limit:
                return found
    return found
