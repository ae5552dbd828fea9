"""A file's inputs as the history keeps them: every value the batch extracted by the template's
names, keyed so that two versions of a workbook compare field by field.

Keys: a defined name (``in_discount_rate``, ``meta_template_version``), or a table
cell as ``tblRenovation[amount]#3`` (the table, its column, the row within the
table from 1). Each key holds ``[value, sheet, cell, field]``: the value as JSON
holds it, where it is (A1), and the field its label comes from (a site
attribute's value is labelled by its key). Inputs depend only on a file's bytes,
so the history keeps them once per sha256.
"""

from __future__ import annotations

import json
from typing import Any

from renewal.language import message
from validation.check.findings import field_label, json_scalar
from validation.read.extract import TABLES, Extraction

Inputs = dict[str, list[Any]]
"""key -> [value, sheet, cell, field]."""

NAMED_FRAMES = ("meta", "fields")
"""Frames of one row per defined name: (file, field, sheet, cell, value)."""


def project_id(extraction: Extraction) -> str | None:
    """The file's project id (``in_project_id``), None when it has none.

    >>> row = ("a.xlsx", "in_project_id", "Project", "C5", " X1 ")
    >>> project_id(Extraction("a.xlsx", None, None, True, rows={"fields": [row]}))
    'X1'
    """
    for _, name, _, _, value in extraction.rows.get("fields", ()):
        if name == "in_project_id":
            text = str(json_scalar(value) or "").strip()
            return text or None
    return None


def inputs_of(extraction: Extraction) -> Inputs:
    """Every extracted input of a file, by key (see the module).

    >>> ex = Extraction("a.xlsx", None, None, True, rows={
    ...     "fields": [("a.xlsx", "in_horizon", "Project", "C9", 20.0)],
    ...     "site": [("a.xlsx", 2, "value", "rent_gap", "Site", "B6", 0.3)]})
    >>> inputs_of(ex)
    {'in_horizon': [20.0, 'Project', 'C9', 'in_horizon'], 'tblSite[value]#2': [0.3, 'Site', 'B6', 'rent_gap']}
    """
    found: Inputs = {}
    for frame in NAMED_FRAMES:
        for _, name, sheet, cell, value in extraction.rows.get(frame, ()):
            found[name] = [json_scalar(value), sheet, cell, name]
    for frame, (table, _, _) in TABLES.items():
        for _, row, column, name, sheet, cell, value in extraction.rows.get(frame, ()):
            found[f"{table.name}[{column}]#{row}"] = [json_scalar(value), sheet, cell, name]
    return found


def encoded(extraction: Extraction) -> str:
    """:func:`inputs_of` as the history stores it: compact JSON (held as text until the run is
    recorded: a third of the memory of the dict).

    >>> row = ("a.xlsx", "in_city", "Project", "C7", "北京")
    >>> encoded(Extraction("a.xlsx", None, None, True, rows={"fields": [row]}))
    '{"in_city":["北京","Project","C7","in_city"]}'
    """
    return json.dumps(inputs_of(extraction), ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def label(key: str, field: str | None, lang: str) -> str:
    """What a reviewer reads for an input: the field's label, and for a table cell its row.

    >>> label("in_discount_rate", "in_discount_rate", "en")
    'discount rate (in_discount_rate)'
    >>> label("tblOperation[y3]#2", "tblOperation[y3]", "en")
    'operation amount, year 3 (tblOperation[y3]), row 2'
    """
    text = field_label(field or key.split("#", maxsplit=1)[0], lang)
    if "#" not in key:
        return text
    return message("history", "table_row", lang, package="validation", label=text, row=key.rsplit("#", 1)[1])
