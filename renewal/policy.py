"""Numeric policy limits from the paper's Table 3, as checks (``data/policy_limits.toml``).

Today one limit: Guangzhou caps the above-ground floor area an
EXPANSION_SALE (dangerous-housing) project may add at 30%. The batch reports a
breach as a warning that cites the policy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from renewal.errors import RenewalInputError
from renewal.inputs import as_finite
from renewal.language import Text, load_data


@dataclass(frozen=True)
class PolicyLimit:
    """A cap on a quantity for projects of one pattern in the listed cities."""

    code: str
    pattern: str
    cities: tuple[str, ...]
    quantity: str
    max: float
    policy: Text
    """The policy's citation."""


@cache
def policy_limits() -> tuple[PolicyLimit, ...]:
    """All limits in the data file.

    >>> [(p.code, p.max) for p in policy_limits()]
    [('GZ_EXPANSION_FLOOR_AREA_CAP', 0.3)]
    """
    return tuple(
        PolicyLimit(row["code"], row["pattern"], tuple(row["cities"]), row["quantity"], float(row["max"]),
                    Text.of(row, "policy"))
        for row in load_data("renewal", "policy_limits.toml")["limit"]
    )


def added_floor_area_share(added_floor_area_m2: object, floor_area_m2: object) -> np.ndarray:
    """Added above-ground floor area as a share of the existing floor area.

    >>> added_floor_area_share([300, 400], [1000, 1000]).tolist()
    [0.3, 0.4]
    """
    added = as_finite("added_floor_area_m2", added_floor_area_m2, max_ndim=1)
    existing = as_finite("floor_area_m2", floor_area_m2, max_ndim=1)
    if (existing <= 0).any():
        raise RenewalInputError("floor_area_m2: must be more than 0")
    return np.atleast_1d(added / existing)


@dataclass(frozen=True)
class Breach:
    """Project ``row`` exceeds ``limit`` with ``value``."""

    row: int
    limit: PolicyLimit
    value: float


def policy_breaches(patterns: Sequence[str], cities: Sequence[str],
                    quantities: Mapping[str, object]) -> list[Breach]:
    """Every (project, limit) where the project's pattern and city match and the quantity exceeds the cap.

    ``quantities`` maps a quantity name to one value per project (NaN = unknown).

    >>> b = policy_breaches(["EXPANSION_SALE", "EXPANSION_SALE"], ["Guangzhou", "Hangzhou"],
    ...                     {"added_floor_area_share": [0.45, 0.45]})
    >>> [(x.row, x.limit.code, x.value) for x in b]
    [(0, 'GZ_EXPANSION_FLOOR_AREA_CAP', 0.45)]
    """
    found = []
    for limit in policy_limits():
        values = np.asarray(quantities.get(limit.quantity, np.full(len(patterns), np.nan)),
                            dtype=float)
        for row, (pattern, city) in enumerate(zip(patterns, cities, strict=True)):
            value = values[row]
            if pattern == limit.pattern and city in limit.cities and value > limit.max:
                found.append(Breach(row, limit, float(value)))
    return found
