"""Spec-valid variants of an .xlsx package: the same workbook written as other tools write it.

Each variant turns a source workbook's bytes into another package that
ECMA-376 allows (Part 1 for SpreadsheetML, Part 2 for the packaging), with the
same sheets, names and tables; most keep every cell's value too (see
:attr:`Variant.changes_values`). They are the reader's hand-made test cases:
the layouts our generator never writes but Excel, LibreOffice, the Open XML
SDK, Access exports or streaming writers do. XML is rewritten with lxml (no
DTDs, entities nor network); the few spellings lxml never writes (single
quotes, spaces inside tags, byte-order marks) are applied to its output.

    >>> len(VARIANTS), VARIANTS["strict"].description[:63]
    (13, 'Strict Open XML: the purl.oclc.org namespaces for SpreadsheetML')

Used by the corpus tests (tests/test_variants.py, tests/test_corpus.py) and importable by benchmarks:
``VARIANTS[name].make(data) -> bytes``.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from lxml import etree
from openpyxl.formula.translate import Translator
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, get_column_letter, range_boundaries

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
XML_NS = "http://www.w3.org/XML/1998/namespace"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
BOM = b"\xef\xbb\xbf"
DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

STRICT = {  # transitional -> strict (ISO/IEC 29500-1 Strict; Excel's "Strict Open XML Spreadsheet")
    f"{DOC_REL}/extended-properties": "http://purl.oclc.org/ooxml/officeDocument/relationships/extendedProperties",
    f"{DOC_REL}/custom-properties": "http://purl.oclc.org/ooxml/officeDocument/relationships/customProperties",
    DOC_REL: "http://purl.oclc.org/ooxml/officeDocument/relationships",  # also every relationship type below it
    MAIN: "http://purl.oclc.org/ooxml/spreadsheetml/main",
    "http://schemas.openxmlformats.org/drawingml/2006/main": "http://purl.oclc.org/ooxml/drawingml/main",
    "http://schemas.openxmlformats.org/drawingml/2006/chart": "http://purl.oclc.org/ooxml/drawingml/chart",
    "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing":
        "http://purl.oclc.org/ooxml/drawingml/spreadsheetDrawing",
    "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties":
        "http://purl.oclc.org/ooxml/officeDocument/extendedProperties",
    "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties":
        "http://purl.oclc.org/ooxml/officeDocument/customProperties",
    "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes":
        "http://purl.oclc.org/ooxml/officeDocument/docPropsVTypes",
}
"""Namespaces and relationship types that Strict spells differently (the OPC's own, content types and
core properties do not change)."""

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


def q(local: str, ns: str = MAIN) -> str:
    """An lxml (Clark) tag name."""
    return f"{{{ns}}}{local}"


class Package:
    """An .xlsx's parts by name, in archive order, with the lookups the variants need."""

    def __init__(self, data: bytes) -> None:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            self.parts: dict[str, bytes] = {i.filename: z.read(i) for i in z.infolist() if not i.is_dir()}

    def xml(self, name: str) -> etree._Element:
        return etree.fromstring(self.parts[name], _PARSER)

    def put(self, name: str, root: etree._Element) -> None:
        self.parts[name] = DECLARATION + etree.tostring(root, encoding="UTF-8")

    def bytes(self, *, descriptors: bool = False) -> bytes:
        """The package as a zip; ``descriptors``: every entry with flag bit 3 and a data descriptor
        after its data (sizes and CRC unknown when the local header is written), as streaming writers do."""
        buffer = io.BytesIO()
        target: io.RawIOBase | io.BytesIO = _Unseekable(buffer) if descriptors else buffer
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:  # type: ignore[arg-type]
            for name, data in self.parts.items():
                z.writestr(name, data)
        return buffer.getvalue()

    @staticmethod
    def rels_name(part: str) -> str:
        folder, base = posixpath.split(part)
        return posixpath.join(folder, "_rels", base + ".rels")

    def relationships(self, part: str) -> list[etree._Element]:
        """The Relationship elements of ``part`` ("" for the package's own)."""
        name = self.rels_name(part) if part else "_rels/.rels"
        return list(self.xml(name).iter(q("Relationship", PKG_REL))) if name in self.parts else []

    @staticmethod
    def target(part: str, rel: etree._Element) -> str:
        target = rel.get("Target")
        return target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join(posixpath.dirname(part), target))

    @property
    def workbook(self) -> str:
        rel = next(r for r in self.relationships("") if r.get("Type").endswith("/officeDocument"))
        return self.target("", rel)

    def worksheets(self) -> dict[str, str]:
        """Sheet name -> worksheet part, in the workbook's order."""
        book = self.workbook
        rels = {r.get("Id"): self.target(book, r) for r in self.relationships(book)}
        sheets = self.xml(book).find(q("sheets"))
        if sheets is None:  # Strict
            sheets = self.xml(book).find(q("sheets", STRICT[MAIN]))
        return {s.get("name"): rels[s.get(q("id", DOC_REL)) or s.get(q("id", STRICT[DOC_REL]))] for s in sheets}

    def content_type_root(self) -> etree._Element:
        return self.xml("[Content_Types].xml")

    def xml_parts(self) -> Iterator[str]:
        yield from (n for n in self.parts if n.endswith((".xml", ".rels")))


class _Unseekable(io.RawIOBase):
    """A write-only stream without seek or tell: zipfile then writes data descriptors."""

    def __init__(self, sink: io.BytesIO) -> None:
        self.sink = sink

    def writable(self) -> bool:
        return True

    def write(self, b: bytes) -> int:  # type: ignore[override]
        return self.sink.write(b)


def _cells(root: etree._Element) -> Iterator[etree._Element]:
    yield from root.iter(q("c"))


def _position(address: str) -> tuple[int, int]:
    letters, row = coordinate_from_string(address)
    return row, column_index_from_string(letters)


# --- the variants -------------------------------------------------------------------------------------


def _unaddressed(element: etree._Element, number: int, previous: int, tag: str) -> int:
    """Drop a row's or cell's ``r``, filling the gap after the previous one with empty ``tag``
    elements, unless the gap is over 20 (then ``r`` stays); ``number`` is returned."""
    gap = number - previous - 1
    if 0 <= gap <= 20:
        for _ in range(gap):
            element.addprevious(etree.Element(q(tag)))
        element.attrib.pop("r", None)
    return number


def no_addresses(data: bytes) -> bytes:
    """Rows without ``r`` and cells without ``r`` (ECMA-376 Part 1, 18.3.1.73 row and 18.3.1.4 c: both
    optional; a row or cell without one follows the previous): gaps are filled with empty ``<row/>``
    and ``<c/>`` elements, except long ones (over 20 rows or columns), which keep their ``r``."""
    pkg = Package(data)
    for part in pkg.worksheets().values():
        root = pkg.xml(part)
        data_el = root.find(q("sheetData"))
        previous_row = 0
        for row in list(data_el):
            previous_row = _unaddressed(row, int(row.get("r", previous_row + 1)), previous_row, "row")
            previous_col = 0
            for cell in [c for c in row if c.tag == q("c")]:
                col = _position(cell.get("r"))[1] if cell.get("r") else previous_col + 1
                previous_col = _unaddressed(cell, col, previous_col, "c")
        pkg.put(part, root)
    return pkg.bytes()


def address_last(data: bytes) -> bytes:
    """``r`` the last attribute of every row and cell (XML gives attributes no order; LibreOffice 4.x
    and Access exports write ``<c s="1" r="A1">``)."""
    pkg = Package(data)
    for part in pkg.worksheets().values():
        root = pkg.xml(part)
        for el in root.iter(q("row"), q("c")):
            if "r" in el.attrib:
                el.set("r", el.attrib.pop("r"))
        pkg.put(part, root)
    return pkg.bytes()


def _prefixed_copy(el: etree._Element, parent: etree._Element | None, prefixes: dict[str, str]) -> etree._Element:
    if not isinstance(el.tag, str):  # a comment or processing instruction
        copy = etree.Comment(el.text) if el.tag is etree.Comment else etree.ProcessingInstruction(el.target, el.text)
        if parent is not None:
            parent.append(copy)
    else:
        nsmap = {p: u for p, u in el.nsmap.items() if p is not None}
        nsmap.update({prefixes[u]: u for u in el.nsmap.values() if u in prefixes})
        copy = (etree.Element if parent is None else lambda *a, **k: etree.SubElement(parent, *a, **k))(
            el.tag, attrib=dict(el.attrib), nsmap=nsmap)
        copy.text = el.text
        for child in el:
            _prefixed_copy(child, copy, prefixes)
    copy.tail = el.tail
    return copy


def prefixed_with_bom(data: bytes) -> bytes:
    """Every XML part with its default namespace given a prefix (``<x:c>``, ``<x:v>``) and a UTF-8
    byte-order mark before the declaration, as the Open XML SDK before 2.8 wrote them."""
    pkg = Package(data)
    for part in list(pkg.xml_parts()):
        root = pkg.xml(part)
        defaults = {el.nsmap[None] for el in root.iter() if isinstance(el.tag, str) and None in el.nsmap}
        taken = {p for el in root.iter() if isinstance(el.tag, str) for p in el.nsmap if p}
        names = iter(p for p in ("x", "p", "ct", "d", "n0", "n1", "n2", "n3") if p not in taken)
        prefixes = {uri: next(names) for uri in sorted(defaults)}
        pkg.put(part, _prefixed_copy(root, None, prefixes))
        pkg.parts[part] = BOM + pkg.parts[part]
    return pkg.bytes()


def strict(data: bytes) -> bytes:
    """Strict Open XML: the purl.oclc.org namespaces for SpreadsheetML, DrawingML, the document
    relationships and the relationship types, and ``conformance="strict"`` on the workbook."""
    pkg = Package(data)
    for part in list(pkg.xml_parts()):
        text = pkg.parts[part]
        for old, new in STRICT.items():
            text = text.replace(old.encode(), new.encode())
        pkg.parts[part] = text
    book = pkg.workbook
    root = pkg.xml(book)
    root.set("conformance", "strict")
    pkg.put(book, root)
    return pkg.bytes()


def _shared_strings_part(pkg: Package) -> str | None:
    book = pkg.workbook
    rel = next((r for r in pkg.relationships(book) if r.get("Type").endswith("/sharedStrings")), None)
    return None if rel is None else pkg.target(book, rel)


def shared_strings(data: bytes) -> bytes:
    """Every inline string (``t="inlineStr"``) moved to the shared string table (``t="s"``), the table
    created (part, relationship, content type) when the package has none."""
    pkg = Package(data)
    book = pkg.workbook
    sst_part = _shared_strings_part(pkg)
    sst = pkg.xml(sst_part) if sst_part else etree.Element(q("sst"), nsmap={None: MAIN})
    count = 0
    for part in pkg.worksheets().values():
        root = pkg.xml(part)
        for cell in _cells(root):
            if cell.get("t") != "inlineStr":
                continue
            inline = cell.find(q("is"))
            if inline is None:  # an inline-string cell without its string: empty
                del cell.attrib["t"]
                continue
            item = etree.SubElement(sst, q("si"))
            item.extend(list(inline))
            cell.remove(inline)
            cell.set("t", "s")
            etree.SubElement(cell, q("v")).text = str(len(sst) - 1)
            count += 1
        pkg.put(part, root)
    sst.set("count", str(len(sst)))
    sst.set("uniqueCount", str(len(sst)))
    if sst_part is None:
        sst_part = posixpath.join(posixpath.dirname(book), "sharedStrings.xml")
        rels_name = pkg.rels_name(book)
        rels = pkg.xml(rels_name)
        ids = {r.get("Id") for r in rels}
        free = next(f"rIdS{i}" for i in range(99) if f"rIdS{i}" not in ids)
        etree.SubElement(rels, q("Relationship", PKG_REL), Id=free, Type=f"{DOC_REL}/sharedStrings",
                         Target=posixpath.basename(sst_part))
        pkg.put(rels_name, rels)
        types = pkg.content_type_root()
        etree.SubElement(types, q("Override", CONTENT_TYPES), PartName="/" + sst_part, ContentType=SHARED_STRINGS_TYPE)
        pkg.put("[Content_Types].xml", types)
    pkg.put(sst_part, sst)
    return pkg.bytes()


def inline_strings(data: bytes) -> bytes:
    """Every shared string cell (``t="s"``) written as an inline string (``t="inlineStr"``, its rich
    text runs kept); the shared string table stays. A package without one is first given one (so
    the variant always exercises both kinds of string cells in one reader run)."""
    pkg = Package(data)
    sst_part = _shared_strings_part(pkg)
    if sst_part is None:
        pkg = Package(shared_strings(data))
        sst_part = _shared_strings_part(pkg)
    items = pkg.xml(sst_part).findall(q("si"))
    for i, part in enumerate(pkg.worksheets().values()):
        if i % 2:  # every other sheet keeps its shared strings
            continue
        root = pkg.xml(part)
        for cell in _cells(root):
            if cell.get("t") != "s":
                continue
            value = cell.find(q("v"))
            inline = etree.Element(q("is"))
            inline.extend(etree.fromstring(etree.tostring(items[int(value.text)]), _PARSER))
            cell.replace(value, inline)
            cell.set("t", "inlineStr")
        pkg.put(part, root)
    return pkg.bytes()


def shared_formulas(data: bytes) -> bytes:
    """Runs of formulas that are one formula copied (the same after moving it, by openpyxl's
    Translator) written as shared formulas: the first cell ``<f t="shared" ref=".." si="n">`` with
    the text, the others ``<f t="shared" si="n"/>`` (ECMA-376 Part 1, 18.3.1.40). Rows first, then
    columns among the formulas left."""
    pkg = Package(data)
    for part in pkg.worksheets().values():
        root = pkg.xml(part)
        plain: dict[tuple[int, int], etree._Element] = {}
        for cell in _cells(root):
            f = cell.find(q("f"))
            if f is not None and not f.attrib and f.text:
                plain[_position(cell.get("r"))] = f
        index = max((int(f.get("si")) for f in root.iter(q("f")) if f.get("si")), default=-1) + 1
        for step in ((0, 1), (1, 0)):
            for start in sorted(plain):
                if start not in plain or _same(plain, (start[0] - step[0], start[1] - step[1]), start):
                    continue  # taken, or inside a run that starts before it
                run = [start]
                while (nxt := (run[-1][0] + step[0], run[-1][1] + step[1])) in plain and _same(plain, start, nxt):
                    run.append(nxt)
                if len(run) < 2:
                    continue
                first = plain[start]
                first.set("t", "shared")
                first.set("ref", f"{_a1(start)}:{_a1(run[-1])}")
                first.set("si", str(index))
                for pos in run[1:]:
                    member = plain[pos]
                    member.text = None
                    member.set("t", "shared")
                    member.set("si", str(index))
                for pos in run:
                    del plain[pos]
                index += 1
        pkg.put(part, root)
    return pkg.bytes()


def _a1(pos: tuple[int, int]) -> str:
    return f"{get_column_letter(pos[1])}{pos[0]}"


def _same(plain: dict[tuple[int, int], etree._Element], origin: tuple[int, int], other: tuple[int, int]) -> bool:
    if origin not in plain or other not in plain:
        return False
    moved = Translator("=" + plain[origin].text, origin=_a1(origin)).translate_formula(_a1(other))
    return moved == "=" + plain[other].text


def empty_values(data: bytes) -> bytes:
    """Formula cells whose cached result is empty text written in turn as ``<v/>`` and ``<v></v>``
    without a type (a number not yet calculated, as openpyxl writes it) and ``t="str"`` with ``<v/>``."""
    pkg = Package(data)
    turn = 0
    for part in pkg.worksheets().values():
        root = pkg.xml(part)
        for cell in _cells(root):
            value = cell.find(q("v"))
            if cell.find(q("f")) is None or cell.get("t") != "str" or value is None or value.text:
                continue
            if turn % 3 < 2:
                del cell.attrib["t"]
            value.text = "" if turn % 3 == 1 else None  # lxml writes "" as <v></v>, None as <v/>
            turn += 1
        pkg.put(part, root)
    return pkg.bytes()


def _named_cells(pkg: Package) -> set[tuple[str, int, int]]:
    """(sheet, row, column) of every cell a defined name or a table covers."""
    covered: set[tuple[str, int, int]] = set()

    def cover(sheet: str, ref: str) -> None:
        lo_c, lo_r, hi_c, hi_r = range_boundaries(ref.replace("$", ""))
        covered.update((sheet, r, c) for r in range(lo_r, hi_r + 1) for c in range(lo_c, hi_c + 1))

    for name in pkg.xml(pkg.workbook).iter(q("definedName")):
        for area in (name.text or "").split(","):
            sheet, _, ref = area.rpartition("!")
            if sheet and re.fullmatch(r"\$?[A-Z]+\$?\d+(:\$?[A-Z]+\$?\d+)?", ref):
                cover(sheet.strip("'").replace("''", "'"), ref)
    for sheet, part in pkg.worksheets().items():
        for rel in pkg.relationships(part):
            if rel.get("Type").endswith("/table"):
                cover(sheet, pkg.xml(pkg.target(part, rel)).get("ref"))
    return covered


def preserved_spaces(data: bytes) -> bytes:
    """Every cached text result of a formula as ``<v xml:space="preserve">``; those of cells no defined
    name or table covers (so the batch's reading does not change) also get a leading and two
    trailing spaces."""
    pkg = Package(data)
    named = _named_cells(pkg)
    for sheet, part in pkg.worksheets().items():
        root = pkg.xml(part)
        for cell in _cells(root):
            value = cell.find(q("v"))
            if cell.find(q("f")) is None or cell.get("t") != "str" or value is None or not value.text:
                continue
            value.set(q("space", XML_NS), "preserve")
            if (sheet, *_position(cell.get("r"))) not in named:
                value.text = f" {value.text}  "
        pkg.put(part, root)
    return pkg.bytes()


def data_descriptors(data: bytes) -> bytes:
    """The same parts zipped by a streaming writer: flag bit 3 set, sizes and CRC in a data
    descriptor after each entry's data (APPNOTE 4.3.9), zeros in the local headers."""
    return Package(data).bytes(descriptors=True)


def workbook_elsewhere(data: bytes) -> bytes:
    """The workbook part moved to ``spreadsheet/book.xml`` (found through ``_rels/.rels``, ECMA-376
    Part 2): its relationships moved along, their targets made relative to the new place
    (``../xl/worksheets/sheet1.xml``), the content type override renamed."""
    pkg = Package(data)
    old = pkg.workbook
    new = "spreadsheet/book.xml"
    rels_name = pkg.rels_name(old)
    rels = pkg.xml(rels_name)
    for rel in rels:
        if rel.get("TargetMode") != "External":
            rel.set("Target", posixpath.relpath(pkg.target(old, rel), posixpath.dirname(new)))
    del pkg.parts[rels_name]
    pkg.put(pkg.rels_name(new), rels)
    pkg.parts[new] = pkg.parts.pop(old)
    root_rels = pkg.xml("_rels/.rels")
    for rel in root_rels:
        if rel.get("Type").endswith("/officeDocument"):
            rel.set("Target", new)
    pkg.put("_rels/.rels", root_rels)
    types = pkg.content_type_root()
    for override in types.iter(q("Override", CONTENT_TYPES)):
        if override.get("PartName") == "/" + old:
            override.set("PartName", "/" + new)
    pkg.put("[Content_Types].xml", types)
    return pkg.bytes()


_TAG = re.compile(rb"<[^<>]+>")
_DOUBLE_QUOTED = re.compile(rb'="([^"]*)"')


def single_quotes(data: bytes) -> bytes:
    """Every attribute value of every XML part in single quotes (``r='A1'``; XML 1.0, production
    AttValue), the declaration's too."""
    pkg = Package(data)
    for part in list(pkg.xml_parts()):
        pkg.put(part, pkg.xml(part))
        pkg.parts[part] = _TAG.sub(
            lambda tag: _DOUBLE_QUOTED.sub(lambda m: b"='" + m.group(1).replace(b"'", b"&apos;") + b"'", tag.group()),
            pkg.parts[part])
    return pkg.bytes()


_ATTRIBUTE = re.compile(rb'\s+([^\s=<>]+)="')
_END = re.compile(rb"(/?)>$")


def spaced_tags(data: bytes) -> bytes:
    """Extra white space inside every tag of every XML part (XML 1.0 allows it around ``=``, between
    attributes and before ``>`` or ``/>``): ``<c\\n  r = "A1"\\t s="2" >``, ``<v />``, ``</c >``."""
    pkg = Package(data)

    def spaced(tag: re.Match[bytes]) -> bytes:
        text = tag.group()
        if text.startswith((b"<?", b"<!")):
            return text
        text = _ATTRIBUTE.sub(lambda m: b"\n  " + m.group(1) + b' =\t"', text)
        return _END.sub(lambda m: b" " + m.group(1) + b">", text)

    for part in list(pkg.xml_parts()):
        pkg.put(part, pkg.xml(part))
        pkg.parts[part] = _TAG.sub(spaced, pkg.parts[part])
    return pkg.bytes()


@dataclass(frozen=True)
class Variant:
    """A named way of writing a package, and which reference readers accept it."""

    name: str
    make: Callable[[bytes], bytes]
    changes_values: bool = False
    """Cached values differ from the source's (the texts a reader returns, not the batch's inputs)."""
    openpyxl_reads: bool = True
    """openpyxl 3.1 reads Strict packages as having no sheets."""
    calamine_reads: bool = True
    """python-calamine 0.9 looks for the workbook at xl/workbook.xml only."""

    @property
    def description(self) -> str:
        return " ".join((self.make.__doc__ or "").split("\n\n")[0].split())


VARIANTS: dict[str, Variant] = {v.name: v for v in [
    Variant("no_addresses", no_addresses),
    Variant("address_last", address_last),
    Variant("prefixed_with_bom", prefixed_with_bom),
    Variant("strict", strict, openpyxl_reads=False),
    Variant("shared_strings", shared_strings),
    Variant("inline_strings", inline_strings),
    Variant("shared_formulas", shared_formulas),
    Variant("empty_values", empty_values, changes_values=True),
    Variant("preserved_spaces", preserved_spaces, changes_values=True),
    Variant("data_descriptors", data_descriptors),
    Variant("workbook_elsewhere", workbook_elsewhere, calamine_reads=False),
    Variant("single_quotes", single_quotes),
    Variant("spaced_tags", spaced_tags),
]}
