"""Report: what a run found, as its three files and the terminal show it.

``records`` holds the report's data types (a :class:`~validation.report.records.Report`
and the "since the last run" records the run history fills); ``results`` writes
results.json, ``xlsx`` summary.xlsx, ``html`` report.html (from the Jinja2 templates in
``templates/``, its charts laid out by ``charts``); ``atomic`` replaces the report folder
as a whole; ``terminal`` is what the person watching the run sees.
"""
