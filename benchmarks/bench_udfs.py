"""Time one Excel-function call over many project rows against one call per row.

Two paths, both with the payload Excel sends (a column of So, a matrix of Sk,
None for empty cells):

* through xlwings' own Office.js custom-function machinery
  (``xlwings.server.custom_functions_call``, what xlwings Lite runs), which
  converts every argument cell in Python before our code sees it;
* the function itself (``xl_addin.udfs``) called with the same 2-D lists: our
  translation layer plus the model, what the vectorised form saves.

    python benchmarks/bench_udfs.py [--rows 10000] [--years 30]
"""

from __future__ import annotations

import argparse
import asyncio
import time

from xl_addin.testing import use_office_js_runtime

use_office_js_runtime()  # before xlwings: Office.js decorators, Pyodide's JsNull lookup

import numpy as np  # noqa: E402
import xlwings as xw  # noqa: E402
from xlwings import server  # noqa: E402

from xl_addin import udfs  # noqa: E402

CALLS = {  # function -> (arguments before So and Sk, arguments after)
    "payback_years": ((), (None, None)),
    "renewal_npv": ((0.08,), (None,)),
    "renewal_irr": ((), (None,)),
    "balance_status": ((), (None, None, "en")),
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

if __name__ == "__main__":
    main()
