"""``renewal bundle SOURCE --out PLAN``: plan district packages (:mod:`validation.bundle.plan`).
The solver and openpyxl load only when it runs."""

from __future__ import annotations

import argparse

from renewal.bundling import DEFAULT_TIME_LIMIT


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    """``renewal bundle SOURCE --out PLAN [--max-size K] [--rate R] [--time-limit S] [--lang zh|en]``;
    ``common``: the options every subcommand takes (``--lang``)."""
    bundle = sub.add_parser("bundle", parents=[common],
                            help="plan district packages that need the least subsidy (片区统筹)")
    bundle.add_argument("source", help="a portfolio workbook, a batch report folder (results.json) "
                                       "or a CSV with project_id,npv[,district]")
    bundle.add_argument("--out", required=True, help="plan folder for plan.json and plan.xlsx (replaced atomically)")
    bundle.add_argument("--max-size", metavar="K", default=None,
                        help="largest number of projects in a package (default: no limit)")
    bundle.add_argument("--rate", metavar="R", default=None,
                        help="compute every NPV at this rate (default: each project's appraisal rate)")
    bundle.add_argument("--time-limit", metavar="S", default=None,
                        help=f"seconds for the solver (default {DEFAULT_TIME_LIMIT:g}); past them the best "
                             "plan found and its gap")
    bundle.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from validation.bundle.plan import command

    return command(args)
