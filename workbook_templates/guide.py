"""The bilingual Guide sheet: what each sheet is, how to fill it, the colour legend,
which runtime the formulas bind to, the six patterns and the template's identity.

The text lives in ``data/guide.toml`` (paragraphs) and ``data/messages.toml``
(headings); the blocks that list sheets, colours and patterns are drawn here
from the contract and the model's catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from renewal.language import Text, load_data, message_text
from renewal.patterns import catalogue
from workbook_templates import contract, styles
from workbook_templates.layout import (
    PACKAGE,
    Identity,
    fit_height,
    landscape_fit_width,
    protect,
    set_widths,
    texts,
    title_rows,
)

WIDTHS = (70.0, 80.0)
"""Characters in the Chinese and the English column."""
LEGEND = {
    "legend_input": replace(styles.INPUT, locked=True),
    "legend_formula": styles.FORMULA,
    "legend_header": styles.HEADER,
    "legend_label": styles.LABEL,
    "legend_unit": styles.NOTE,
}


@dataclass
class _Writer:
    ws: Worksheet
    identity: Identity
    row: int = 3

    def line(self, zh: str, en: str, look: styles.Look = styles.LABEL) -> None:
        self.row += 1
        look.apply(self.ws.cell(self.row, 1, zh))
        look.apply(self.ws.cell(self.row, 2, en))
        fit_height(self.ws, self.row, zip((zh, en), WIDTHS, strict=True))

    def heading(self, zh: str, en: str) -> None:
        self.row += 1
        self.line(zh, en, styles.CAPTION)

    def sheets(self) -> None:
        self.heading(*texts("guide", "sheets"))
        for sheet in self.identity.sheets:
            (title_zh, title_en), (how_zh, how_en) = texts("title", sheet), texts("instruction", sheet)
            self.line(f"{sheet}：{title_zh}。{how_zh}", f"{sheet}: {title_en}. {how_en}")

    def legend(self) -> None:
        self.heading(*texts("guide", "legend"))
        for key, look in LEGEND.items():
            entry = texts("guide", key)
            self.line(entry.zh, entry.en, look=look)

    def patterns(self) -> None:
        self.heading(*texts("guide", "patterns"))
        for code, p in catalogue().items():
            stage = message_text("stage", p.stage)
            self.line(f"{code}：{p.name.zh}（{stage.zh}）—— {p.how_it_earns.zh}",
                      f"{code}: {p.name.en} ({stage.en}): {p.how_it_earns.en}")

    def template(self) -> None:
        self.heading(*texts("guide", "template"))
        values = {key: Text(value, value) for key, value in self.identity.properties.items()}
        values["runtime"] = texts("runtime", self.identity.runtime)
        for key, (value_zh, value_en) in values.items():
            zh, en = texts("guide", key)
            self.line(f"{zh}：{value_zh}", f"{en}: {value_en}")


def add_guide_sheet(wb: Workbook, identity: Identity) -> Worksheet:
    """The Guide sheet, first in the workbook, for a workbook of this ``identity``."""
    ws = wb.create_sheet(contract.SHEETS["guide"], 0)
    title_rows(ws, "Guide", 2)
    fit_height(ws, 2, [(str(ws.cell(2, 1).value), sum(WIDTHS))])
    writer = _Writer(ws, identity)
    names = {f"{runtime}_file": file for runtime, file in identity.files.items()}
    for row in load_data(PACKAGE, "guide.toml")["row"]:
        if (row.get("runtime", identity.runtime) != identity.runtime
                or row.get("template", identity.template_id) != identity.template_id):
            continue
        if row["kind"] == "block":
            getattr(writer, row["block"])()
        elif row["kind"] == "heading":
            writer.heading(row["zh"], row["en"])
        else:
            writer.line(row["zh"].format(**names), row["en"].format(**names))
    set_widths(ws, dict(enumerate(WIDTHS, start=1)))
    landscape_fit_width(ws)
    protect(ws)
    return ws
