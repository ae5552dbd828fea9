"""Report: what a run found, as files and on the terminal.

``records`` holds the report's contents (files, findings, results, packages); ``results``
writes results.json, ``xlsx`` summary.xlsx and ``html`` report.html (from the Jinja2
templates in ``templates/``, its charts laid out by ``charts``); ``atomic`` replaces the
report folder as a whole; ``terminal`` shows progress and the summary.
"""
