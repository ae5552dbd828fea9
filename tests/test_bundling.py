"""The district bundling planner (renewal.bundling): optimal against brute force, feasible, baselines."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import numpy as np
import pytest

from renewal.bundling import BundlePlan, district_bound, no_bundling_subsidy, plan_bundles
from renewal.errors import RenewalInputError


def partitions(items: list[int]) -> Iterator[list[list[int]]]:
    """Every partition of ``items`` into non-empty blocks (Bell(9) = 21,147 for nine)."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in partitions(rest):
        yield [[first], *part]
        for i in range(len(part)):
            yield [*part[:i], [first, *part[i]], *part[i + 1:]]


def brute_force(npv: np.ndarray, districts: list[str], k: int) -> tuple[float, int]:
    """The least total subsidy over every feasible partition, and at that minimum the fewest
    projects in packages of two or more (the planner's secondary objective)."""
    best: tuple[float, int] | None = None
    for part in partitions(list(range(npv.size))):
        if any(len(b) > k or len({districts[i] for i in b}) > 1 for b in part):
            continue
        subsidy = round(sum(max(0.0, -float(npv[b].sum())) for b in part), 6)
        bundled = sum(len(b) for b in part if len(b) > 1)
        if best is None or (subsidy, bundled) < best:
            best = (subsidy, bundled)
    assert best is not None
    return best


def random_instance(rng: np.random.Generator, n: int, n_districts: int) -> tuple[np.ndarray, list[str]]:
    """A few profitable parcels and more loss-making communities, NPVs to 0.1 (万元)."""
    fat = rng.random(n) < 0.35
    npv = np.where(fat, rng.uniform(50, 800, n), -rng.uniform(10, 500, n)).round(1)
    return npv, [f"D{d}" for d in rng.integers(0, n_districts, n)]


def assert_feasible(plan: BundlePlan, npv: np.ndarray, districts: list[str], k: int) -> None:
    """Each project in exactly one package, packages of one district and at most k projects."""
    assert plan.package.shape == npv.shape and plan.package.min() == 1
    members = plan.members
    assert sorted(np.concatenate(members).tolist()) == list(range(npv.size))
    assert len(members) == len(plan.package_district) == plan.package_npv.size
    for p, rows in enumerate(members):
        assert 1 <= rows.size <= k
        assert {districts[i] for i in rows} == {plan.package_district[p]}
        assert plan.package_npv[p] == pytest.approx(npv[rows].sum())
        assert plan.package_subsidy[p] == pytest.approx(max(0.0, -npv[rows].sum()))


@pytest.mark.parametrize("seed", range(40))
def test_total_subsidy_equals_brute_force_on_small_instances(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 10))
    k = int(rng.integers(1, n + 1))
    npv, districts = random_instance(rng, n, 1 + seed % 3)
    plan = plan_bundles(npv, districts, k)
    subsidy, bundled = brute_force(npv, districts, k)
    assert plan.optimal and plan.gap == 0
    assert plan.total_subsidy == pytest.approx(subsidy, abs=1e-6)
    assert plan.bundled_projects == bundled
    assert_feasible(plan, npv, districts, k)


@pytest.mark.parametrize("k", [1, 2, 3, 5, None])
def test_every_plan_is_feasible_and_between_the_baselines(k: int | None) -> None:
    npv, districts = random_instance(np.random.default_rng(7), 60, 4)
    plan = plan_bundles(npv, districts, k)
    assert_feasible(plan, npv, districts, k or npv.size)
    assert plan.district_bound - 1e-6 <= plan.total_subsidy <= plan.no_bundling + 1e-6
    assert plan.lower_bound <= plan.total_subsidy + 1e-6


def test_one_project_per_package_is_no_bundling_and_no_limit_is_one_package_per_district() -> None:
    rng = np.random.default_rng(11)
    for _ in range(5):
        npv, districts = random_instance(rng, 30, 3)
        alone = plan_bundles(npv, districts, 1)
        assert alone.total_subsidy == pytest.approx(no_bundling_subsidy(npv))
        assert alone.package.tolist() == list(range(1, npv.size + 1))
        unlimited = plan_bundles(npv, districts)
        assert unlimited.total_subsidy == pytest.approx(district_bound(npv, districts))
        assert unlimited.optimal


def test_without_districts_every_project_may_join_any_package() -> None:
    plan = plan_bundles([-300, 500, -250, -80, 90], max_size=2)
    assert plan.total_subsidy == pytest.approx(240.0)  # {-300, 500}, {-250, 90}; -80 alone
    assert set(plan.package_district) == {""}


def test_a_time_limit_gives_a_feasible_plan_and_an_honest_gap() -> None:
    # Profitable parcels that can almost exactly carry the district (a packing problem):
    # a hundredth of a second does not prove the optimum.
    npv, districts = random_instance(np.random.default_rng(3), 120, 1)
    plan = plan_bundles(npv, districts, 5, time_limit=0.01)
    assert_feasible(plan, npv, districts, 5)
    assert plan.lower_bound <= plan.total_subsidy + 1e-6
    assert plan.district_bound <= plan.lower_bound + 1e-6
    assert 0 <= plan.gap <= 1
    if not plan.optimal:
        assert plan.gap == pytest.approx((plan.total_subsidy - plan.lower_bound) / plan.total_subsidy)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"npv": [1, float("nan")]}, "npv: must be finite"),
    ({"npv": [1, -2], "max_size": 0}, "max_size: must be a whole number 1 or more"),
    ({"npv": [1, -2], "max_size": 2.5}, "max_size: must be a whole number 1 or more"),
    ({"npv": [1, -2], "districts": ["A"]}, "districts: has 1 entries but there are 2 projects"),
    ({"npv": [1, -2], "time_limit": 0}, "time_limit: must be more than 0"),
])
def test_bad_input_names_the_argument(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(RenewalInputError, match=message):
        plan_bundles(**kwargs)


def test_renewal_imports_without_scipy_and_the_planner_says_what_it_needs() -> None:
    code = ("import sys; sys.modules['scipy'] = None\n"
            "import renewal, renewal.bundling\n"
            "print(renewal.bundling.no_bundling_subsidy([-1, 2]))\n"
            "try:\n    renewal.bundling.plan_bundles([-1, 2], max_size=2)\n"
            "except renewal.bundling.SolverUnavailableError as exc:\n    print(exc)\n")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.splitlines() == [
        "1.0", "the bundling planner needs scipy: pip install 'renewal-balance[bundle]' "
        "(in xlwings Lite, add scipy to requirements.txt)"]
