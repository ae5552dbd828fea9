"""``renewal inspect FILE...``: what the batch's reader sees in workbooks
(:mod:`validation.read.inspect`)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    """``renewal inspect FILE... [--format json]``."""
    parser = sub.add_parser("inspect", parents=[common], help="show what the batch reads from workbooks")
    parser.add_argument("files", nargs="+", metavar="FILE", help="workbooks (.xlsx, .xlsm)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text for people, or one JSON object per file and line")
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from validation.read.inspect import command

    return command(args)
