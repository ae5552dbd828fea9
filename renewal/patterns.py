"""The six renewal patterns: codes, names, stage, Table 2's applicability and
Table 3's barriers and policy support, loaded once from ``data/patterns.toml``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from renewal.codes import name_of
from renewal.errors import RenewalInputError
from renewal.language import Text, check_lang, load_data, message


@dataclass(frozen=True)
class Policy:
    """One policy line of Table 3: the city that issued it and its text."""

    city: str
    text: Text


@dataclass(frozen=True)
class Pattern:
    """One renewal pattern, with the paper's Table 2 and Table 3 columns."""

    code: str
    name: Text
    stage: str
    how_it_earns: Text
    space_renewal: Text
    profitable_resource: Text
    applicable_when: Text
    cases: Text
    barriers: tuple[Text, ...]
    policies: tuple[Policy, ...]


@cache
def catalogue() -> dict[str, Pattern]:
    """All six patterns by code, in the paper's order.

    >>> list(catalogue())
    ['EXPANSION_SALE', 'PUBLIC_HOUSING', 'DISTRICT_BUNDLING', 'ACTIVATION', 'BULK_LEASE', 'BLOCK_OPERATION']
    """
    patterns = {}
    for row in load_data("renewal", "patterns.toml")["pattern"]:
        patterns[row["code"]] = Pattern(
            code=row["code"], name=Text.of(row, "name"), stage=row["stage"],
            how_it_earns=Text.of(row, "how_it_earns"), space_renewal=Text.of(row, "space_renewal"),
            profitable_resource=Text.of(row, "profitable_resource"),
            applicable_when=Text.of(row, "applicable_when"), cases=Text.of(row, "cases"),
            barriers=tuple(Text(zh, en) for zh, en in zip(row["barriers_zh"], row["barriers_en"], strict=True)),
            policies=tuple(Policy(p["city"], Text.of(p, "text")) for p in row.get("policy", ())))
    return patterns


PATTERN_CODES = tuple(catalogue())


def get_pattern(code: str) -> Pattern:
    """The pattern with this code (case and spaces forgiven), or an error listing the codes.

    >>> get_pattern(" activation ").name.en
    'activation of idle space'
    """
    key = str(code).strip().upper()
    if key not in catalogue():
        raise RenewalInputError(
            f"pattern: unknown code {code!r}; expected one of {', '.join(PATTERN_CODES)}"
        )
    return catalogue()[key]


def pattern_name(code: str, lang: str | None = None) -> str:
    """The name of a pattern code in Chinese or English.

    >>> pattern_name("BULK_LEASE", "zh"), pattern_name("BULK_LEASE", "en")
    ('统租置换模式', 'bulk lease and swap')
    """
    return get_pattern(code).name.pick(lang)


def policy_guidance(code: str, lang: str | None = None) -> str:
    """Table 3 for one pattern: its barriers and the policy support, by city.

    >>> print(policy_guidance("PUBLIC_HOUSING", "en"))  # doctest: +ELLIPSIS
    public housing conversion (renovation stage)
    Barriers: the paths to convert, rent or sell public housing property are unclear.
    Policy support: (Shanghai) the lessor of public housing may consolidate tenancy rights by ... swaps.
    >>> print(policy_guidance("PUBLIC_HOUSING", "zh").splitlines()[2])
    政策指引：（上海）公有房屋出租人可以通过有偿回购承租权、房屋置换等方式，归集公有房屋承租权。
    """
    lang = check_lang(lang)
    pattern = get_pattern(code)
    zh = lang == "zh"
    sep, stop, colon = ("；", "。", "：") if zh else ("; ", ".", ": ")
    stage = message("stage", pattern.stage, lang)
    policies = sep.join(
        f"（{name_of('city', p.city, lang)}）{p.text.zh}" if zh else f"({p.city}) {p.text.en}"
        for p in pattern.policies
    )
    return "\n".join([
        f"{pattern.name.zh}（{stage}）" if zh else f"{pattern.name.en} ({stage})",
        f"{message('policy', 'barriers', lang)}{colon}{sep.join(b.pick(lang) for b in pattern.barriers)}{stop}",
        f"{message('policy', 'support', lang)}{colon}{policies}{stop}",
    ])
