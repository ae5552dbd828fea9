"""The workbook as an Open Packaging Conventions package: parts, relationships, XML.

An .xlsx is a zip of parts tied together by relationships (ECMA-376 Part 2):
the package's ``_rels/.rels`` names the main part (the workbook, usually but
not necessarily ``xl/workbook.xml``), each part's ``_rels/NAME.rels`` names the
parts it uses (sheets, shared strings, styles, tables). Part names compare
without regard to case, relationship targets are URIs relative to their
source part's folder (or absolute, from ``/``), and relationship types come in
two spellings: Transitional (``schemas.openxmlformats.org``) and Strict
(``purl.oclc.org/ooxml``). This module resolves all of that; it knows nothing
of cells.

XML is parsed with lxml, never resolving entities, never loading a DTD and
never touching the network (the guards have already refused any part that
declares a DOCTYPE).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import unquote

from lxml import etree

from renewal.language import Text

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                         remove_comments=True, remove_pis=True)
"""The one XML parser of the reader: no entities, no DTD, no network, no huge trees."""

OFFICE_DOCUMENT = "officeDocument"
"""The last segment of the relationship type that names a package's main part."""


class PartError(ValueError):
    """A part the workbook needs is missing or is not well-formed XML: the file is damaged.

    ``reason`` says which part and what is wrong, for the finding."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.reason = Text(zh, en)


@dataclass(frozen=True)
class Relationship:
    """One relationship of a part: its id, the last segment of its type (``worksheet``,
    ``sharedStrings``, ``table``...) and the package part it targets."""

    id: str
    kind: str
    target: str


def local(tag: object) -> str:
    """An element's or attribute's name without its namespace.

    >>> local("{http://purl.oclc.org/ooxml/spreadsheetml/main}sheet"), local("name")
    ('sheet', 'name')
    """
    return str(tag).rpartition("}")[2]


def attribute(element: etree._Element, name: str) -> str | None:
    """An attribute by its local name, whatever its namespace (``r:id`` is ``id`` in the
    Transitional and in the Strict relationships namespace alike)."""
    value = element.get(name)
    if value is not None:
        return value
    for key, attribute in element.attrib.items():
        if local(key) == name:
            return str(attribute)
    return None


def resolve(source: str, target: str) -> str:
    """The part a relationship target names, from the part that holds the relationship.

    >>> resolve("xl/workbook.xml", "worksheets/sheet1.xml")
    'xl/worksheets/sheet1.xml'
    >>> resolve("xl/workbook.xml", "/xl/sharedStrings.xml"), resolve("", "xl/book%201.xml")
    ('xl/sharedStrings.xml', 'xl/book 1.xml')
    >>> resolve("xl/worksheets/sheet1.xml", "../tables/table1.xml")
    'xl/tables/table1.xml'
    """
    target = unquote(target.strip())
    if target.startswith("/"):
        return posixpath.normpath(target).lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target)).lstrip("/")


def rels_part(part: str) -> str:
    """Where a part's relationships are stored.

    >>> rels_part("xl/workbook.xml"), rels_part("")
    ('xl/_rels/workbook.xml.rels', '_rels/.rels')
    """
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


class Package:
    """The parts of an unpacked archive, found by name without regard to case."""

    def __init__(self, parts: Mapping[str, bytes]) -> None:
        self._parts = {name.lstrip("/").lower(): content for name, content in parts.items()}

    def has(self, name: str) -> bool:
        """Whether the package holds a part of this name."""
        return name.lower() in self._parts

    def xml(self, name: str) -> etree._Element:
        """A part parsed: its root element (:class:`PartError` when absent or not well-formed)."""
        content = self._parts.get(name.lower())
        if content is None:
            raise PartError(f"缺少部件 {name}", f"the part {name} is missing")
        try:
            return etree.fromstring(content, PARSER)
        except etree.XMLSyntaxError as exc:
            line = exc.position[0] if exc.position else 0
            raise PartError(f"部件 {name} 不是格式正确的 XML（第 {line} 行）",
                            f"the part {name} is not well-formed XML (line {line})") from exc

    def relationships(self, source: str) -> list[Relationship]:
        """The relationships of a part (``""``: the package's own), internal targets only."""
        name = rels_part(source)
        if not self.has(name):
            return []
        found = []
        for rel in self.xml(name):
            if local(rel.tag) != "Relationship" or (rel.get("TargetMode") or "").lower() == "external":
                continue
            kind = (rel.get("Type") or "").rstrip("/").rpartition("/")[2]
            found.append(Relationship(rel.get("Id") or "", kind, resolve(source, rel.get("Target") or "")))
        return found

    @cached_property
    def main_part(self) -> str:
        """The workbook part, as the package's relationships name it (``xl/workbook.xml``
        where a package has no relationships part, as some old writers leave it)."""
        for rel in self.relationships(""):
            if rel.kind == OFFICE_DOCUMENT:
                return rel.target
        if self.has("xl/workbook.xml"):
            return "xl/workbook.xml"
        raise PartError("没有工作簿部件", "there is no workbook part")
