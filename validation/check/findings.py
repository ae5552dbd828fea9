"""Findings: what the batch says about a workbook, and the check-code table behind them.

A finding names the file, and where there is one the sheet, the cell (A1) and
the field; its check code (English) fixes its severity and its message, which
``data/checks.toml`` holds in Chinese and English. Messages are rendered when a
report is written, so one run can be reported in either language.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from dataclasses import dataclass
from functools import cache
from typing import TypedDict

from renewal.fit import site_attributes
from renewal.language import Text, check_lang, load_data, message
from workbook_templates.contract import PROJECT_FIELDS, RESULTS, Field, Result

SEVERITIES = ("error", "warning", "info")
"""From most to least severe."""

Scalar = str | float | int | bool | None
Param = Scalar | Text
"""What fills a message's placeholder: a value, or a text in both languages."""


@cache
def check_table() -> dict[str, dict[str, str]]:
    """Every check code with its severity and zh/en message templates.

    >>> check_table()["ENCRYPTED"]["severity"]
    'error'
    """
    table = load_data("validation", "checks.toml")
    for code, row in table.items():
        if row.get("severity") not in SEVERITIES:
            raise ValueError(f"checks.toml: {code} has no valid severity")
    return table


def severity_of(code: str) -> str:
    """The severity of a check code: error, warning or info."""
    return check_table()[code]["severity"]


def json_scalar(value: object) -> Scalar:
    """A cell value as JSON can hold it: dates as ISO text, NaN and infinities as None.

    >>> json_scalar(dt.date(2024, 5, 1)), json_scalar(float("nan")), json_scalar(3.0)
    ('2024-05-01', None, 3.0)
    """
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (dt.date, dt.time, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if hasattr(value, "item"):  # numpy scalars
        return json_scalar(value.item())
    return str(value)


def display(value: object) -> str:
    """A value as a message shows it: whole numbers without decimals, others to 6 digits.

    >>> display(3100.0), display(0.30000000000000004), display(None), display("abc")
    ('3100', '0.3', '', 'abc')
    """
    value = json_scalar(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else f"{value:.6g}"
    return str(value)


_YEAR_COLUMN = re.compile(r"^tblOperation\[y(\d+)\]$")


def field_label(name: str | None, lang: str | None = None) -> str:
    """What a reviewer calls a field: the template's label for a defined name,
    a table column or a site attribute key, in ``lang``.

    >>> field_label("in_discount_rate", "en"), field_label("tblOperation[y3]", "zh")
    ('discount rate (in_discount_rate)', '运营明细第3年金额（tblOperation[y3]）')
    >>> field_label("rent_gap", "en")
    'site attribute rent_gap'
    """
    if not name:
        return ""
    lang = check_lang(lang)
    fields: dict[str, Field | Result] = {f.defined_name: f for f in PROJECT_FIELDS}
    fields.update({r.defined_name: r for r in RESULTS})
    year = _YEAR_COLUMN.match(name)
    if name in fields:
        text = fields[name].label.pick(lang)
    elif year:
        text = message("label", "operation_year", lang, package="validation", year=year.group(1))
    elif name in load_data("validation", "messages.toml")["label"]:
        text = message("label", name, lang, package="validation")
    elif name in site_attributes():
        return message("label", "site_attribute", lang, package="validation", attribute=name)
    else:
        return name
    return f"{text}（{name}）" if lang == "zh" else f"{text} ({name})"


class FindingRecord(TypedDict):
    """A finding as a report row (results.json's ``findings``)."""

    file: str
    sheet: str | None
    cell: str | None
    field: str | None
    severity: str
    code: str
    message: str
    value: Scalar


@dataclass(frozen=True)
class Finding:
    """One problem (or note) about one file, where possible about one cell.

    ``params`` fill the message's placeholders besides ``label`` and ``value``; a
    :class:`~renewal.language.Text` param is shown in the message's language.
    """

    file: str
    code: str
    sheet: str | None = None
    cell: str | None = None
    field: str | None = None
    value: Scalar = None
    params: dict[str, Param] = dataclasses.field(default_factory=dict)

    @property
    def severity(self) -> str:
        """error, warning or info, from the check-code table."""
        return severity_of(self.code)

    def message(self, lang: str | None = None) -> str:
        """The message in ``lang`` (zh or en).

        >>> Finding("a.xlsx", "NOT_A_NUMBER", "Project", "C9", "in_horizon", "twenty").message("en")
        'horizon (in_horizon) must be a number, found "twenty"'
        """
        lang = check_lang(lang)
        template = check_table()[self.code][lang]
        params = {key: value.pick(lang) if isinstance(value, Text) else value for key, value in self.params.items()}
        return template.format(**{**params, "value": display(self.value), "label": field_label(self.field, lang)})

    def record(self, lang: str | None = None) -> FindingRecord:
        """The finding as a report row (the keys of results.json's findings)."""
        return {"file": self.file, "sheet": self.sheet, "cell": self.cell, "field": self.field,
                "severity": self.severity, "code": self.code, "message": self.message(lang),
                "value": json_scalar(self.value)}

    def sort_key(self) -> tuple[str, int, str, tuple[int, str], str]:
        """Files in order; within a file, errors first, then by sheet and cell."""
        return (self.file, SEVERITIES.index(self.severity), self.sheet or "",
                _cell_order(self.cell), self.code)


def _cell_order(cell: str | None) -> tuple[int, str]:
    """Cells in reading order: by row, then by column letters (A < Z < AA)."""
    if not cell:
        return (0, "")
    m = re.match(r"([A-Z]+)(\d+)", cell)
    if not m:
        return (0, cell)
    return (int(m.group(2)), m.group(1).rjust(3))
