"""Discover the workbooks below a folder, recursively, in a stable order.

Every spreadsheet file is listed, also those the batch cannot read (.xls,
.xlsb, .ods, WPS's .et): they become findings, so that no submission silently
vanishes from the nightly check.

Skipped: Excel's lock files (``~$name.xlsx``, left while a workbook is open),
hidden files and everything inside hidden folders (names starting with a dot).
Nothing is opened here and nothing is ever written into the folder.
"""

from __future__ import annotations

import os
from pathlib import Path

EXTENSIONS = (".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlsb", ".ods", ".et")


def _hidden(name: str) -> bool:
    return name.startswith(".")


def discover(folder: str | Path) -> list[str]:
    """Paths of the workbooks below ``folder``, relative to it (``/``-separated), sorted.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     for name in ["b.xlsx", "a/c.XLSM", "~$b.xlsx", ".x.xlsx", ".git/d.xlsx", "e.xls", "f.csv"]:
    ...         p = Path(d, name); p.parent.mkdir(exist_ok=True); _ = p.write_bytes(b"")
    ...     discover(d)
    ['a/c.XLSM', 'b.xlsx', 'e.xls']
    """
    root = Path(folder)
    found = []
    for current, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not _hidden(d)]
        for name in files:
            if _hidden(name) or name.startswith("~$") or not name.lower().endswith(EXTENSIONS):
                continue
            path = Path(current, name)
            if path.is_file():
                found.append(path.relative_to(root).as_posix())
    return sorted(found)


def submissions(path: str | Path) -> tuple[Path, list[str]]:
    """The folder to read from and the workbooks in it: a folder's :func:`discover`, or a
    single file as a folder of one (its own folder, and its name).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = Path(d, "a.xlsx").write_bytes(b"")
    ...     root, files = submissions(Path(d, "a.xlsx"))
    ...     root == Path(d), files
    (True, ['a.xlsx'])
    """
    path = Path(path)
    if path.is_file():
        return path.parent, [path.name]
    return path, discover(path)
