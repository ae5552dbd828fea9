"""pandera, loaded without its optional Dask frame support.

The batch validates pandas frames only. With Dask installed (the ``cluster``
extra, for ``--scheduler``), pandera imports dask.dataframe while it builds
the first schema, which costs 1.2 s of every run. So pandera's Dask typing
module is loaded as if dask.dataframe were absent; nothing else is changed,
and anything that imports dask.dataframe later gets it as usual.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType


def _load() -> tuple[ModuleType, type]:
    if "dask.dataframe" not in sys.modules and "pandera.typing.dask" not in sys.modules:
        sys.modules["dask.dataframe"] = None  # type: ignore[assignment]
        try:
            importlib.import_module("pandera.typing.dask")
        finally:
            del sys.modules["dask.dataframe"]
    typing = importlib.import_module("pandera.typing")
    return importlib.import_module("pandera.pandas"), typing.Series


pa, Series = _load()
"""``pandera.pandas`` and ``pandera.typing.Series``."""
