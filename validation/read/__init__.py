"""Read: a submitted file's bytes to the rows the checks need, one file at a time.

``guards`` (is it a workbook we may open: size, zip bomb, encryption, format) →
``package`` (OPC parts and relationships) → ``strings``, ``styles``, ``cells`` (one
sheet's cells) → ``workbook`` (sheets, defined names and tables by name) → ``extract``
(the template's fields as long rows, findings for what cannot be read). ``runner`` runs
that per file in worker processes or on a cluster; ``cache`` keeps it between runs;
``inspect`` shows a person what the reader sees.
"""
