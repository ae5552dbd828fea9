"""workbook_templates: the project and portfolio workbook templates, their contract
(``contract``: sheets, defined names, tables) and the code that generates them
(``renewal template build``: ``build``).

Modules: ``book`` (a project workbook's sheets in order), ``guide``, ``project``
(input sheets), ``results``, ``portfolio``, ``lists``, ``layout`` and ``styles``
(building blocks and the one look), ``filling`` (inputs as data), ``invalid``
(broken samples), ``runtime`` (how formulas name the functions per runtime),
``engine`` (the formula engine bound to the model), ``cached`` (cached values in
the package), ``render`` (a workbook to its file's bytes, calculated and cached); the CLI
subcommand is ``renewal_cli.template``.
"""
