"""The run history's SQLite file: where it lives, how it is opened, its schema and migrations.

The schema is a list of migrations in ``validation/data/history.toml``; a file's
version is SQLite's ``PRAGMA user_version`` (0: empty). Opening a file brings it
up to date, all pending steps and the version bump in one transaction (taken
with ``BEGIN IMMEDIATE`` and the version read again inside it, so that two runs
opening a new file at once migrate it once). A file of a newer version than this
checker knows is refused, never written. Every connection uses WAL (readers
never wait for the nightly writer), a busy timeout (a second run waits for the
first one's commit instead of failing) and foreign keys.

Whatever goes wrong is a :class:`HistoryError` with a code (``unwritable``,
``corrupt``, ``locked``, ``newer``, ``older`` (read-only and not upgradable), ``missing``,
``inside_folder``, ``failed``) whose text
``validation/data/messages.toml`` holds in Chinese and English: a user never
sees SQLite's or Python's own words.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from renewal.language import load_data, message

DEFAULT_NAME = "renewal-history.sqlite"
ENVIRONMENT = "RENEWAL_HISTORY"
BUSY_TIMEOUT_MS = 60_000
"""How long a run waits for another run's transaction before it gives up (``locked``)."""


class HistoryError(Exception):
    """The history cannot be opened, read or written; ``code`` says why (see the module)."""

    def __init__(self, code: str, path: str | Path) -> None:
        super().__init__(code, str(path))
        self.code, self.path = code, str(path)

    def text(self, lang: str) -> str:
        """Why, in ``lang``, naming the file."""
        return message("history", f"problem_{self.code}", lang, package="validation", path=self.path)


def default_path(out: str | Path, environ: dict[str, str] | None = None) -> Path:
    """Where ``renewal batch --out OUT`` keeps its history without ``--history``: ``$RENEWAL_HISTORY``,
    else ``renewal-history.sqlite`` beside the report folder (its parent), which outlives the
    report folder being replaced as a whole every night.

    >>> default_path("/srv/reports/nightly", {}).as_posix()
    '/srv/reports/renewal-history.sqlite'
    >>> default_path("/srv/reports/nightly", {"RENEWAL_HISTORY": "/var/lib/renewal/h.sqlite"}).as_posix()
    '/var/lib/renewal/h.sqlite'
    """
    environ = os.environ if environ is None else environ
    if environ.get(ENVIRONMENT):
        return Path(environ[ENVIRONMENT])
    return Path(os.path.abspath(out)).parent / DEFAULT_NAME


def history_file(path: str | Path) -> Path:
    """The file ``renewal history PATH`` reads: PATH, or a folder's ``renewal-history.sqlite``."""
    path = Path(path)
    return path / DEFAULT_NAME if path.is_dir() else path


@cache
def migrations() -> tuple[tuple[int, tuple[str, ...]], ...]:
    """(version, SQL statements) of every migration, in order, versions 1, 2, ... without gaps."""
    steps = load_data("validation", "history.toml")["migration"]
    versions = [step["version"] for step in steps]
    if versions != list(range(1, len(steps) + 1)):
        raise ValueError(f"history.toml: migration versions must be 1..{len(steps)}, found {versions}")
    return tuple((step["version"], statements(step["sql"])) for step in steps)


def statements(script: str) -> tuple[str, ...]:
    """The complete SQL statements of a script, in order (so that each runs inside our transaction:
    ``executescript`` would commit first).

    >>> statements("CREATE TABLE a (x TEXT DEFAULT ';');\\n-- a note; still a comment\\nCREATE INDEX i ON a(x);")
    ("CREATE TABLE a (x TEXT DEFAULT ';');", '-- a note; still a comment\\nCREATE INDEX i ON a(x);')
    """
    found, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            found.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not buffer.strip().startswith("--"):
        raise ValueError(f"incomplete SQL statement: {buffer.strip()[:60]}")
    return tuple(found)


def schema_version() -> int:
    """The version this checker writes: its last migration's."""
    return migrations()[-1][0]


def _problem(exc: sqlite3.Error) -> str:
    """Our code for what SQLite said (its text is never shown)."""
    code = getattr(exc, "sqlite_errorcode", None)
    codes = {sqlite3.SQLITE_BUSY: "locked", sqlite3.SQLITE_LOCKED: "locked", sqlite3.SQLITE_READONLY: "unwritable",
             sqlite3.SQLITE_CANTOPEN: "unwritable", sqlite3.SQLITE_PERM: "unwritable",
             sqlite3.SQLITE_NOTADB: "corrupt", sqlite3.SQLITE_CORRUPT: "corrupt", sqlite3.SQLITE_FULL: "unwritable",
             sqlite3.SQLITE_IOERR: "unwritable", sqlite3.SQLITE_AUTH: "unwritable"}
    return codes.get(code & 0xFF if isinstance(code, int) else -1, "failed")


@contextmanager
def translated(path: str | Path) -> Iterator[None]:
    """Turn SQLite's and the OS's errors inside the block into :class:`HistoryError`."""
    try:
        yield
    except sqlite3.Error as exc:
        raise HistoryError(_problem(exc), path) from exc
    except OSError as exc:
        raise HistoryError("unwritable", path) from exc


def connect(path: str | Path, *, readonly: bool = False) -> sqlite3.Connection:
    """An open, up-to-date history (created when missing, unless ``readonly``).

    Autocommit mode: every transaction is explicit (``BEGIN IMMEDIATE`` ... ``COMMIT``).
    """
    path = Path(path)
    with translated(path):
        if readonly:
            if not path.is_file():
                raise HistoryError("missing", path)
            db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, isolation_level=None)
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA foreign_keys = ON")
            version = db.execute("PRAGMA user_version").fetchone()[0]  # reads the header: a non-database fails here
            if version > schema_version():
                raise HistoryError("newer", path)
            if not readonly:
                # WAL: readers never wait for a writer. Where a file system cannot share memory for it
                # (some network shares) SQLite keeps its rollback journal: commits are as atomic.
                db.execute("PRAGMA journal_mode = WAL")
                if version < schema_version():
                    migrate(db)
            elif version < schema_version():
                raise HistoryError("older", path)
        except BaseException:
            db.close()
            raise
    return db


def migrate(db: sqlite3.Connection, target: int | None = None) -> int:
    """Apply the pending migrations up to ``target`` (default: all) in one transaction; the
    version reached. Tests use ``target`` to make a file as an older checker left it."""
    target = schema_version() if target is None else target
    db.execute("BEGIN IMMEDIATE")
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        for number, steps in migrations():
            if version < number <= target:
                for statement in steps:
                    db.execute(statement)
                version = number
        db.execute(f"PRAGMA user_version = {int(version)}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return version
