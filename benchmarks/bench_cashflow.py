"""Time payback + NPV + IRR for many projects: ours (vectorised) vs a per-project loop.

The peer is what a finance analyst writes without this package: a Python loop
over projects calling numpy-financial's ``npv`` and ``irr`` and a numpy
cumulative sum for the payback. Both run in the same process on the same
flows; results are compared, then timings and ratios printed.

    python benchmarks/bench_cashflow.py [--projects 100000] [--years 30] [--repeat 3]
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import numpy_financial as npf

from renewal.cashflow import irr, npv, payback_years

RATE = 0.08


def make_flows(projects: int, years: int, seed: int = 20261127) -> tuple[np.ndarray, np.ndarray]:
    """Realistic renewal projections: an investment, then revenue and cost growing
    at their own rates; where costs outgrow revenue the late years turn negative
    (two sign changes), as in real projections."""
    rng = np.random.default_rng(seed)
    so = -rng.uniform(500, 50_000, projects)
    revenue = rng.uniform(50, 5_000, projects)[:, None]
    cost = revenue * rng.uniform(0.3, 0.9, projects)[:, None]
    k = np.arange(years)
    g_r = rng.uniform(0.0, 0.04, projects)[:, None]
    g_c = rng.uniform(0.0, 0.06, projects)[:, None]
    sk = revenue * (1 + g_r) ** k - cost * (1 + g_c) ** k
    return so, sk


def ours(so: np.ndarray, sk: np.ndarray) -> tuple[np.ndarray, ...]:
    return payback_years(so, sk), npv(RATE, so, sk), irr(so, sk)


def payback_of(flows: np.ndarray) -> float:
    """A loop's payback of one project's flows (t = 0..n): where the running sum first reaches 0,
    interpolated within the year; 0 if So >= 0, inf if never."""
    running = np.cumsum(flows)
    hit = np.flatnonzero(running[1:] >= 0)
    if flows[0] >= 0:
        return 0.0
    if hit.size:
        t = hit[0]
        return float(t + -running[t] / (running[t + 1] - running[t]))
    return np.inf


def loop(so: np.ndarray, sk: np.ndarray) -> tuple[np.ndarray, ...]:
    pay, values, rates = (np.empty(so.size) for _ in range(3))
    for i in range(so.size):
        flows = np.concatenate([[so[i]], sk[i]])
        pay[i] = payback_of(flows)
        values[i] = npf.npv(RATE, flows)
        rates[i] = npf.irr(flows)
    return pay, values, rates


def best_of(fn, repeat: int, *args) -> tuple[float, tuple]:
    best, out = float("inf"), ()
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - start)
    return best, out


def timed_parts(so: np.ndarray, sk: np.ndarray, repeat: int) -> dict[str, float]:
    return {
        "payback": best_of(payback_years, repeat, so, sk)[0],
        "npv": best_of(lambda a, b: npv(RATE, a, b), repeat, so, sk)[0],
        "irr": best_of(irr, repeat, so, sk)[0],
    }


def timed_loop_parts(so: np.ndarray, sk: np.ndarray) -> dict[str, float]:
    flows = np.concatenate([so[:, None], sk], axis=1)
    start = time.perf_counter()
    for row in flows:
        npf.irr(row)
    t_irr = time.perf_counter() - start
    start = time.perf_counter()
    for row in flows:
        npf.npv(RATE, row)
    t_npv = time.perf_counter() - start
    return {"npv": t_npv, "irr": t_irr}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    so, sk = make_flows(args.projects, args.years)
    cash = np.concatenate([so[:, None], sk], axis=1)
    signs = np.sign(cash)
    several = ((signs[:, 1:] * signs[:, :-1]) < 0).sum(axis=1) >= 2

    t_ours, (p1, n1, r1) = best_of(ours, args.repeat, so, sk)
    t_loop, (p2, n2, r2) = best_of(loop, 1, so, sk)
    parts = timed_parts(so, sk, args.repeat)
    loop_parts = timed_loop_parts(so, sk)

    both = ~np.isnan(r1) & ~np.isnan(r2)
    print(f"machine: {platform.machine()}, {platform.python_implementation()} "
          f"{platform.python_version()}, numpy {np.__version__}")
    print(f"flows: {args.projects:,} projects x {args.years} years; "
          f"{several.mean():.1%} with several sign changes; {np.isnan(r1).mean():.1%} without IRR")
    print(f"agreement: payback equal {np.allclose(p1, p2, rtol=1e-12, equal_nan=True)}, "
          f"NPV max rel diff {np.max(np.abs(n1 - n2) / np.maximum(1, np.abs(n2))):.1e}, "
          f"IRR max rel diff {np.max(np.abs(r1[both] - r2[both]) / np.abs(r2[both])):.1e}, "
          f"IRR none in both {np.array_equal(np.isnan(r1), np.isnan(r2))}")
    print(f"{'':24}{'renewal':>12}{'loop':>12}{'ratio':>10}")
    print(f"{'payback + NPV + IRR':24}{t_ours:>11.3f}s{t_loop:>11.3f}s{t_loop / t_ours:>9.0f}x")
    for name in ("npv", "irr"):
        print(f"{name.upper():24}{parts[name]:>11.3f}s{loop_parts[name]:>11.3f}s"
              f"{loop_parts[name] / parts[name]:>9.0f}x")
    print(f"{'payback':24}{parts['payback']:>11.3f}s")


if __name__ == "__main__":
    main()
