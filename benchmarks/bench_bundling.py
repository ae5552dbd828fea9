"""The district bundling planner on 50, 200 and 1,000 projects with K = 2, 3, 5, in one run.

For each size and K: the planner's time (both objectives), whether it proved the optimum, its
gap, and its total subsidy beside the baselines (no bundling; one package per district, the
bound without a size limit) and a greedy pairing (each profitable project, largest first,
takes the largest deficits it can still cover, then one more it covers in part, up to K).

The solver choice: the same district programs (``renewal.bundling.district_model``) solved by
HiGHS (``scipy.optimize.milp``, what the planner uses) and by OR-Tools CP-SAT (one worker, the
program's coefficients scaled to integers, 1e-6 of the district's largest |NPV|), each with
the same time per district; printed when ortools is installed (``pip install ortools``; it is
no dependency of the package).

Instances: about 25 projects a district (districts drawn at random), a quarter of them
profitable (NPV lognormal around +3,000 万元), the rest loss-making (around -800 万元).

    python benchmarks/bench_bundling.py [--sizes 50 200 1000] [--ks 2 3 5] [--time-limit 60]
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable, Sequence

import numpy as np
import scipy

from renewal.bundling import DistrictModel, district_model, plan_bundles

PER_DISTRICT = 25


def instance(n: int, seed: int = 20261202) -> tuple[np.ndarray, list[str]]:
    """NPVs (万元, to 0.1) and districts of ``n`` projects."""
    rng = np.random.default_rng(seed + n)
    districts = rng.integers(0, max(1, n // PER_DISTRICT), n)
    fat = rng.random(n) < 0.25
    npv = np.where(fat, rng.lognormal(np.log(3000), 0.8, n), -rng.lognormal(np.log(800), 0.9, n))
    return npv.round(1), [f"D{d:03d}" for d in districts]


def greedy(npv: np.ndarray, districts: Sequence[str], k: int) -> float:
    """Total subsidy of the greedy pairing (see the module's docstring)."""
    total = 0.0
    for district in dict.fromkeys(districts):
        rows = np.array([i for i, d in enumerate(districts) if d == district])
        values = npv[rows]
        fat = sorted(values[values > 0], reverse=True)
        thin = sorted(-values[values < 0], reverse=True)
        for surplus in fat:
            left, taken = surplus, 1
            for d in [d for d in thin if d <= left]:
                if taken == k:
                    break
                if d <= left:
                    left -= d
                    taken += 1
                    thin.remove(d)
            if taken < k and thin and left > 0:
                total += thin.pop(0) - left
        total += sum(thin)
    return total


def _cpsat(m: DistrictModel, seconds: float) -> tuple[float, bool]:
    """CP-SAT on one district's program: its objective (scaled, without the constant), proven optimal."""
    from ortools.sat.python import cp_model

    p, scale = m.program, 1e6
    model = cp_model.CpModel()
    integral = p.integral.astype(bool)
    y_top = int(scale * np.abs(m.values).sum()) + 1
    x = [model.NewBoolVar(f"x{j}") if integral[j] else model.NewIntVar(0, y_top, f"y{j}") for j in range(p.cost.size)]
    for j in np.flatnonzero(integral & (p.var_upper == 0)):
        model.Add(x[j] == 0)
    weight = np.where(integral, scale, 1.0)
    rows: dict[int, list[tuple[int, float]]] = {}
    for r, c, a in zip(p.rows.tolist(), p.cols.tolist(), p.coefs.tolist(), strict=True):
        rows.setdefault(r, []).append((c, a))
    for r, terms in rows.items():
        model.Add(sum(round(a * weight[c]) * x[c] for c, a in terms) <= round(p.upper[r] * scale))
    model.Minimize(sum(round(p.cost[j] * weight[j]) * x[j] for j in range(p.cost.size)))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 1
    status = solver.Solve(model)
    return solver.ObjectiveValue() / scale, status == cp_model.OPTIMAL


def _highs(m: DistrictModel, seconds: float) -> tuple[float, bool]:
    """HiGHS on one district's program, as the planner's first stage."""
    result = m.program.solve(seconds)
    return result.fun, result.status == 0


def compare(npv: np.ndarray, districts: Sequence[str], k: int, per_district: float,
            solve: Callable[[DistrictModel, float], tuple[float, bool]]) -> tuple[float, float, int]:
    """One solver on every district's program (primary objective): seconds, total subsidy, districts proven."""
    seconds = subsidy = 0.0
    proven = 0
    for district in dict.fromkeys(districts):
        values = npv[[i for i, d in enumerate(districts) if d == district]]
        values = values[values != 0]
        if k < 2 or not ((values > 0).any() and (values < 0).any()):
            subsidy += float(np.maximum(0, -values).sum())
            proven += 1
            continue
        m = district_model(values, k)
        start = time.perf_counter()
        objective, optimal = solve(m, per_district)
        seconds += time.perf_counter() - start
        subsidy += (objective + m.constant) * m.scale
        proven += optimal
    return seconds, subsidy, proven


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200, 1000])
    parser.add_argument("--ks", type=int, nargs="+", default=[2, 3, 5])
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds for one plan (default 60)")
    parser.add_argument("--per-district", type=float, default=10.0,
                        help="seconds per district in the solver comparison (default 10)")
    args = parser.parse_args()
    try:
        import ortools
        peer = f"ortools {ortools.__version__}"
    except ImportError:
        peer = None
    print(f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__} (HiGHS), "
          f"{peer or 'ortools not installed: no CP-SAT comparison'}; {platform.machine()}")
    print("\n| projects | districts | K | time (s) | optimal | gap | plan | no bundling | one per district "
          "| greedy | greedy / plan |")
    print("|---:|---:|---:|---:|:---:|---:|---:|---:|---:|---:|---:|")
    comparisons = []
    for n in args.sizes:
        npv, districts = instance(n)
        for k in args.ks:
            start = time.perf_counter()
            plan = plan_bundles(npv, districts, k, args.time_limit)
            seconds = time.perf_counter() - start
            pairing = greedy(npv, districts, k)
            print(f"| {n:,} | {len(set(districts))} | {k} | {seconds:.2f} | {'yes' if plan.optimal else 'no'} "
                  f"| {plan.gap:.2e} | {plan.total_subsidy:,.0f} | {plan.no_bundling:,.0f} "
                  f"| {plan.district_bound:,.0f} | {pairing:,.0f} | {pairing / plan.total_subsidy:.2f} |")
            if peer:
                comparisons.append((n, k, compare(npv, districts, k, args.per_district, _highs),
                                    compare(npv, districts, k, args.per_district, _cpsat)))
    if comparisons:
        print(f"\nSolver choice, primary objective only, {args.per_district:g} s per district at most:")
        print("\n| projects | K | HiGHS (s) | CP-SAT (s) | CP-SAT / HiGHS time | districts proven HiGHS / CP-SAT "
              "| subsidy HiGHS | subsidy CP-SAT |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for n, k, (h_s, h_sub, h_ok), (c_s, c_sub, c_ok) in comparisons:
            print(f"| {n:,} | {k} | {h_s:.2f} | {c_s:.2f} | {c_s / h_s:.2f} | {h_ok} / {c_ok} "
                  f"| {h_sub:,.1f} | {c_sub:,.1f} |")


if __name__ == "__main__":
    main()
