"""Time RISK_PROFILE's Monte Carlo: ours (all trials in one array) vs a per-trial loop.

The peer is the loop an analyst writes without this package, or that a Data
Table of ``RAND()`` rows amounts to: for each trial, the changed flows, then
numpy-financial's ``npv`` and a cumulative sum for the payback. Both run in
the same process on the same draws (:func:`renewal.risk.factor_draws`); the
figures are compared, then the timings and their ratio printed. Also: the
batch's P(NPV < 0) for many projects at once.

    python benchmarks/bench_risk.py [--trials 10000] [--years 30] [--repeat 5] [--projects 10000]
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable

import numpy as np
import numpy_financial as npf
from bench_cashflow import payback_of

from renewal.risk import factor_draws, loss_probability, risk_profile

RATE, SPREAD, SEED = 0.08, 0.1, 0
RO, CO, RK, CK = 4600.0, 7700.0, 627.0, 279.0
"""Jinsong North's drivers (万元): renovation revenue and cost, yearly operating revenue and cost."""


def ours(trials: int, years: int) -> np.ndarray:
    return risk_profile(RO, CO, RK, CK, years, RATE, SPREAD, trials, SEED).rows()[0]


def per_trial(trials: int, years: int) -> np.ndarray:
    """One trial at a time: the flows, numpy-financial's NPV, the payback from a running sum
    (:func:`bench_cashflow.payback_of`, the cash-flow benchmark's peer)."""
    factors = factor_draws(SPREAD, trials, SEED)
    npvs, paybacks = np.empty(trials), np.empty(trials)
    for t, (f_ro, f_co, f_rk, f_ck) in enumerate(factors):
        so, sk = f_ro * RO - f_co * CO, f_rk * RK - f_ck * CK
        flows = np.concatenate([[so], np.full(years, sk)])
        npvs[t] = npf.npv(RATE, flows)
        paybacks[t] = payback_of(flows)
    capped = np.where(np.isinf(paybacks), years + 1.0, paybacks)
    pay = np.percentile(capped, [50, 90])
    return np.array([np.mean(npvs < 0), *np.percentile(npvs, [10, 50, 90]), np.mean(np.isinf(paybacks)),
                     *np.where(pay > years, np.inf, pay)])


def best_of(fn: Callable[..., np.ndarray], repeat: int, *args: int) -> tuple[float, np.ndarray]:
    best, out = float("inf"), np.empty(0)
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - start)
    return best, out


def batch_loss(projects: int, years: int, seed: int = 20261202) -> Callable[[], np.ndarray]:
    """P(NPV < 0) of many projects at once, as ``renewal batch`` computes it."""
    rng = np.random.default_rng(seed)
    ro, co = rng.uniform(0, 5_000, projects), rng.uniform(500, 8_000, projects)
    rk = rng.uniform(100, 700, (projects, years))
    ck = rk * rng.uniform(0.3, 0.7, (projects, 1))
    return lambda: np.asarray(loss_probability(ro, co, rk, ck, years, RATE))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--projects", type=int, default=10_000, help="for the batch's P(NPV < 0)")
    args = parser.parse_args()
    print(f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
          f"numpy {np.__version__}; {args.trials:,} trials x {args.years} years, best of {args.repeat}")
    t_ours, a = best_of(ours, args.repeat, args.trials, args.years)
    t_loop, b = best_of(per_trial, max(1, args.repeat // 2), args.trials, args.years)
    finite = np.isfinite(a) & np.isfinite(b)
    agree = np.array_equal(np.isfinite(a), np.isfinite(b)) and np.allclose(a[finite], b[finite], rtol=1e-9)
    print(f"RISK_PROFILE   renewal {t_ours:.4f} s   per-trial loop {t_loop:.3f} s   ratio {t_loop / t_ours:.0f}x")
    print(f"figures agree (1e-9 relative): {agree}   {np.round(a, 4).tolist()}")
    if args.projects:
        t_batch, loss = best_of(batch_loss(args.projects, args.years), 3)
        print(f"P(NPV < 0) of {args.projects:,} projects x {args.trials:,} trials (the batch): {t_batch:.2f} s "
              f"(mean {loss.mean():.3f})")


if __name__ == "__main__":
    main()
