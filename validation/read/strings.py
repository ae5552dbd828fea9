"""The shared string table and the text of string items (ECMA-376 Part 1, 18.4).

Text is kept as written, ``xml:space`` or not, with ``_xHHHH_`` escapes decoded; rich
text joins its runs and leaves phonetic guides (``rPh``) out.
"""

from __future__ import annotations

import re

from lxml import etree

from validation.read.package import local

_XSTRING = re.compile(r"_x([0-9A-Fa-f]{4})_")


def xstring(text: str) -> str:
    """Text with SpreadsheetML's ``_xHHHH_`` escapes decoded (a line feed is ``_x000A_``, an
    underscore before such a pattern ``_x005F_``).

    >>> xstring("a_x000A_b"), xstring("keep_x005F_x0041_"), xstring("plain_x")
    ('a\\nb', 'keep_x0041_', 'plain_x')
    """
    if "_x" not in text:
        return text
    return _XSTRING.sub(lambda m: chr(int(m.group(1), 16)), text)


def rich_text(item: etree._Element) -> str:
    """The text of a string item (``<si>``, ``<is>``): its ``<t>`` and its runs' ``<t>``
    joined, phonetic guides (``<rPh>``) left out."""
    texts = []
    for child in item:
        name = local(child.tag)
        if name == "t":
            texts.append(child.text or "")
        elif name == "r":
            texts.extend(t.text or "" for t in child if local(t.tag) == "t")
    return xstring("".join(texts))


class SharedStrings:
    """The shared string table: each item's text made when a cell first refers to it."""

    def __init__(self, root: etree._Element | None = None) -> None:
        self._items = [] if root is None else [item for item in root if local(item.tag) == "si"]
        self._texts: dict[int, str] = {}

    def __getitem__(self, index: int) -> str:
        if index not in self._texts:
            if index < 0:
                raise IndexError(index)
            self._texts[index] = rich_text(self._items[index])
        return self._texts[index]
