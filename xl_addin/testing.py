"""Run the cell functions through xlwings' Office.js machinery on CPython (tests, benchmarks).

Call :func:`use_office_js_runtime` before ``xlwings`` is first imported. It
sets ``XLWINGS_ON_SERVER=true`` (the decorators become xlwings.server's, the
machinery xlwings Lite runs) and ``XLWINGS_LICENSE_KEY=noncommercial`` (xlwings
PRO's noncommercial licence, for tests and benchmarks only: users of classic
xlwings or xlwings Lite need no key). It also provides ``pyodide.ffi.JsNull``,
which xlwings looks up for every argument cell: in Pyodide that import is a
dictionary hit; on CPython it would be a failing import per cell (25 µs each),
which is not what users of xlwings Lite experience. No value is ever a
``JsNull`` here, exactly as with CPython without the stand-in.
"""

from __future__ import annotations

import os
import sys
import types


def use_office_js_runtime() -> None:
    """Make xlwings' decorators the Office.js ones and its per-cell JsNull check cheap."""
    if "xlwings" in sys.modules and os.environ.get("XLWINGS_ON_SERVER") != "true":
        raise RuntimeError("call use_office_js_runtime() before xlwings is imported")
    os.environ.setdefault("XLWINGS_ON_SERVER", "true")
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    if "pyodide" not in sys.modules:
        ffi = types.ModuleType("pyodide.ffi")
        ffi.JsNull = type("JsNull", (), {})  # type: ignore[attr-defined]  # a stand-in module, built here
        package = types.ModuleType("pyodide")
        package.ffi = ffi  # type: ignore[attr-defined]  # as above
        sys.modules["pyodide"], sys.modules["pyodide.ffi"] = package, ffi
