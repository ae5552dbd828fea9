"""The ``renewal`` command line: :mod:`renewal_cli.main` builds the parser and runs a
subcommand; each subcommand is a module here (``cases``, ``batch``, ``inspect``,
``template``, ``bundle``) that declares its arguments and calls the door doing the work."""
