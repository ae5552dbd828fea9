"""``renewal template``: generate the workbook templates and samples. Imports nothing heavy: openpyxl and the formula
engine load only when the command runs, so ``renewal cases`` works without them."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    """``renewal template build [--out DIR] [--workers N]``."""
    template = sub.add_parser("template", parents=[common], help="generate the workbook templates and samples")
    actions = template.add_subparsers(dest="action", required=True)
    build = actions.add_parser(
        "build", parents=[common],
        help="write workbook_templates/*.xlsx, samples/*.xlsx and samples/invalid/ below --out")
    build.add_argument("--out", type=Path, default=Path(),
                       help="output directory (default: the current one, i.e. run it in the repository)")
    build.add_argument("--workers", type=int, default=None, help="processes to use (default: up to 2)")
    build.set_defaults(run=cmd_template_build)


def cmd_template_build(args: argparse.Namespace) -> int:
    """Write every generated workbook and print the paths."""
    from workbook_templates.build import MANIFEST, build_all

    for made in build_all(args.out, args.workers):
        print(args.out / made.path)
    print(args.out / MANIFEST)
    return 0
