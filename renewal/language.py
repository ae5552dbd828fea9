"""Bilingual texts: Chinese and English, chosen by a ``lang`` argument.

A text that comes in both languages is a :class:`Text`; it picks its language
in one place. Codes (pattern codes, status codes, check codes) stay English; everything
people read comes from a message table in the package's data files.
``DEFAULT_LANG`` is ``"zh"``: the finance teams who use this read Chinese.
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Text:
    """One text in Chinese (``zh``) and English (``en``).

    >>> name = Text("统租置换模式", "bulk lease and swap")
    >>> name.pick("en"), name.pick(None)
    ('bulk lease and swap', '统租置换模式')
    """

    zh: str
    en: str

    def __iter__(self) -> Iterator[str]:
        """Chinese, then English: ``zh, en = text`` for the workbook cells that hold one language each."""
        return iter((self.zh, self.en))

    def pick(self, lang: str | None = None) -> str:
        """The text in ``lang`` (checked by :func:`check_lang`; None gives the default)."""
        return self.zh if check_lang(lang) == "zh" else self.en

    def both(self, sep: str = " / ") -> str:
        """Chinese and English in one string (the Chinese alone when both are equal).

        >>> Text("取值", "value").both(), Text("万元", "万元").both()
        ('取值 / value', '万元')
        """
        return self.zh if self.zh == self.en else f"{self.zh}{sep}{self.en}"

    @classmethod
    def of(cls, row: Mapping[str, object], key: str) -> Text:
        """The text a data row holds as ``<key>_zh`` and ``<key>_en``.

        >>> Text.of({"label_zh": "户数", "label_en": "households"}, "label")
        Text(zh='户数', en='households')
        """
        return cls(str(row[f"{key}_zh"]), str(row[f"{key}_en"]))


@cache
def load_data(package: str, name: str) -> dict[str, Any]:
    """A TOML data file shipped in ``package``'s ``data`` folder, read once."""
    return tomllib.loads(resources.files(package).joinpath("data", name).read_text("utf-8"))


def message_text(section: str, key: str, *, package: str = "renewal", **fields: object) -> Text:
    """The text of ``section.key`` in both languages, placeholders filled from ``fields``.

    >>> message_text("status", "OPERATION_YEAR", year=9)
    Text(zh='运营第9年实现平衡', en='balanced in operation year 9')
    """
    entry = load_data(package, "messages.toml")[section][key]
    return Text(entry["zh"].format(**fields), entry["en"].format(**fields))


def message(section: str, key: str, lang: str | None = None, *, package: str = "renewal",
            **fields: object) -> str:
    """The text of ``section.key`` in ``lang``, placeholders filled from ``fields``.

    >>> message("status", "OPERATION_YEAR", "en", year=9)
    'balanced in operation year 9'
    >>> message("status", "OPERATION_YEAR", "zh", year=9)
    '运营第9年实现平衡'
    """
    entry = load_data(package, "messages.toml")[section][key]
    return str(entry[check_lang(lang)]).format(**fields)


def display_width(text: str) -> int:
    """Columns a string takes in a terminal: East Asian wide characters take two.

    >>> display_width("abc"), display_width("劲松")
    (3, 4)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
