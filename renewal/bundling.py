"""District bundling (片区统筹): which projects to package so that the least subsidy is needed.

The paper's third pattern balances loss-making renewals by packaging them with
profitable ones (肥瘦搭配, fat with thin) within a district. Each package is
tendered to one implementing entity, so a package holds 1 to ``max_size``
projects, all of one district, and every project is in exactly one package.
A package whose NPV (the sum of its projects' NPVs at the appraisal rate) is
negative needs that much subsidy; the planner chooses the packages that need
the least subsidy in total:

    minimise  sum over packages p of max(0, -NPV_p)

**Secondary objective.** Among the plans with that minimum, the planner takes
one that bundles the fewest projects (the most projects stay on their own).
Every project in a package is then there because it lowers the subsidy: no
loss-making community is thrown into a package that stays in deficit anyway,
no profitable parcel is tied up where it balances nothing. A housing bureau
tenders, contracts and supervises fewer and smaller packages, and each
package's cross-subsidy can be explained line by line. It is solved second
(lexicographically), so it never costs subsidy. (Maximising the loss-making
projects in packages that need no subsidy was measured too: where the
optimum equals the district bound no package may keep a surplus, so that
count is 0 however hard the solver works, and proving so took it minutes.)

**How.** A mixed-integer program per district, solved by HiGHS through
``scipy.optimize.milp`` (chosen over OR-Tools CP-SAT by measurement: see
``benchmarks/bench_bundling.py`` and the README). A package that mixes no
profitable with no loss-making project helps nothing, so a useful package
holds at least one of each; packages are therefore indexed by a *leader*
taken from the smaller of the two groups, which keeps the program at
``n x min(profitable, loss-making)`` binaries per district (DistrictModel).
Projects with NPV exactly 0 change nothing and stay on their own.

Baselines: no bundling, ``sum max(0, -NPV_i)``; one package per district (no
size limit), ``sum over districts max(0, -sum NPV)``, a lower bound of every
plan. If a time limit stops the solver, the plan is the best one found (at
worst no bundling) and ``gap`` says how far it may be from the optimum.

Only numpy is imported here; scipy is imported when a plan is solved, so the
rest of :mod:`renewal` stays importable without it (xlwings Lite, Pyodide).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from renewal.errors import RenewalInputError

if TYPE_CHECKING:
    from scipy.optimize import OptimizeResult
from renewal.inputs import as_finite

DEFAULT_TIME_LIMIT = 60.0
"""Seconds the solver gets for a whole plan from ``renewal bundle`` unless ``--time-limit``
says otherwise (:func:`plan_bundles` itself has no limit unless given one)."""


class SolverUnavailableError(RenewalInputError):
    """scipy, whose HiGHS solves the plan, is not installed."""


RELATIVE_TOLERANCE = 1e-9
"""Two subsidies closer than this (relative to the district's largest |NPV|) count as equal."""


def subsidies(npv: object) -> np.ndarray:
    """The subsidy each package (or project) needs on its own: ``max(0, -NPV)``.

    Excel equivalent: ``=MAX(0, -npv)`` per cell.

    >>> subsidies([-300, 120, 0]).tolist()
    [300.0, 0.0, 0.0]
    """
    gaps: np.ndarray = np.maximum(0.0, -as_finite("npv", npv, max_ndim=1)) + 0.0
    return gaps


def no_bundling_subsidy(npv: object) -> float:
    """Baseline without bundling: every project alone, ``sum max(0, -NPV_i)``.

    Excel equivalent: ``=-SUMIF(npv, "<0")``.

    >>> no_bundling_subsidy([-300, 120, -50])
    350.0
    """
    return float(subsidies(npv).sum())


def _district_keys(districts: object, n: int) -> list[str]:
    if districts is None:
        return [""] * n
    keys = ["" if d is None else str(d).strip() for d in np.asarray(districts, dtype=object).ravel()]
    if len(keys) != n:
        raise RenewalInputError(f"districts: has {len(keys)} entries but there are {n} projects")
    return keys


def _groups(keys: Sequence[str]) -> dict[str, np.ndarray]:
    """Project positions by district, districts in order of first appearance."""
    members: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        members.setdefault(key, []).append(i)
    return {key: np.array(rows, dtype=int) for key, rows in members.items()}


def district_bound(npv: object, districts: object = None) -> float:
    """Baseline of one package per district (no size limit): ``sum_d max(0, -sum_{i in d} NPV_i)``.

    No plan needs less subsidy: merging packages never raises the total.

    Excel equivalent: none built in (``=MAX(0, -SUMIF(district, d, npv))`` per district, summed).

    >>> district_bound([-300, 120, -50, 80], ["A", "A", "B", "B"])
    180.0
    """
    values = as_finite("npv", npv, max_ndim=1)
    groups = _groups(_district_keys(districts, values.size))
    return float(sum(max(0.0, -float(values[rows].sum())) for rows in groups.values()))


def package_subsidies(npv: object, package: object) -> tuple[np.ndarray, np.ndarray]:
    """Each package's NPV and subsidy, for packages numbered 1..P (``package[i]`` is project i's).

    Formula: ``NPV_p = sum_{i in p} NPV_i``; ``subsidy_p = max(0, -NPV_p)``.

    Excel equivalent: ``=SUMIF(package, p, npv)`` and ``=MAX(0, -SUMIF(package, p, npv))``.

    >>> package_subsidies([-300, 120, -50], [1, 1, 2])
    (array([-180.,  -50.]), array([180.,  50.]))
    """
    values = as_finite("npv", npv, max_ndim=1)
    numbers = np.asarray(package, dtype=int)
    totals = np.bincount(numbers - 1, weights=values, minlength=int(numbers.max(initial=0)))
    return totals + 0.0, np.maximum(0.0, -totals) + 0.0


@dataclass(frozen=True)
class Program:
    """A mixed-integer program as matrices: minimise ``cost @ x`` subject to ``A x <= upper``
    (``A`` given by its nonzeros ``coefs`` at ``rows``, ``cols``), ``0 <= x <= var_upper``,
    ``x`` whole where ``integral`` is 1."""

    cost: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    coefs: np.ndarray
    upper: np.ndarray
    var_upper: np.ndarray
    integral: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, variables)."""
        return self.upper.size, self.cost.size

    def solve(self, time_limit: float) -> OptimizeResult:
        """``scipy.optimize.milp`` (HiGHS) to a zero gap, within ``time_limit`` seconds."""
        try:
            from scipy.optimize import Bounds, LinearConstraint, milp
            from scipy.sparse import coo_array
        except ImportError:
            raise SolverUnavailableError(
                "the bundling planner needs scipy: pip install 'renewal-balance[bundle]' "
                "(in xlwings Lite, add scipy to requirements.txt)") from None

        a = coo_array((self.coefs, (self.rows, self.cols)), shape=self.shape).tocsr()
        return milp(self.cost, integrality=self.integral, bounds=Bounds(np.zeros(self.cost.size), self.var_upper),
                    constraints=LinearConstraint(a, -np.inf, self.upper),
                    options={"time_limit": max(time_limit, 0.01), "mip_rel_gap": 0.0, "disp": False})


@dataclass(frozen=True)
class DistrictModel:
    """The program of one district (:func:`district_model`).

    Variables: ``x[i, l]`` (binary, position ``i * L + l``): project i is in the
    package led by leader l; then ``y[l]`` (continuous >= 0): that package's
    subsidy. Leaders are the projects of the smaller group (profitable or
    loss-making), largest |NPV| first; a leader-group project may join only a
    leader listed before it (symmetry breaking), and leader l's package exists
    when ``x[l, l] = 1``. Rows, for every project i and leader l:

    * ``sum_l x[i, l] <= 1`` (a project unassigned stays on its own);
    * ``sum_{i != l} x[i, l] - (K - 1) x[l, l] <= 0`` (size limit; no members without the leader);
    * ``-y[l] - sum_i v_i x[i, l] <= 0`` (subsidy >= -package NPV).

    Objective: ``sum_l y[l] + sum_i min(v_i, 0) sum_l x[i, l]`` plus the constant
    ``sum_i max(0, -v_i)`` (the deficits of projects left alone). Values ``v``
    are the NPVs divided by ``scale`` (the largest |NPV|) for the solver's
    tolerances.
    """

    values: np.ndarray
    leaders: np.ndarray
    max_size: int
    scale: float
    program: Program

    @property
    def constant(self) -> float:
        """The objective's constant: every deficit, before any bundling (scaled)."""
        return float(np.maximum(0.0, -self.values).sum())

    def leader_of(self, x: np.ndarray) -> np.ndarray:
        """Each project's leader (its package) in a solution ``x``; -1 for a project alone."""
        chosen = x[: self.values.size * self.leaders.size].reshape(self.values.size, self.leaders.size) > 0.5
        return np.where(chosen.any(axis=1), chosen.argmax(axis=1), -1)

    def fewest_bundled(self, best: float) -> Program:
        """The program of the secondary objective: at most ``best`` subsidy (scaled, without
        the constant), the fewest projects in packages: minimise ``sum x`` (a leader without
        members is set to 0 by that, and stays alone)."""
        p = self.program
        n_x, n_var = self.values.size * self.leaders.size, p.cost.size
        slack = RELATIVE_TOLERANCE * max(1.0, abs(best))
        return Program(np.concatenate([np.ones(n_x), np.zeros(n_var - n_x)]),
                       np.concatenate([p.rows, np.full(n_var, p.upper.size)]),
                       np.concatenate([p.cols, np.arange(n_var)]), np.concatenate([p.coefs, p.cost]),
                       np.append(p.upper, best + slack), p.var_upper, p.integral)


def district_model(values: np.ndarray, max_size: int) -> DistrictModel:
    """The program of one district whose projects have NPVs ``values`` (none zero), see
    :class:`DistrictModel`.

    >>> m = district_model(np.array([-300.0, 120.0, 200.0]), 2)
    >>> m.leaders.tolist(), m.program.shape, m.constant
    ([0], (5, 4), 1.0)
    """
    scale = float(np.abs(values).max())
    v = values / scale
    fat, thin = np.flatnonzero(v > 0), np.flatnonzero(v < 0)
    group = fat if fat.size <= thin.size else thin
    leaders = group[np.argsort(-np.abs(v[group]), kind="stable")]
    m, n_lead = v.size, leaders.size
    k = min(max_size, m)
    n_x = m * n_lead
    xi = np.repeat(np.arange(m), n_lead)
    xl = np.tile(np.arange(n_lead), m)
    rank = np.full(m, n_lead)
    rank[leaders] = np.arange(n_lead)
    is_leader = xi == leaders[xl]
    x_cols = np.arange(n_x)
    program = Program(
        cost=np.concatenate([np.minimum(v[xi], 0.0), np.ones(n_lead)]),
        rows=np.concatenate([xi, m + xl, m + n_lead + xl, m + n_lead + np.arange(n_lead)]),
        cols=np.concatenate([x_cols, x_cols, x_cols, n_x + np.arange(n_lead)]),
        coefs=np.concatenate([np.ones(n_x), np.where(is_leader, -(k - 1.0), 1.0), -v[xi], -np.ones(n_lead)]),
        upper=np.concatenate([np.ones(m), np.zeros(2 * n_lead)]),
        var_upper=np.concatenate([(xl <= rank[xi]).astype(float), np.full(n_lead, np.inf)]),
        integral=np.concatenate([np.ones(n_x), np.zeros(n_lead)]))
    return DistrictModel(v, leaders, k, scale, program)


@dataclass(frozen=True)
class DistrictSolution:
    """What the solver gave for one district: packages (leader per project, -1 alone), whether
    optimal, and a lower bound of the district's subsidy (money units)."""

    leader_of: np.ndarray
    optimal: bool
    lower_bound: float


def solve_district(values: np.ndarray, max_size: int, time_limit: float = math.inf) -> DistrictSolution:
    """Solve one district's program (HiGHS), then its secondary objective in the time left.

    >>> s = solve_district(np.array([-300.0, 120.0, 200.0, -10.0]), 2)
    >>> s.leader_of.tolist(), s.optimal, round(s.lower_bound, 6)
    ([0, 1, 0, 1], True, 100.0)
    """
    alone = np.full(values.size, -1)
    lower = max(0.0, -float(values.sum()))
    if max_size < 2 or not ((values > 0).any() and (values < 0).any()):
        return DistrictSolution(alone, True, float(np.maximum(0.0, -values).sum()))
    start = time.monotonic()
    model = district_model(values, max_size)
    first = model.program.solve(time_limit)
    if first.x is None:  # stopped before it found any plan: every project alone
        return DistrictSolution(alone, False, lower)
    optimal = first.status == 0
    bound = getattr(first, "mip_dual_bound", None)
    if bound is not None and math.isfinite(bound):
        lower = max(lower, (bound + model.constant) * model.scale)
    leader_of = model.leader_of(first.x)
    left = time_limit - (time.monotonic() - start)
    if optimal and left > 0:
        second = model.fewest_bundled(float(first.fun)).solve(left)
        if second.x is not None:
            leader_of = model.leader_of(second.x)
    return DistrictSolution(leader_of, optimal, lower)


@dataclass(frozen=True)
class BundlePlan:
    """A bundling plan: each project's package (1..P), each package's district, NPV and subsidy,
    the total, the baselines, and how sure the solver is.

    ``optimal``: every district was solved to optimality. ``gap``: ``(total - lower_bound) /
    total`` (0 when optimal or when no subsidy is needed); ``lower_bound``: no plan needs less.
    """

    package: np.ndarray
    package_district: tuple[str, ...]
    package_npv: np.ndarray
    package_subsidy: np.ndarray
    no_bundling: float
    district_bound: float
    lower_bound: float
    optimal: bool

    @property
    def total_subsidy(self) -> float:
        """The plan's total subsidy, ``sum_p max(0, -NPV_p)``."""
        return float(self.package_subsidy.sum())

    @property
    def gap(self) -> float:
        """Relative distance to the best possible plan: 0 when optimal."""
        total = self.total_subsidy
        if self.optimal or total <= 0:
            return 0.0
        return max(0.0, (total - self.lower_bound) / total)

    @property
    def members(self) -> list[np.ndarray]:
        """Project positions of each package, in package order."""
        order = np.argsort(self.package, kind="stable")
        return np.split(order, np.cumsum(np.bincount(self.package - 1))[:-1])

    @property
    def bundled_projects(self) -> int:
        """How many projects sit in packages of two or more (the secondary objective: fewest)."""
        sizes = np.bincount(self.package - 1)
        return int(sizes[sizes > 1].sum())


def _max_size(max_size: object, n: int) -> int:
    if max_size is None:
        return max(n, 1)
    k = float(as_finite("max_size", max_size, max_ndim=0))
    if k < 1 or k != round(k):
        raise RenewalInputError(f"max_size: must be a whole number 1 or more, got {max_size!r}")
    return int(k)


def plan_bundles(npv: object, districts: object = None, max_size: object = None,
                 time_limit: object = None) -> BundlePlan:
    """The packages that need the least subsidy: within districts, 1 to ``max_size`` projects each.

    Formula: minimise ``sum_p max(0, -sum_{i in p} NPV_i)`` over partitions of the
    projects into packages of one district and at most ``max_size`` projects
    (``None``: no limit); then, at that minimum, the fewest projects in packages of two
    or more. ``time_limit``: seconds for the whole plan (default none), shared among
    districts, smallest first; a district the solver could not finish keeps the best
    plan found (at worst its projects alone) and ``optimal`` is False.

    Excel equivalent: none built in (Excel Solver with a model built per portfolio).

    A profitable parcel can carry two loss-making communities, or one and a half:

    >>> p = plan_bundles([-300, 500, -250, -80, 90], ["A", "A", "A", "B", "B"], max_size=3)
    >>> p.package.tolist(), p.package_subsidy.tolist(), p.total_subsidy, p.optimal
    ([1, 1, 1, 2, 2], [50.0, 0.0], 50.0, True)
    >>> p.no_bundling, p.district_bound, p.bundled_projects
    (630.0, 50.0, 5)
    """
    values = as_finite("npv", npv, max_ndim=1)
    keys = _district_keys(districts, values.size)
    k = _max_size(max_size, values.size)
    limit = math.inf if time_limit is None else float(as_finite("time_limit", time_limit, max_ndim=0))
    if limit <= 0:
        raise RenewalInputError(f"time_limit: must be more than 0 seconds, got {time_limit!r}")
    groups = _groups(keys)
    deadline = time.monotonic() + limit
    leader_of = np.full(values.size, -1)
    lower, optimal = 0.0, True
    for left, key in enumerate(sorted(groups, key=lambda d: groups[d].size)):
        rows = groups[key][values[groups[key]] != 0]
        solution = solve_district(values[rows], k, (deadline - time.monotonic()) / (len(groups) - left))
        leader_of[rows] = solution.leader_of
        lower += solution.lower_bound
        optimal &= solution.optimal
    package = np.zeros(values.size, dtype=int)
    package_district: list[str] = []
    numbers: dict[tuple[str, int], int] = {}
    for i, (key, lead) in enumerate(zip(keys, leader_of.tolist(), strict=True)):
        if lead < 0 or (key, lead) not in numbers:
            package_district.append(key)
            numbers[(key, lead)] = len(package_district)
        package[i] = len(package_district) if lead < 0 else numbers[(key, lead)]
    package_npv, package_subsidy = package_subsidies(values, package)
    return BundlePlan(package, tuple(package_district), package_npv, package_subsidy,
                      no_bundling_subsidy(values), district_bound(values, keys),
                      min(lower, float(package_subsidy.sum())), optimal)
