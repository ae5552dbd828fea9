"""Guards run on a file's bytes before anything parses it.

An .xlsx is a zip of XML parts. Before a spreadsheet reader sees one, the
batch checks (the file's size is bounded while reading it, see
:func:`validation.extract.extract`): the OLE/CFB signature (a password-protected
workbook, or a legacy .xls or WPS .et, told apart by their streams); that it is a zip
at all, and an Office Open XML package rather than an .ods or .xlsb; the parts' total unpacked size and
compression ratio (zip bombs); every part's integrity (read to the end against
its CRC, never beyond its declared size); that no XML part declares a DOCTYPE
or ENTITY (defusedxml; entity expansion); and it notes macros (vbaProject.bin),
which are never run. Each problem is a finding; nothing here raises for a bad file.
The parts are unpacked once, here, and handed on to the reader.
"""

from __future__ import annotations

import contextlib
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

import olefile
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from renewal.language import Text
from validation.check.findings import Finding

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
"""Compound File Binary: password-protected .xlsx files, legacy .xls and WPS .et files start so."""

MIB = 2**20
XML_SUFFIXES = (".xml", ".rels", ".vml")
PROLOG_CHUNK = 1024


@dataclass(frozen=True)
class Limits:
    """What a submitted workbook may be; a template workbook is about 0.1 MiB."""

    max_file_bytes: int = 20 * MIB
    max_unpacked_bytes: int = 200 * MIB
    max_ratio: float = 100.0
    """Unpacked / packed size of the whole archive, checked once it unpacks past ``ratio_floor``."""
    ratio_floor: int = MIB
    max_parts: int = 5000


def too_large(file: str, size: int, limits: Limits) -> Finding:
    """FILE_TOO_LARGE: the file is larger than ``limits.max_file_bytes`` (it is not read further)."""
    return Finding(file, "FILE_TOO_LARGE", params={"size_mb": f"{size / MIB:.2f}",
                                                   "limit_mb": f"{limits.max_file_bytes / MIB:.0f}"})


def broken(file: str, reason: Text) -> Finding:
    """NOT_A_WORKBOOK, with the reason."""
    return Finding(file, "NOT_A_WORKBOOK", params={"reason": reason})


def _bomb(file: str, measure: str, found: str, limit: str) -> Finding:
    name = {"ratio": Text("压缩比", "compression ratio"), "unpacked": Text("解压后大小", "unpacked size"),
            "parts": Text("部件数", "parts")}[measure]
    return Finding(file, "ZIP_BOMB", params={"measure": name, "found": found, "limit": limit})


class _RootReachedError(Exception):
    """The parser met the root element: the prolog, where a DOCTYPE must be, is over."""


class _StopAtRoot:
    """A parser target that ends parsing at the first element."""

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        raise _RootReachedError

    def close(self) -> None:
        """Nothing to build."""


def _declares_dtd(part: io.BufferedIOBase) -> bool:
    """Whether an XML part declares a DOCTYPE (and so possibly entities) before its root.

    Parses (defusedxml, DTDs forbidden) only up to the root element's start; a
    part that is not well-formed there is left to the reader (legacy VML
    drawings often are not).
    """
    parser = DefusedXMLParser(target=_StopAtRoot(), forbid_dtd=True)
    try:
        while chunk := part.read(PROLOG_CHUNK):
            parser.feed(chunk)
    except DefusedXmlException:
        return True
    except (_RootReachedError, ParseError):
        return False
    return False


_PROLOG_ITEM = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->)", re.S)
"""The XML declaration, processing instructions and comments that may precede a DOCTYPE."""


def _prolog_says_dtd(head: bytes) -> bool | None:
    """Whether an ASCII-compatible prolog declares a DOCTYPE; None when it cannot tell
    (UTF-16/32, or a prolog longer than ``head``): then the parser decides."""
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head[:64]:
        return None
    pos = 0
    while (item := _PROLOG_ITEM.match(head, pos)) and item.end() > pos:
        pos = item.end()
    rest = head[pos:].lstrip()
    if rest.startswith(b"<!DOCTYPE"):
        return True
    if rest.startswith(b"<") and not rest.startswith((b"<!", b"<?")):
        return False
    return None


def declares_dtd(content: bytes) -> bool:
    """Whether an XML part declares a DOCTYPE (and so possibly entities) before its root.

    The prolog is read directly where it is plain ASCII-compatible text (every
    part Excel writes), else parsed with defusedxml up to the root element.

    >>> declares_dtd(b'<?xml version="1.0"?><worksheet/>')
    False
    >>> declares_dtd(b'<?xml version="1.0"?><!-- x --><!DOCTYPE l [<!ENTITY a "b">]><l>&a;</l>')
    True
    >>> declares_dtd('<!DOCTYPE x><x/>'.encode("utf-16"))
    True
    """
    quick = _prolog_says_dtd(content[:PROLOG_CHUNK * 4])
    return _declares_dtd(io.BytesIO(content)) if quick is None else quick


_LOCAL_HEADER = struct.Struct("<4s22xHH")
"""A zip local file header: its signature, then (after 22 bytes) the name's and extra field's lengths."""


class DamagedPartError(zipfile.BadZipFile):
    """A part's bytes do not unpack to what the central directory declares."""


class UnsupportedMethodError(zipfile.BadZipFile):
    """A part packed with a method other than stored or deflate, which Office Open XML packages
    may not use (ECMA-376 Part 2, Annex C)."""

    def __init__(self, method: int) -> None:
        super().__init__(f"compression method {method}")
        self.method = method


def unpack(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """One part's content, read straight from the archive's bytes: never more than
    its declared size is unpacked, and the result must match that size and its CRC.

    (What ``ZipFile.read`` checks, without its per-part file objects: the batch
    unpacks every part of every workbook.)
    """
    signature, name_length, extra_length = _LOCAL_HEADER.unpack_from(data, info.header_offset)
    if signature != b"PK\x03\x04":
        raise DamagedPartError("no local file header")
    start = info.header_offset + _LOCAL_HEADER.size + name_length + extra_length
    packed = memoryview(data)[start:start + info.compress_size]
    if len(packed) != info.compress_size:
        raise DamagedPartError("truncated")
    if info.compress_type == zipfile.ZIP_STORED:
        content = bytes(packed)
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        content = zlib.decompressobj(-zlib.MAX_WBITS).decompress(packed, info.file_size + 1)
    else:
        raise UnsupportedMethodError(info.compress_type)
    if len(content) != info.file_size or zlib.crc32(content) != info.CRC:
        raise DamagedPartError("size or CRC-32 differs from the declared one")
    return content


ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def _compound_file(file: str, data: bytes) -> Finding:
    """What an OLE compound file is: a password-protected workbook (its package is in an
    ``EncryptedPackage`` stream), a legacy .xls or WPS .et workbook, or not a workbook."""
    try:
        with olefile.OleFileIO(data) as ole:
            streams = {"/".join(entry).lower() for entry in ole.listdir()}
    except (OSError, ValueError, IndexError, struct.error):
        return broken(file, Text("Office 复合文档已损坏", "a damaged Office compound file"))
    if "encryptedpackage" in streams:
        return Finding(file, "ENCRYPTED")
    if streams & {"workbook", "book"}:
        return unsupported(file, "legacy")
    return broken(file, Text("Office 复合文档，但不是工作簿", "an Office compound file, but not a workbook"))


FORMATS = {
    "legacy": Text("旧版 Excel 97-2003 工作簿（.xls）或 WPS 表格文件（.et）",
                   "a legacy Excel 97-2003 workbook (.xls) or WPS (.et) file"),
    "xlsb": Text("Excel 二进制工作簿（.xlsb）", "an Excel binary workbook (.xlsb)"),
    "ods": Text("OpenDocument 电子表格（.ods）", "an OpenDocument spreadsheet (.ods)"),
}
"""The workbook formats the batch does not read, as its findings name them."""


def unsupported(file: str, kind: str) -> Finding:
    """UNSUPPORTED_FORMAT: a workbook in a format the batch does not read (``kind`` in :data:`FORMATS`)."""
    return Finding(file, "UNSUPPORTED_FORMAT", params={"format": FORMATS[kind]})


def _package_kind(file: str, infos: list[zipfile.ZipInfo], data: bytes) -> Finding | None:
    """A zip that is no Office Open XML package: an .ods, an .xlsb, or something else."""
    names = {i.filename.lower(): i for i in infos}
    mimetype = names.get("mimetype")
    if mimetype is not None and mimetype.compress_type == zipfile.ZIP_STORED:
        with contextlib.suppress(zipfile.BadZipFile):
            if unpack(data, mimetype).startswith(ODS_MIMETYPE):
                return unsupported(file, "ods")
    if "xl/workbook.bin" in names:
        return unsupported(file, "xlsb")
    if "[content_types].xml" not in names:
        return broken(file, Text("缺少 [Content_Types].xml 部件，不是 Office Open XML 文件",
                                 "no [Content_Types].xml part: not an Office Open XML file"))
    return None


def open_archive(file: str, data: bytes, limits: Limits) -> tuple[list[Finding], dict[str, bytes]]:
    """Findings about a workbook's bytes, and its parts unpacked (name -> content).

    Any error among the findings means: do not parse it (and no parts come back).
    """
    if data[:8] == OLE_MAGIC:
        return [_compound_file(file, data)], {}
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        return [broken(file, Text("不是 zip 压缩包", "not a zip archive"))], {}
    with archive:
        infos = archive.infolist()
    unpacked = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if len(infos) > limits.max_parts:
        return [_bomb(file, "parts", str(len(infos)), str(limits.max_parts))], {}
    if unpacked > limits.max_unpacked_bytes:
        return [_bomb(file, "unpacked", f"{unpacked / MIB:.0f} MB", f"{limits.max_unpacked_bytes / MIB:.0f} MB")], {}
    if unpacked > limits.ratio_floor and unpacked > limits.max_ratio * max(packed, 1):
        return [_bomb(file, "ratio", f"{unpacked / max(packed, 1):.0f}:1", f"{limits.max_ratio:.0f}:1")], {}
    if any(i.flag_bits & 0x1 for i in infos):
        return [Finding(file, "ENCRYPTED")], {}
    if other := _package_kind(file, infos, data):
        return [other], {}
    parts = {}
    found: list[Finding] = []
    for info in infos:
        try:
            content = parts[info.filename] = unpack(data, info)
        except UnsupportedMethodError as exc:
            return [*found, broken(file, Text(
                f"部件 {info.filename} 使用了 Office Open XML 不允许的压缩方法 {exc.method}"
                "（只允许 stored 与 deflate）",
                f"the part {info.filename} is packed with compression method {exc.method}, "
                "which Office Open XML does not allow (only stored and deflate)"))], {}
        except (zipfile.BadZipFile, zlib.error, struct.error):
            return [*found, broken(file, Text(
                f"部件 {info.filename} 已损坏（解压失败或校验和不符）",
                f"the part {info.filename} is damaged (it does not unpack, or its checksum differs)"))], {}
        if info.filename.lower().endswith(XML_SUFFIXES) and declares_dtd(content):
            found.append(Finding(file, "XML_DTD", params={"part": info.filename}))
    if any(name.lower().endswith("vbaproject.bin") for name in parts):
        found.append(Finding(file, "MACROS_PRESENT"))
    return found, parts


def inspect_archive(file: str, data: bytes, limits: Limits) -> list[Finding]:
    """Findings about a workbook's bytes (:func:`open_archive` without the parts).

    >>> [f.code for f in inspect_archive("x.xlsx", OLE_MAGIC + bytes(504), Limits())]  # no valid compound file
    ['NOT_A_WORKBOOK']
    >>> [f.params["reason"].en for f in inspect_archive("x.xlsx", b"PK\\x03\\x04 junk", Limits())]
    ['not a zip archive']
    """
    return open_archive(file, data, limits)[0]
