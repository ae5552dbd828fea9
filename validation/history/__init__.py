"""The run history: every ``renewal batch`` run recorded in an SQLite file, and what changed
since the previous run of the same folder.

- :mod:`~validation.history.database`: the file (default location, schema, migrations, opening);
- :mod:`~validation.history.inputs`: a file's extracted inputs, keyed field by field;
- :mod:`~validation.history.changes`: "since the last run" (new, removed, changed, findings);
- :mod:`~validation.history.runs`: recording a run in one transaction, reading runs back;
- :mod:`~validation.history.recorder`: a batch run's side (never costs the report).
"""
