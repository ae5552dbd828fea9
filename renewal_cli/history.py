"""``renewal history``: the runs ``renewal batch`` recorded, or one project's trajectory
(:mod:`validation.history.listing`)."""

from __future__ import annotations

import argparse


def cmd_history(args: argparse.Namespace) -> int:
    """List the recorded runs, or a project's trajectory (validation.history)."""
    from validation.history.listing import command

    return command(args)


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """``renewal history PATH [--project ID] [--format table|json] [--lang zh|en]``."""
    history = sub.add_parser("history", parents=[common],
                             help="the runs renewal batch recorded, or one project's trajectory")
    history.add_argument("path", metavar="PATH",
                         help="the history file, or a folder holding renewal-history.sqlite (as renewal batch "
                              "writes it beside the report folder)")
    history.add_argument("--project", metavar="ID", default=None,
                         help="one project's trajectory: date, file, status, payback, NPV, findings per run")
    history.add_argument("--format", choices=("table", "json"), default="table", help="output format (default table)")
    history.set_defaults(run=cmd_history)
