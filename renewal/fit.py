"""Pattern fit: which of the six patterns suits a site, scored 0-100 with reasons.

The scoring table is data (``data/fit_rules.toml``; docs/design.md, "Default scoring of pattern fit"):
each criterion is satisfied from 0 to 1 by a rule over site attributes; a
pattern's score is ``100 * sum(weight * satisfied) / sum(weight)`` and it
applies at the threshold (60) or more. A missing attribute counts as 0 and is
reported as missing; ``known_weight_share`` says how much of the weight the
given attributes decided, and ``score_if_missing_met`` how high the score could
go if every missing attribute turned out favourable.

Scoring is vectorised: :func:`score_sites` scores many sites (rows) at once;
:func:`fit_site` is the one-site view with ranking and reasons.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import numpy as np

from renewal.errors import RenewalInputError
from renewal.inputs import as_finite
from renewal.language import check_lang, load_data, message
from renewal.patterns import PATTERN_CODES, get_pattern

Bounds = tuple[np.ndarray, np.ndarray]
"""Lower and upper satisfaction (P,): missing attributes taken as unmet / met."""


@cache
def site_attribute_keys() -> tuple[str, ...]:
    """The 19 site attribute keys, in the order of docs/design.md, "Site attributes for pattern fit".

    >>> len(site_attribute_keys()), site_attribute_keys()[0]
    (19, 'dilapidated_share')
    """
    return tuple(a["key"] for a in load_data("renewal", "site_attributes.toml")["attribute"])


@cache
def site_attributes() -> dict[str, dict[str, str]]:
    """Each attribute's kind, unit and meaning (zh/en), by key."""
    return {a["key"]: a for a in load_data("renewal", "site_attributes.toml")["attribute"]}


@dataclass(frozen=True)
class Rule:
    """A parsed criterion rule: call :meth:`bounds` on column arrays of a site table."""

    source: str
    keys: tuple[str, ...]
    _evaluate: Callable[[Mapping[str, np.ndarray]], Bounds] = field(repr=False, compare=False)

    def bounds(self, values: Mapping[str, np.ndarray]) -> Bounds:
        """Satisfaction 0..1 per site, with missing (NaN) keys as 0 and as 1."""
        return self._evaluate(values)


def _ramp(values: Mapping[str, np.ndarray], key: str, start: float, end: float) -> Bounds:
    v = values[key]
    with np.errstate(invalid="ignore"):
        sat = np.clip((v - start) / (end - start), 0.0, 1.0)
    missing = np.isnan(v)
    return np.where(missing, 0.0, sat), np.where(missing, 1.0, sat)


def _below(values: Mapping[str, np.ndarray], key: str, limit: float) -> Bounds:
    v = values[key]
    with np.errstate(invalid="ignore"):
        sat = (v < limit).astype(float)
    missing = np.isnan(v)
    return np.where(missing, 0.0, sat), np.where(missing, 1.0, sat)


def _combine(reduce: Callable[..., np.ndarray], parts: Sequence[Callable]) -> Callable:
    def evaluate(values: Mapping[str, np.ndarray]) -> Bounds:
        bounds = [p(values) for p in parts]
        return reduce([b[0] for b in bounds], axis=0), reduce([b[1] for b in bounds], axis=0)
    return evaluate


def parse_rule(source: str) -> Rule:
    """Parse a rule such as ``max(ramp(a, 0.1, 0.5), below(b, 0))``.

    Only ``ramp(key, from, to)``, ``below(key, limit)``, ``max(...)`` and
    ``min(...)`` are allowed, over known site attribute keys.

    >>> parse_rule("ramp(idle_space_m2, 200, 2000)").keys
    ('idle_space_m2',)
    >>> parse_rule("ramp(idle_space, 200, 2000)")
    Traceback (most recent call last):
    ...
    renewal.errors.RenewalInputError: rule: unknown site attribute 'idle_space' in 'ramp(idle_space, 200, 2000)'
    """
    keys: list[str] = []

    def fail(why: str) -> RenewalInputError:
        return RenewalInputError(f"rule: {why} in {source!r}")

    def number(node: ast.expr) -> float:
        value = ast.literal_eval(node) if isinstance(node, (ast.Constant, ast.UnaryOp)) else None
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise fail(f"expected a number, got {ast.unparse(node)!r}")
        return float(value)

    def key(node: ast.expr) -> str:
        if not isinstance(node, ast.Name):
            raise fail(f"expected a site attribute key, got {ast.unparse(node)!r}")
        if node.id not in site_attribute_keys():
            raise fail(f"unknown site attribute {node.id!r}")
        keys.append(node.id)
        return node.id

    def build(node: ast.expr) -> Callable[[Mapping[str, np.ndarray]], Bounds]:
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)) or node.keywords:
            raise fail(f"expected ramp(), below(), max() or min(), got {ast.unparse(node)!r}")
        name, args = node.func.id, node.args
        if name == "ramp" and len(args) == 3:
            k, start, end = key(args[0]), number(args[1]), number(args[2])
            if start == end:
                raise fail("a ramp needs two different thresholds")
            return lambda v: _ramp(v, k, start, end)
        if name == "below" and len(args) == 2:
            k, limit = key(args[0]), number(args[1])
            return lambda v: _below(v, k, limit)
        if name in ("max", "min") and args:
            return _combine(np.max if name == "max" else np.min, [build(a) for a in args])
        raise fail(f"wrong use of {name}()")

    try:
        tree = ast.parse(source.strip(), mode="eval").body
    except SyntaxError:
        raise fail("not a valid expression") from None
    evaluate = build(tree)
    return Rule(source, tuple(dict.fromkeys(keys)), evaluate)


@dataclass(frozen=True)
class Criterion:
    """One weighted criterion of a pattern's score."""

    pattern: str
    id: str
    weight: float
    rule: Rule
    label_zh: str
    label_en: str

    def label(self, lang: str | None = None) -> str:
        """The criterion's label in ``lang``."""
        return self.label_zh if check_lang(lang) == "zh" else self.label_en


@dataclass(frozen=True)
class FitRules:
    """The scoring table: criteria per pattern and the applicability threshold."""

    criteria: tuple[Criterion, ...]
    threshold: float = 60.0

    def for_pattern(self, code: str) -> tuple[Criterion, ...]:
        """The criteria of one pattern."""
        return tuple(c for c in self.criteria if c.pattern == code)

    def with_weights(self, weights: Mapping[str, float]) -> FitRules:
        """A copy with some weights changed, keyed ``"PATTERN.criterion"``.

        >>> rules = default_fit_rules().with_weights({"ACTIVATION.scale": 0})
        >>> [c.weight for c in rules.for_pattern("ACTIVATION")]
        [3.0, 2.0, 0.0]
        """
        known = {f"{c.pattern}.{c.id}" for c in self.criteria}
        unknown = sorted(set(weights) - known)
        if unknown:
            raise RenewalInputError(f"weights: unknown criteria {unknown}; known: {sorted(known)}")
        criteria = tuple(
            replace(c, weight=_weight(weights.get(f"{c.pattern}.{c.id}", c.weight)))
            for c in self.criteria
        )
        return replace(self, criteria=criteria)

    def with_threshold(self, threshold: float) -> FitRules:
        """A copy with another applicability threshold (0-100)."""
        value = float(as_finite("threshold", threshold, max_ndim=0))
        if not 0 <= value <= 100:
            raise RenewalInputError(f"threshold: must be from 0 to 100, got {value}")
        return replace(self, threshold=value)


def _weight(value: object) -> float:
    w = float(as_finite("weight", value, max_ndim=0))
    if w < 0:
        raise RenewalInputError(f"weight: must be 0 or more, got {w}")
    return w


def _rules_from_table(table: Mapping) -> FitRules:
    criteria = []
    for row in table.get("criterion", ()):
        get_pattern(row["pattern"])
        criteria.append(Criterion(row["pattern"], row["id"], _weight(row["weight"]),
                                  parse_rule(row["rule"]), row["label_zh"], row["label_en"]))
    rules = FitRules(tuple(criteria))
    for code in PATTERN_CODES:
        if sum(c.weight for c in rules.for_pattern(code)) <= 0:
            raise RenewalInputError(f"rules: pattern {code} has no criterion with weight > 0")
    return rules.with_threshold(table.get("threshold", 60))


@cache
def default_fit_rules() -> FitRules:
    """The default scoring table (docs/design.md, "Default scoring of pattern fit"), from ``data/fit_rules.toml``."""
    return _rules_from_table(load_data("renewal", "fit_rules.toml"))


def load_fit_rules(path: str | Path) -> FitRules:
    """A scoring table from your own TOML file, in the format of ``data/fit_rules.toml``."""
    return _rules_from_table(tomllib.loads(Path(path).read_text("utf-8")))


def _site_columns(site: Mapping[str, object]) -> tuple[dict[str, np.ndarray], int]:
    """Site attributes as float columns (P,), NaN for missing; unknown keys rejected."""
    unknown = sorted(set(site) - set(site_attribute_keys()))
    if unknown:
        raise RenewalInputError(
            f"site: unknown attribute(s) {', '.join(unknown)}; "
            f"known: {', '.join(site_attribute_keys())}"
        )
    columns: dict[str, np.ndarray] = {}
    for key, raw in site.items():
        items = np.atleast_1d(np.asarray(raw, dtype=object)).ravel()
        if any(isinstance(v, (str, bytes)) for v in items):
            raise RenewalInputError(f"site: {key} must be a number, got text {raw!r}")
        try:
            col = np.array([np.nan if v is None else v for v in items], dtype=float)
        except (TypeError, ValueError):
            raise RenewalInputError(f"site: {key} must be a number, got {raw!r}") from None
        if np.isinf(col).any():
            raise RenewalInputError(f"site: {key} must be finite, got {raw!r}")
        columns[key] = col
    sizes = {c.size for c in columns.values()} - {1}
    if len(sizes) > 1:
        raise RenewalInputError(f"site: columns have different lengths {sorted(sizes)}")
    n = sizes.pop() if sizes else 1
    full = {k: np.broadcast_to(columns.get(k, np.array([np.nan])), (n,))
            for k in site_attribute_keys()}
    return full, n


@dataclass(frozen=True)
class Scores:
    """Pattern scores of P sites; arrays are (P, 6) in :data:`PATTERN_CODES` order."""

    score: np.ndarray
    score_if_missing_met: np.ndarray
    known_weight_share: np.ndarray
    applicable: np.ndarray
    criteria: dict[tuple[str, str], Bounds]
    threshold: float

    def ranking(self, row: int = 0) -> list[str]:
        """Pattern codes best first; ties keep the paper's order."""
        order = sorted(range(len(PATTERN_CODES)), key=lambda j: -self.score[row, j])
        return [PATTERN_CODES[j] for j in order]

    def best_fit(self) -> list[str | None]:
        """Per site, the top-scoring pattern if it applies, else None."""
        top = np.argmax(self.score, axis=1)
        return [PATTERN_CODES[j] if self.applicable[i, j] else None for i, j in enumerate(top)]


def score_sites(site: Mapping[str, object], rules: FitRules | None = None) -> Scores:
    """Score every pattern for P sites given as columns ``{key: values}``.

    Formula: ``score = 100 * sum(w * s) / sum(w)`` over a pattern's criteria,
    s in 0..1 from each criterion's rule; applicable when score >= threshold.

    >>> s = score_sites({"idle_space_m2": [2000, 100], "service_gap": [5, 0],
    ...                  "households": [1500, 100]})
    >>> s.score[:, PATTERN_CODES.index("ACTIVATION")].tolist()
    [100.0, 0.0]
    >>> s.best_fit()
    ['ACTIVATION', None]
    """
    rules = rules or default_fit_rules()
    columns, n = _site_columns(site)
    shape = (n, len(PATTERN_CODES))
    low, high, known = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    per_criterion: dict[tuple[str, str], Bounds] = {}
    for j, code in enumerate(PATTERN_CODES):
        criteria = rules.for_pattern(code)
        for c in criteria:
            lo, hi = c.rule.bounds(columns)
            per_criterion[(code, c.id)] = (lo, hi)
            low[:, j] += c.weight * lo
            high[:, j] += c.weight * hi
            known[:, j] += c.weight * (lo == hi)
        total = sum(c.weight for c in criteria)
        low[:, j], high[:, j], known[:, j] = low[:, j] / total, high[:, j] / total, known[:, j] / total
    score = np.round(100.0 * low, 10)
    return Scores(score, np.round(100.0 * high, 10), known, score >= rules.threshold,
                  per_criterion, rules.threshold)


@dataclass(frozen=True)
class PatternFit:
    """One pattern's fit to one site, with the criteria met, missed and missing."""

    code: str
    score: float
    applicable: bool
    score_if_missing_met: float
    known_weight_share: float
    met: tuple[Criterion, ...]
    missed: tuple[tuple[Criterion, float], ...]
    missing: tuple[Criterion, ...]


@dataclass(frozen=True)
class SiteFit:
    """A site's fit to all six patterns, best first."""

    ranking: tuple[PatternFit, ...]
    threshold: float

    @property
    def best(self) -> PatternFit | None:
        """The best-fitting pattern, or None when no pattern applies."""
        top = self.ranking[0]
        return top if top.applicable else None

    def of(self, code: str) -> PatternFit:
        """The fit of one pattern."""
        code = get_pattern(code).code
        return next(p for p in self.ranking if p.code == code)


def fit_site(site: Mapping[str, object], rules: FitRules | None = None) -> SiteFit:
    """Score one site (``{key: value}``, None or absent for unknown) against all patterns.

    >>> jinsong = {"idle_space_m2": 2670, "service_gap": 5, "households": 3600}
    >>> fit = fit_site(jinsong)
    >>> fit.best.code, fit.best.score, fit.best.known_weight_share
    ('ACTIVATION', 100.0, 1.0)
    """
    rules = rules or default_fit_rules()
    scores = score_sites({k: [v] for k, v in site.items()}, rules)
    fits = []
    for code in scores.ranking():
        j = PATTERN_CODES.index(code)
        met, missed, missing = [], [], []
        for c in rules.for_pattern(code):
            lo, hi = (float(b[0]) for b in scores.criteria[(code, c.id)])
            if lo != hi:
                missing.append(c)
            elif lo >= 1.0:
                met.append(c)
            else:
                missed.append((c, lo))
        fits.append(PatternFit(code, float(scores.score[0, j]), bool(scores.applicable[0, j]),
                               float(scores.score_if_missing_met[0, j]),
                               float(scores.known_weight_share[0, j]),
                               tuple(met), tuple(missed), tuple(missing)))
    return SiteFit(tuple(fits), rules.threshold)


def fit_reasons(site: Mapping[str, object], pattern: str | None = None,
                lang: str | None = None, rules: FitRules | None = None) -> str:
    """Why a pattern fits or not: criteria met, missed and missing, in ``lang``.

    Without ``pattern``, explains the best fit (or the top scorer if none applies).

    >>> print(fit_reasons({"idle_space_m2": 1100, "service_gap": 5}, "ACTIVATION", "en"))
    activation of idle space: score 58.3, not applicable (needs 60)
    met: community services lacking
    partly met (50%): much idle or inefficient space
    missing: a large area
    83% of the weight known; at most 75 if the missing data were all met
    """
    lang = check_lang(lang)
    fit = fit_site(site, rules)
    chosen = fit.of(pattern) if pattern else fit.ranking[0]
    head_key = "applicable" if chosen.applicable else "not_applicable"
    sep = "：" if lang == "zh" else ": "
    join = "；" if lang == "zh" else "; "
    lines = [message("fit", head_key, lang, name=get_pattern(chosen.code).name(lang),
                     score=_num(chosen.score), threshold=_num(fit.threshold))]
    if chosen.met:
        lines.append(message("fit", "met", lang) + sep + join.join(c.label(lang) for c in chosen.met))
    for c, share in chosen.missed:
        key = "partly" if share > 0 else "missed"
        lines.append(message("fit", key, lang, share=f"{share:.0%}") + sep + c.label(lang))
    if chosen.missing:
        lines.append(message("fit", "missing", lang) + sep
                     + join.join(c.label(lang) for c in chosen.missing))
    lines.append(message("fit", "known_share", lang, share=f"{chosen.known_weight_share:.0%}")
                 + (join + message("fit", "if_missing_met", lang,
                                   score=_num(chosen.score_if_missing_met))
                    if chosen.missing else ""))
    return "\n".join(lines)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")
