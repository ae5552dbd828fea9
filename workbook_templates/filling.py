"""What a finance team types into a project workbook, as data: the empty template's
defaults, or one of the paper's reference cases."""

from __future__ import annotations

from dataclasses import dataclass

from renewal.cases import PaperFigure, ReferenceCase
from renewal.financing import FinancingSource
from renewal.language import DEFAULT_LANG, Text
from workbook_templates.contract import PROJECT_FIELDS


@dataclass(frozen=True)
class RenovationRow:
    """One row of tblRenovation."""

    item: str
    kind: str
    source: str
    amount: float | str
    note: str = ""


@dataclass(frozen=True)
class OperationRow:
    """One row of tblOperation: its amounts for years 1..n."""

    item: str
    kind: str
    amounts: tuple[float, ...]


@dataclass(frozen=True)
class Filling:
    """The inputs of one project workbook, and the notes shown beside them."""

    fields: dict[str, object]
    renovation: tuple[RenovationRow, ...] = ()
    operation: tuple[OperationRow, ...] = ()
    site: dict[str, float | None] | None = None
    notes: Text = Text("", "")
    illustrative: str = ""
    paper: tuple[PaperFigure, ...] = ()
    financing: tuple[FinancingSource, ...] = ()

    @classmethod
    def empty(cls) -> Filling:
        """The template's inputs: only the fields that have a default are filled.

        >>> Filling.empty().fields["horizon"], Filling.empty().fields["project_id"]
        (20, None)
        """
        return cls({f.name: f.default for f in PROJECT_FIELDS})

    @classmethod
    def from_case(cls, case: ReferenceCase) -> Filling:
        """A reference case's inputs; the stated renovation total is its cost items' sum.

        >>> f = Filling.from_case(__import__("renewal.cases").cases.case("jinsong_north"))
        >>> f.fields["project_name"], f.fields["renovation_total"], f.fields["lang"]
        ('北京劲松北社区', 7700.0, 'zh')
        """
        derived = {
            "project_name": case.name.zh,
            "renovation_total": sum(float(r.amount) for r in case.renovation if r.kind == "cost"),
            "lang": DEFAULT_LANG,
        }
        fields = {}
        for f in PROJECT_FIELDS:
            value = derived.get(f.name, getattr(case, f.name, f.default))
            fields[f.name] = None if value == "" else value
        return cls(
            fields=fields,
            renovation=tuple(RenovationRow(r.item, r.kind, r.source, r.amount, r.note) for r in case.renovation),
            operation=tuple(OperationRow(o.item, o.kind, tuple(o.amounts)) for o in case.operation),
            site=dict(case.site),
            notes=case.notes,
            illustrative=", ".join(case.illustrative),
            paper=case.paper,
            financing=case.financing,
        )
