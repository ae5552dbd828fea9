"""Time annuity debt schedules for many loans: ours (one vectorised call) vs a per-loan loop.

The peer is what an analyst writes without this package: a Python loop over
loans calling numpy-financial's ``ipmt`` and ``ppmt`` for the years of each.
Both run in the same process on the same loans; the schedules are compared
(to 1e-9 relative), then timings and the ratio are printed.

    python benchmarks/bench_financing.py [--loans 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable
from typing import TypeVar

import numpy as np
import numpy_financial as npf

from renewal.financing import debt_schedule

T = TypeVar("T")


def make_loans(loans: int, seed: int = 20261202) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Amounts 100-20,000 (万元), rates 2-6%, terms 5-30 years."""
    rng = np.random.default_rng(seed)
    return (rng.uniform(100, 20_000, loans).round(1), rng.uniform(0.02, 0.06, loans).round(4),
            rng.integers(5, 31, loans))


def ours(amount: np.ndarray, rate: np.ndarray, term: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = debt_schedule(amount, rate, term)
    return s.interest, s.principal


def loop(amount: np.ndarray, rate: np.ndarray, term: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    interest, principal = np.zeros((amount.size, int(term.max()))), np.zeros((amount.size, int(term.max())))
    for i in range(amount.size):
        years = np.arange(1, term[i] + 1)
        interest[i, :term[i]] = -npf.ipmt(rate[i], years, term[i], amount[i])
        principal[i, :term[i]] = -npf.ppmt(rate[i], years, term[i], amount[i])
    return interest, principal


def best_of(repeat: int, function: Callable[..., T], *args: np.ndarray) -> tuple[float, T]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = function(*args)
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    loans = make_loans(args.loans)
    t_ours, got = best_of(args.repeat, ours, *loans)
    t_loop, want = best_of(args.repeat, loop, *loans)
    for a, b in zip(got, want, strict=True):
        assert np.allclose(a, b, rtol=1e-9, atol=1e-9 * loans[0].max())
    print(f"python {platform.python_version()}, numpy {np.__version__}; {args.loans} loans, best of {args.repeat}")
    print(f"ours (one call):           {t_ours:8.3f} s")
    print(f"numpy-financial per loan:  {t_loop:8.3f} s")
    print(f"ratio loop / ours:         {t_loop / t_ours:8.1f}x")


if __name__ == "__main__":
    main()
