"""Shared test settings: hypothesis profiles (CI is the default; `dev` runs more examples)."""

import os

from xl_addin.testing import use_office_js_runtime

# The Excel functions are tested through xlwings' Office.js custom-function
# machinery (xlwings.server), the one xlwings Lite runs: set up before xlwings
# is imported (see xl_addin/testing.py for what it sets and why).
use_office_js_runtime()

from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("ci", max_examples=200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
