"""The hidden ``Lists`` sheet: the code lists behind the drop-downs, from the model's data.

Each list is a column of codes (defined name ``list_<list>``) beside a column
of labels people read (``list_<list>_label``), so that a sheet can show the
name of a chosen code with ``INDEX``/``MATCH`` and no add-in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

from openpyxl import Workbook

from renewal.codes import city_codes, counts_in_renovation_surplus, kind_codes, name_of, source_codes
from renewal.financing import financing_name, repayment_methods, source_kinds
from renewal.language import LANGS, Text
from renewal.patterns import PATTERN_CODES, pattern_name
from workbook_templates import contract, styles
from workbook_templates.layout import area, define, header, protect, set_widths, texts

LANG_LABELS = {"zh": Text("中文", "Chinese"), "en": Text("英文", "English")}


def _source(code: str) -> Text:
    zh, en = name_of("source", code, "zh"), name_of("source", code, "en")
    if counts_in_renovation_surplus(code):
        return Text(zh, en)
    not_in_ro = texts("lists", "not_in_ro")
    return Text(f"{zh}（{not_in_ro.zh}）", f"{en} ({not_in_ro.en})")


def code_lists() -> dict[str, tuple[tuple[str, str, str], ...]]:
    """Each list: (code, Chinese label, English label), in the order the drop-downs show them.

    >>> code_lists()["pattern"][3]
    ('ACTIVATION', '活化经营模式', 'activation of idle space')
    >>> code_lists()["city"][2]
    ('Guangzhou', '广州', 'Guangzhou')
    """
    def named(codes: Iterable[str], name: Callable[[str, str], str]) -> tuple[tuple[str, str, str], ...]:
        return tuple((c, name(c, "zh"), name(c, "en")) for c in codes)

    return {
        "pattern": named(PATTERN_CODES, pattern_name),
        "city": named(city_codes(), partial(name_of, "city")),
        "source": tuple((c, _source(c).zh, _source(c).en) for c in source_codes()),
        "kind": named(kind_codes(), partial(name_of, "kind")),
        "lang": tuple((c, LANG_LABELS[c].zh, LANG_LABELS[c].en) for c in LANGS),
        "fin_kind": named(source_kinds(), partial(financing_name, "kind")),
        "fin_method": named(repayment_methods(), partial(financing_name, "method")),
    }




def code_hint(name: str) -> Text:
    """A drop-down's input message: each code with its Chinese label (codes are English already).

    >>> code_hint("kind")
    Text(zh='revenue 收益；cost 成本', en='')
    """
    return Text("；".join(f"{code} {zh}" for code, zh, _ in code_lists()[name]), "")


def add_lists_sheet(wb: Workbook) -> None:
    """The hidden Lists sheet with every code list and its defined names."""
    ws = wb.create_sheet(contract.SHEETS["lists"])
    col = 1
    for name, pairs in code_lists().items():
        header(ws, 1, col, (name, f"{name}_label"))
        for i, (code, zh, en) in enumerate(pairs, start=2):
            styles.LABEL.apply(ws.cell(i, col, code))
            styles.LABEL.apply(ws.cell(i, col + 1, Text(zh, en).both()))
        last = len(pairs) + 1
        define(wb, f"list_{name}", ws, area(2, col, last, col))
        define(wb, f"list_{name}_label", ws, area(2, col + 1, last, col + 1))
        set_widths(ws, {col: 20, col + 1: 40})
        col += 2
    ws.sheet_state = "hidden"
    protect(ws)
