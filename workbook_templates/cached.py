"""Cached values in a saved workbook, and a deterministic package.

openpyxl saves formulas without values (``<f>..</f><v/>``), so a reader that
does not calculate (openpyxl ``data_only``, python-calamine, a viewer, Excel
or LibreOffice without the add-in) would show nothing. :func:`finish_package`
writes each computed value into its cell's ``<v>`` with the right type
(``t="n"`` number, ``"str"`` text, ``"b"`` boolean, ``"e"`` error); for the
xlwings Lite flavour it marks every array formula as a dynamic array
(``cm="1"`` and the ``XLDAPR`` metadata part), the form Excel saves Office.js
custom functions in. It also fixes the document's timestamps and the zip
entries' dates, so that the same inputs give the same bytes.

The edits are textual on openpyxl's regular XML, keeping every other byte:
each cell that receives a value must already exist in the sheet (the layout
styles every cell of an array range, so openpyxl writes them all).
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Mapping
from xml.sax.saxutils import escape

from workbook_templates.engine import CellValue, ExcelError, Values

FIXED_TIMESTAMP = "2024-01-01T00:00:00Z"
"""Created and modified time of every generated workbook (the generator is deterministic)."""
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)

METADATA_PART = "xl/metadata.xml"
METADATA_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<metadata xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray">'
    '<metadataTypes count="1"><metadataType name="XLDAPR" minSupportedVersion="120000" copy="1" '
    'pasteAll="1" pasteValues="1" merge="1" splitFirst="1" rowColShift="1" clearFormats="1" '
    'clearComments="1" assign="1" coerce="1" cellMeta="1"/></metadataTypes>'
    '<futureMetadata name="XLDAPR" count="1"><bk><extLst>'
    '<ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}">'
    '<xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/></ext></extLst></bk></futureMetadata>'
    '<cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata></metadata>'
)
"""Excel's metadata part for dynamic arrays: cell metadata 1 = a dynamic array formula."""
_METADATA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"
_METADATA_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sheetMetadata"

_CELL = re.compile(r'<c r="(?P<ref>[A-Z]+\d+)"(?P<attrs>[^>]*?)(?:/>|>(?P<body>.*?)</c>)', re.S)
_FORMULA = re.compile(r"<f\b[^>]*?(?:/>|>.*?</f>)", re.S)
_TYPE = re.compile(r'\s(?:t|cm)="[^"]*"')


def encode(value: CellValue) -> tuple[str, str]:
    """A cell value as its ``t`` attribute and ``<v>`` text.

    >>> encode(8.908), encode(True), encode(ExcelError("#N/A")), encode("运营第9年")
    (('n', '8.908'), ('b', '1'), ('e', '#N/A'), ('str', '运营第9年'))
    """
    if isinstance(value, ExcelError):
        return "e", str(value)
    if isinstance(value, bool):
        return "b", "1" if value else "0"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"cannot cache the non-finite number {value}")
        return "n", repr(value + 0)
    if value is None:
        return "str", ""
    return "str", str(value)


def fill_sheet(xml: str, values: Mapping[str, CellValue], dynamic: bool) -> str:
    """Sheet XML with ``values`` (by cell) cached; ``dynamic`` marks array formulas ``cm="1"``."""
    seen: set[str] = set()

    def fill(match: re.Match[str]) -> str:
        ref = match["ref"]
        if ref not in values:
            return match.group(0)
        seen.add(ref)
        formula = _FORMULA.search(match["body"] or "")
        f_xml = formula.group(0) if formula else ""
        attrs = _TYPE.sub("", match["attrs"]).rstrip()
        if dynamic and 't="array"' in f_xml:
            attrs += ' cm="1"'
        kind, text = encode(values[ref])
        return f'<c r="{ref}"{attrs} t="{kind}">{f_xml}<v>{escape(text)}</v></c>'

    out = _CELL.sub(fill, xml)
    missing = sorted(set(values) - seen)
    if missing:
        raise KeyError(f"cells to cache are not in the sheet: {', '.join(missing[:5])}")
    return out


def sheet_parts(parts: Mapping[str, bytes]) -> dict[str, str]:
    """Sheet title -> its part name, from the workbook and its relationships."""
    workbook = parts["xl/workbook.xml"].decode("utf-8")
    rels = parts["xl/_rels/workbook.xml.rels"].decode("utf-8")
    targets = {m["id"]: m["target"] for m in re.finditer(
        r'<Relationship\b[^>]*?Target="(?P<target>[^"]+)"[^>]*?Id="(?P<id>[^"]+)"', rels)}
    sheets = {}
    for m in re.finditer(r'<sheet\b[^>]*?name="(?P<name>[^"]+)"[^>]*?r:id="(?P<id>[^"]+)"', workbook):
        target = targets[m["id"]].lstrip("/")
        sheets[_unescape(m["name"])] = target if target.startswith("xl/") else f"xl/{target}"
    return sheets


def _unescape(text: str) -> str:
    return text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')


def _insert_before(xml: bytes, closing: str, element: str) -> bytes:
    text = xml.decode("utf-8")
    if element in text:
        return xml
    return text.replace(closing, element + closing).encode("utf-8")


def finish_package(data: bytes, values: Values, dynamic: bool = False) -> bytes:
    """The workbook ``data`` (as openpyxl saved it) with cached values, fixed dates and,
    with ``dynamic``, dynamic-array formulas."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = {info.filename: z.read(info) for info in z.infolist()}
    by_sheet: dict[str, dict[str, CellValue]] = {}
    for (sheet, cell), value in values.items():
        by_sheet.setdefault(sheet, {})[cell] = value
    for sheet, part in sheet_parts(parts).items():
        if sheet in by_sheet:
            xml = parts[part].decode("utf-8")
            parts[part] = fill_sheet(xml, by_sheet.get(sheet, {}), dynamic).encode("utf-8")
    core = parts["docProps/core.xml"].decode("utf-8")
    parts["docProps/core.xml"] = re.sub(
        r"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:)", rf"\g<1>{FIXED_TIMESTAMP}\g<2>", core
    ).encode("utf-8")
    if dynamic:
        parts[METADATA_PART] = METADATA_XML.encode("utf-8")
        parts["[Content_Types].xml"] = _insert_before(
            parts["[Content_Types].xml"], "</Types>",
            f'<Override PartName="/{METADATA_PART}" ContentType="{_METADATA_TYPE}"/>')
        parts["xl/_rels/workbook.xml.rels"] = _insert_before(
            parts["xl/_rels/workbook.xml.rels"], "</Relationships>",
            f'<Relationship Type="{_METADATA_REL}" Target="metadata.xml" Id="rIdMetadata"/>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in parts.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            z.writestr(info, content)
    return out.getvalue()
