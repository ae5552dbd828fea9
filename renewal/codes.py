"""Code lists: funding sources, item kinds and cities (``data/codes.toml``).

Templates use them for drop-downs, the batch for checks, the model for the one
rule they carry: which sources count in Ro.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from renewal.language import check_lang, load_data


@cache
def _table(name: str) -> dict[str, dict[str, Any]]:
    return {row["code"]: row for row in load_data("renewal", "codes.toml")[name]}


def source_codes() -> tuple[str, ...]:
    """Codes of the renovation-stage funding sources.

    >>> source_codes()[:3]
    ('RESIDENTS', 'AREA_SALE', 'PARKING')
    """
    return tuple(_table("source"))


def counts_in_renovation_surplus(source: str) -> bool:
    """Whether an amount from this source counts in So (the entity's own money does not).

    >>> counts_in_renovation_surplus("SUBSIDY"), counts_in_renovation_surplus("ENTITY_INVESTMENT")
    (True, False)
    """
    return bool(_table("source")[source]["counts_in_So"])


def kind_codes() -> tuple[str, ...]:
    """``('revenue', 'cost')``."""
    return tuple(_table("kind"))


def city_codes() -> tuple[str, ...]:
    """City codes (English names), ``OTHER`` last."""
    return tuple(_table("city"))


def name_of(table: str, code: str, lang: str | None = None) -> str:
    """The Chinese or English name of a code in ``table`` (source, kind, city).

    >>> name_of("city", "Guangzhou", "zh"), name_of("source", "SUBSIDY", "en")
    ('广州', 'government subsidy')
    """
    row = _table(table).get(code, {})
    return str(row.get(f"name_{check_lang(lang)}", code))
