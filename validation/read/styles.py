"""Which cell styles show a number as a date (ECMA-376 Part 1, 18.8), and dates as serials.

A date in a cell is a number with a date format: :func:`date_styles` finds the cell formats
whose number format (built in or custom) shows a date or time; :func:`serial` turns an ISO
8601 cell value (``t="d"``) into the serial number the workbook's date system gives it.
"""

from __future__ import annotations

import datetime as dt
import re

from lxml import etree

from validation.read.package import local

BUILTIN_DATE_FORMATS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
"""Built-in number formats that show dates or times (ECMA-376 Part 1, 18.8.30; 27-36 and
50-58 are the East Asian date formats, such as 31, ``yyyy"年"m"月"d"日"``)."""
_LITERAL = re.compile(r'"[^"]*"|\\.|\[(?!h+\]|m+\]|s+\])[^\]]*\]|_.|\*.')


def is_date_format(code: str) -> bool:
    """Whether a number format code shows a date or time (its first section, quoted text,
    escapes, colours and locales left out).

    >>> is_date_format('yyyy"年"m"月"d"日"'), is_date_format("[h]:mm"), is_date_format("#,##0.00")
    (True, True, False)
    >>> is_date_format('0.0" days"'), is_date_format("[Red]0%"), is_date_format("General")
    (False, False, False)
    >>> is_date_format("0.00E+00"), is_date_format("[$-F800]dddd, mmmm dd, yyyy"), is_date_format("[$¥-804]#,##0")
    (False, True, False)
    """
    first = _LITERAL.sub("", code.split(";", maxsplit=1)[0])
    return re.search(r"[dmyhsDMYHS]", first.replace("General", "")) is not None


def date_styles(root: etree._Element | None) -> frozenset[int]:
    """The indexes of the cell formats (``cellXfs``) whose number format is a date or time."""
    if root is None:
        return frozenset()
    custom = {}
    formats: list[int] = []
    for child in root:
        name = local(child.tag)
        if name == "numFmts":
            for fmt in child:
                if (num := fmt.get("numFmtId")) is not None and num.isdigit():
                    custom[int(num)] = is_date_format(fmt.get("formatCode") or "")
        elif name == "cellXfs":
            formats = [int(xf.get("numFmtId") or 0) for xf in child if local(xf.tag) == "xf"]
    return frozenset(i for i, num in enumerate(formats)
                     if custom.get(num, num in BUILTIN_DATE_FORMATS))


def serial(iso: str, date1904: bool) -> float:
    """The serial number of an ISO 8601 date or time (``t="d"`` cells), in the workbook's
    date system (Excel's 1900 system counts 29 February 1900, so later dates are +1).

    >>> serial("2024-03-01", False), serial("1900-01-01T12:00:00", False), serial("1904-01-02", True)
    (45352.0, 1.5, 1.0)
    """
    when = dt.datetime.fromisoformat(iso.strip().replace("Z", "+00:00")).replace(tzinfo=None)
    base = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 31)
    days = (when - base).total_seconds() / 86400
    return days + 1 if not date1904 and days >= 60 else days
