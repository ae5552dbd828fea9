"""Replace a report folder as a whole: a run that dies never leaves half a report.

The new report is written into a sibling temporary folder ``.NAME.new-PID``
(same file system, so renames are atomic) and flushed to disk. Then two
renames: the previous report to ``.NAME.old``, the new one to ``NAME``; then
``.NAME.old`` is deleted. Whatever step a run is killed at, one whole report
exists:

* while writing: ``NAME`` is the previous report, untouched (the temporary
  folder is removed if the writer raises, or by the next run if killed);
* between the two renames: ``NAME`` is briefly absent and the previous report
  is whole in ``.NAME.old``; the next run (any run: :func:`recover` is the
  first thing it does) renames it back before anything else;
* after the second rename: ``NAME`` is the new report; a leftover ``.NAME.old``
  is deleted by the next run.

Why not one atomic rename: POSIX cannot rename a folder over a non-empty one,
and an exchange of two folders (Linux ``renameat2(RENAME_EXCHANGE)``) is not
portable. Why not a symlink flipped atomically: REPORT then is no plain folder
for the people and tools that copy or publish it, and Windows restricts
symlinks. The price of two renames is a sub-second window in which ``NAME``
is missing, never one in which it is partial.

A folder is only ever replaced if it is empty or holds nothing but report
files, so ``--out`` pointed at the wrong folder cannot delete it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path


class ReportFolderError(Exception):
    """The report cannot be written there (not a report folder, not writable)."""


def _siblings(out: Path) -> tuple[Path, Path]:
    return out.with_name(f".{out.name}.old"), out.with_name(f".{out.name}.new-{os.getpid()}")


def recover(out: Path) -> None:
    """Finish what a killed run left: restore ``.NAME.old`` if ``NAME`` is missing, else drop it;
    remove temporary folders of earlier runs."""
    old, _ = _siblings(out)
    if old.is_dir():
        if out.exists():
            shutil.rmtree(old)
        else:
            old.rename(out)
    for stale in out.parent.glob(f".{out.name}.new-*"):
        shutil.rmtree(stale, ignore_errors=True)


def _fsync(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0))
    try:
        os.fsync(fd)
    except OSError:  # some file systems (and Windows, for folders) cannot sync a folder
        if not directory:
            raise
    finally:
        os.close(fd)


def replace_folder(out: str | Path, write: Callable[[Path], None], owned: Iterable[str]) -> Path:
    """Call ``write(folder)`` on a fresh folder, then swap it in as ``out``.

    ``owned``: the names a report folder holds; an existing ``out`` with other
    entries is refused (:class:`ReportFolderError`), as is one that cannot be
    written. If ``write`` raises, ``out`` keeps the previous report and the
    error propagates.
    """
    out = Path(out).absolute()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        recover(out)
    except OSError as exc:
        raise ReportFolderError(str(exc)) from exc
    if out.exists():
        if not out.is_dir():
            raise ReportFolderError(f"{out} exists and is not a folder")
        foreign = sorted(p.name for p in out.iterdir() if p.name not in set(owned))
        if foreign:
            raise ReportFolderError(f"{out} holds files that are not a report's "
                                    f"({', '.join(foreign[:5])}); refusing to replace it")
    old, new = _siblings(out)
    try:
        new.mkdir()
    except OSError as exc:
        raise ReportFolderError(str(exc)) from exc
    try:
        write(new)
        for path in new.iterdir():
            _fsync(path)
        _fsync(new, directory=True)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise
    if out.exists():
        out.rename(old)
    new.rename(out)
    _fsync(out.parent, directory=True)
    shutil.rmtree(old, ignore_errors=True)
    return out
