"""The peer a reviewer would reach for: frictionless validating a workbook's input tables.

Per workbook, the three tables the batch reads (tblRenovation, tblOperation,
tblSite), each as a frictionless resource on its sheet: the header is the
table's own header row (from the template's table refs),
blank rows of the fixed-capacity tables are skipped, and a Schema says what
frictionless can say of the batch's rules: types, required, code lists
(enum), minimum/maximum, a site attribute given once (unique), and as row
constraints a revenue row's source and each site attribute's range and
whole numbers by its kind. What frictionless cannot say is left out: the
Project sheet (one record laid out down a column, not a table), the
template's names and version, cross-sheet rules (cost items against the
stated total, amounts beyond the horizon, duplicate project ids across
files), the contiguous years of an operation row, and recomputing the
results. Frictionless reads each sheet with openpyxl, so a file is opened
three times.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from corpus import Package
from frictionless import Checklist, Dialect, Resource, Schema, checks, fields
from frictionless.formats import ExcelControl

from renewal.codes import kind_codes, source_codes
from renewal.fit import site_attributes
from validation.check.schemas import SITE_KINDS
from workbook_templates.contract import OPERATION_TABLE, RENOVATION_TABLE, SITE_TABLE

TEMPLATE = Path(__file__).resolve().parent.parent / "workbook_templates" / "renewal_project.xlsx"


def _text(name: str, **constraints: object) -> fields.StringField:
    return fields.StringField(name=name, constraints=constraints)


def _number(name: str, **constraints: object) -> fields.NumberField:
    return fields.NumberField(name=name, constraints=constraints)


def site_range_formula() -> str:
    """A row constraint: each site value within its kind's range, whole where the kind wants it."""
    keys_by_kind: dict[str, list[str]] = {}
    for key, attribute in site_attributes().items():
        keys_by_kind.setdefault(attribute.kind, []).append(key)
    rules = []
    for kind, (low, high, whole) in SITE_KINDS.items():
        keys = tuple(keys_by_kind.get(kind, ()))
        tests = ([f"value >= {low}"] if low is not None else []) + \
                ([f"value <= {high}"] if high is not None else []) + (["value % 1 == 0"] if whole else [])
        if keys and tests:
            rules.append(f"(key not in {keys!r} or ({' and '.join(tests)}))")
    return f"value == None or ({' and '.join(rules)})"


@cache
def header_rows() -> dict[str, int]:
    """Each table's header row (from 1), by table name: from the template's table refs."""
    return {name: table.data.first[0] for name, table in Package(TEMPLATE).tables().items()}


@cache
def table_rules() -> dict[str, tuple[Dialect, Schema, Checklist]]:
    """Each table's dialect, schema and row checks, by table name."""
    years = [c for c in OPERATION_TABLE.columns if c.startswith("y")]
    renovation = Schema(fields=[
        _text("item"), _text("kind", required=True, enum=list(kind_codes())),
        _text("source", enum=list(source_codes())), _number("amount", required=True, minimum=0),
        _text("note")])
    operation = Schema(fields=[
        _text("item"), _text("kind", required=True, enum=list(kind_codes())),
        *(_number(y, minimum=0) for y in years)])
    site = Schema(fields=[
        _text("key", required=True, unique=True, enum=list(site_attributes())), _number("value"),
        _text("unit"), _text("meaning")])
    rows = header_rows()
    return {
        table.name: (Dialect(header_rows=[rows[table.name]], skip_blank_rows=True,
                             controls=[ExcelControl(sheet=table.sheet)]), schema, checklist)
        for table, schema, checklist in (
            (RENOVATION_TABLE, renovation, Checklist(checks=[
                checks.row_constraint(formula="kind != 'revenue' or source != None")])),
            (OPERATION_TABLE, operation, Checklist()),
            (SITE_TABLE, site, Checklist(checks=[checks.row_constraint(formula=site_range_formula())])),
        )
    }


def validate_file(path: str | Path) -> int:
    """Validate one workbook's three input tables; the number of errors frictionless reports."""
    path = Path(path).resolve()  # frictionless takes a name below a base path: it refuses ".." and "/"
    errors = 0
    for dialect, schema, checklist in table_rules().values():
        resource = Resource(path.name, basepath=str(path.parent), format="xlsx", schema=schema, dialect=dialect)
        errors += resource.validate(checklist=checklist).stats["errors"]
    return errors
