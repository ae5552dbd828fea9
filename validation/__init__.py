"""validation: the batch door. ``renewal batch FOLDER --out REPORT`` runs the pipeline

    discover → read/ → check/ → report/

:mod:`validation.batch` discovers the submissions and runs the stages;
:mod:`validation.read` turns each file into rows and findings; :mod:`validation.check`
validates the folder's rows, recomputes every project and compares; :mod:`validation.report`
writes results.json, summary.xlsx and report.html. :mod:`validation.bundle` plans district
packages (``renewal bundle``).
"""
