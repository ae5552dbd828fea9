"""docs/design.md holds the contracts users rely on: its catalogue of functions, template names,
check codes and report keys must be what the code has, no more and no less."""

from __future__ import annotations

import inspect
import json
import re
import tomllib

from checkout import ROOT

from renewal.fit import default_fit_rules, site_attribute_keys
from validation.check.findings import SEVERITIES
from workbook_templates import contract
from xl_addin import udfs

DESIGN = (ROOT / "docs" / "design.md").read_text("utf-8")
CITATION = re.compile(r"docs/design\.md,\s*(?:section\s*)?[\"“*']+([^\"”*']+)[\"”*']+")


def section(title: str) -> str:
    """The text of the section ``## title``, up to the next section."""
    found = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", DESIGN, re.S | re.M)
    assert found, f"docs/design.md has no section {title!r}"
    return found.group(1)


def table_column(text: str) -> list[str]:
    """The first column of a Markdown table's rows, unquoted from its backticks."""
    return re.findall(r"^\| `([^`]+)` \|", text, re.M)


def test_the_catalogue_is_the_add_ins_functions_with_their_arguments() -> None:
    documented = {}
    for entry in table_column(section("The Excel functions")):
        name, arguments = re.fullmatch(r"(\w+)\((.*)\)", entry).groups()
        documented[name] = [a.strip() for a in arguments.split(",")] if arguments else []
    assert sorted(documented) == sorted(n.upper() for n in udfs.__all__)
    for name in udfs.__all__:
        parameters = inspect.signature(getattr(udfs, name)).parameters.values()
        expected = [p.name if p.default is inspect.Parameter.empty else f"[{p.name}]" for p in parameters]
        assert documented[name.upper()] == expected, name


def test_the_site_attributes_and_patterns_are_the_data_tables() -> None:
    assert table_column(section("Site attributes for pattern fit")) == list(site_attribute_keys())
    rules = default_fit_rules()
    patterns = table_column(section("Default scoring of pattern fit"))
    assert patterns == list(dict.fromkeys(c.pattern for c in rules.criteria))
    assert f"applies at {rules.threshold:g} or more" in section("Default scoring of pattern fit")


def contract_names() -> set[str]:
    """Every defined name and table the template contract gives a project or portfolio workbook."""
    tables = (contract.RENOVATION_TABLE, contract.OPERATION_TABLE, contract.SITE_TABLE, contract.FINANCING_TABLE)
    return {
        *(f.defined_name for f in contract.PROJECT_FIELDS), *(r.defined_name for r in contract.RESULTS),
        *(t.name for t in tables), *contract.COLUMN_NAMES, *contract.BLOCK_NAMES, *contract.META_NAMES,
        contract.READY_NAME, *contract.CHART_NAMES, contract.CHART_YEARS_NAME, *contract.FINANCING_NAMES,
        contract.RUNTIME_NAME,
        *contract.PORTFOLIO_BUNDLE_NAMES,
    }


def test_the_template_names_are_the_contracts() -> None:
    text = section("The workbook template")
    names = set(re.findall(r"`((?:in|res|ren|op|site|fin|meta|pf|calc|chart)_\w+|tbl\w+)`", text))
    assert names == contract_names()
    shown_only = set(re.findall(r"`(res_\w+)` \(shown only\)", text))
    assert shown_only == {r.defined_name for r in contract.RESULTS if not r.checked}
    later = set(re.findall(r"`(\w+)` \((?:2\.0)[:)]", text))
    assert later == set(contract.INTRODUCED)
    assert f"template `{contract.TEMPLATE_ID}`, version `{contract.TEMPLATE_VERSION}`" in text
    assert re.search(r"reads versions " + " and ".join(f"`{v}`" for v in contract.SUPPORTED_VERSIONS), text)
    for sheet in contract.SHEETS.values():
        assert f"`{sheet}`" in text, sheet


def test_the_check_codes_are_checks_toml() -> None:
    checks = tomllib.loads((ROOT / "validation" / "data" / "checks.toml").read_text("utf-8"))
    rows = re.findall(r"^\| `([A-Z_]+)` \| (\w+) \|", section("Check codes"), re.M)
    assert [code for code, _ in rows] == list(checks)
    assert dict(rows) == {c: v["severity"] for c, v in checks.items()}
    assert {severity for _, severity in rows} <= set(SEVERITIES)


def test_the_reports_keys_are_the_schemas() -> None:
    schema = json.loads((ROOT / "validation" / "data" / "results.schema.json").read_text("utf-8"))
    text = section("The nightly batch")
    finding = re.search(r"Each finding has (.*?)\.\n", text, re.S).group(1)
    assert re.findall(r"`(\w+)`", finding) == schema["$defs"]["finding"]["required"]
    results = re.search(r"each file's `results` holds at least (.*?)Top level", text, re.S).group(1)
    assert set(re.findall(r"`(\w+)`", results)) == set(schema["$defs"]["results"]["required"])
    statuses = re.search(r"status (`\w+`(?:/`\w+`)*)", text).group(1)
    assert re.findall(r"`(\w+)`", statuses) == schema["$defs"]["file"]["properties"]["status"]["enum"]


CITING = ("renewal", "xl_addin", "workbook_templates", "validation", "renewal_cli", "benchmarks")


def test_what_the_code_cites_is_here() -> None:
    """No comment cites the DESIGN.md that is not in the repository; every "docs/design.md,
    'section'" names a section that exists."""
    titles = set(re.findall(r"^## (.+)$", DESIGN, re.M))
    sources = [p for folder in CITING for p in sorted((ROOT / folder).rglob("*"))
               if p.suffix in {".py", ".toml", ".json"}]
    citations = 0
    for path in sources:
        text = path.read_text("utf-8")
        assert "DESIGN.md" not in text, path
        for cited in CITATION.findall(text):
            assert cited in titles, f"{path} cites docs/design.md section {cited!r}, which does not exist"
            citations += 1
    assert len(sources) > 50 and citations >= 6
