"""Time one Excel-function call over many project rows against one call per row,
and one call for one project against numpy-financial.

Two paths, both with the payload Excel sends (a column of So, a matrix of Sk,
None for empty cells):

* through xlwings' own Office.js custom-function machinery
  (``xlwings.server.custom_functions_call``, what xlwings Lite runs), which
  converts every argument cell in Python before our code sees it;
* the function itself (``xl_addin.udfs``) called with the same 2-D lists: our
  translation layer plus the model, what the vectorised form saves.

Then the per-call time of every cash-flow function for one project (the
formula ``=RENEWAL_IRR(A2, B2:U2)`` filled down a sheet), the function itself,
beside numpy-financial's ``irr``, ``npv``, ``mirr`` and ``pmt`` on the same
flows, median of many calls, in the same run.

    python benchmarks/bench_udfs.py [--rows 10000] [--years 30]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from xl_addin.testing import use_office_js_runtime

use_office_js_runtime()  # before xlwings: Office.js decorators, Pyodide's JsNull lookup

import numpy as np  # noqa: E402
import numpy_financial as npf  # noqa: E402
import xlwings as xw  # noqa: E402
from xlwings import server  # noqa: E402

from xl_addin import udfs  # noqa: E402

CALLS = {  # function -> (arguments before So and Sk, arguments after)
    "payback_years": ((), (None, None)),
    "renewal_npv": ((0.08,), (None,)),
    "renewal_irr": ((), (None,)),
    "balance_status": ((), (None, None, "en")),
}
ONE_PROJECT = CALLS | {  # function -> (arguments before So and Sk, arguments after)
    "renewal_mirr": ((), (0.08, 0.08, None)),
    "years_to_return": ((0.08,), (None,)),
}
PEERS = {  # the Excel function -> numpy-financial's call on the flows [So, S1..Sn]
    "renewal_npv": ("npf.npv", lambda cash: npf.npv(0.08, cash)),
    "renewal_irr": ("npf.irr", npf.irr),
    "renewal_mirr": ("npf.mirr", lambda cash: npf.mirr(cash, 0.08, 0.08)),
}


def through_xlwings(name: str, *args: object) -> list:
    payload = {"func_name": name, "args": list(args), "version": xw.__version__,
               "client": "Office.js", "runtime": "1.4"}
    return asyncio.run(server.custom_functions_call(payload, udfs))


def clock(fn, *args: object) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=30)
    args = parser.parse_args()
    rng = np.random.default_rng(11)
    so = [[float(v)] for v in np.round(-rng.uniform(100, 5000, args.rows), 2)]
    sk = [[float(v) for v in row] for row in np.round(rng.normal(300, 200, (args.rows, args.years)), 2)]
    print(f"{args.rows:,} project rows x {args.years} years")
    print(f"{'':18}{'via xlwings.server':>34}{'the function itself':>34}")
    print(f"{'function':18}" + f"{'one call':>11}{'row by row':>13}{'ratio':>10}" * 2)
    for name, (before, after) in CALLS.items():
        function = getattr(udfs, name)

        def row_by_row(call, *prefix, before=before, after=after) -> list:
            return [call(*prefix, *before, [s], [k], *after) for s, k in zip(so, sk, strict=True)]

        assert len(through_xlwings(name, *before, so, sk, *after)) == args.rows
        times = [
            clock(through_xlwings, name, *before, so, sk, *after),
            clock(row_by_row, through_xlwings, name),
            clock(function, *before, so, sk, *after),
            clock(row_by_row, function),
        ]
        print(f"{name.upper():18}{times[0]:>10.3f}s{times[1]:>12.2f}s{times[1] / times[0]:>9.1f}x"
              f"{times[2]:>10.3f}s{times[3]:>12.2f}s{times[3] / times[2]:>9.0f}x")
    one_project(so[:1], sk[:1])

def per_call(fn, *args: object, calls: int = 2000) -> float:
    """Median seconds of one call, over ``calls`` calls timed in batches of 20."""
    batches = []
    for _ in range(calls // 20):
        start = time.perf_counter()
        for _ in range(20):
            fn(*args)
        batches.append((time.perf_counter() - start) / 20)
    return statistics.median(batches)


def one_project(so: list, sk: list) -> None:
    """Each function on one project (one So cell, one row of Sk), beside numpy-financial."""
    cash = [so[0][0], *sk[0]]
    print(f"\none project ({len(sk[0])} years), per call: the function itself and numpy-financial")
    print(f"{'function':26}{'ours':>10}{'numpy-financial':>24}{'npf/ours':>10}")
    rows = [(name, getattr(udfs, name), (*before, so, sk, *after)) for name, (before, after) in ONE_PROJECT.items()]
    rows.append(("required_annual_surplus", udfs.required_annual_surplus, (so, len(sk[0]), 0.08)))
    for name, function, args in rows:
        ours = per_call(function, *args)
        line = f"{name.upper():26}{ours * 1e6:>8.1f}µs"
        peer = PEERS.get(name) or (("npf.pmt", lambda _: npf.pmt(0.08, len(sk[0]), so[0][0]))
                                   if name == "required_annual_surplus" else None)
        if peer:
            theirs = per_call(peer[1], cash)
            line += f"{peer[0]:>16}{theirs * 1e6:>8.1f}µs{theirs / ours:>7.1f}x"
        print(line)


if __name__ == "__main__":
    main()
