"""Bilingual texts: Chinese and English, chosen by a ``lang`` argument.

Codes (pattern codes, status codes, check codes) stay English; everything
people read comes from a message table in the package's data files.
``DEFAULT_LANG`` is ``"zh"``: the finance teams who use this read Chinese.
"""

from __future__ import annotations

import tomllib
import unicodedata
from functools import cache
from importlib import resources
from typing import Any

from renewal.errors import RenewalInputError

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"


def check_lang(lang: str | None) -> str:
    """``lang`` normalised to ``"zh"`` or ``"en"``; None or empty gives the default.

    >>> check_lang("EN"), check_lang(None)
    ('en', 'zh')
    >>> check_lang("fr")
    Traceback (most recent call last):
    ...
    renewal.errors.RenewalInputError: lang: must be "zh" or "en", got 'fr'
    """
    if lang is None or (isinstance(lang, str) and not lang.strip()):
        return DEFAULT_LANG
    code = str(lang).strip().lower()
    if code not in LANGS:
        raise RenewalInputError(f'lang: must be "zh" or "en", got {lang!r}')
    return code


@cache
def load_data(package: str, name: str) -> dict[str, Any]:
    """A TOML data file shipped in ``package``'s ``data`` folder, read once."""
    return tomllib.loads(resources.files(package).joinpath("data", name).read_text("utf-8"))


def message(section: str, key: str, lang: str | None = None, *, package: str = "renewal",
            **fields: object) -> str:
    """The text of ``section.key`` in ``lang``, placeholders filled from ``fields``.

    >>> message("status", "OPERATION_YEAR", "en", year=9)
    'balanced in operation year 9'
    >>> message("status", "OPERATION_YEAR", "zh", year=9)
    '运营第9年实现平衡'
    """
    entry = load_data(package, "messages.toml")[section][key]
    return entry[check_lang(lang)].format(**fields)


def display_width(text: str) -> int:
    """Columns a string takes in a terminal: East Asian wide characters take two.

    >>> display_width("abc"), display_width("劲松")
    (3, 4)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
