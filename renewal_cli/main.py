"""``renewal``: the command line's parser and entry point.

Options every subcommand takes (``--lang``) may go before or after the subcommand. Each
subcommand lives in its own module of this package and loads what it needs only when run.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from renewal.language import DEFAULT_LANG, LANGS
from renewal_cli import batch, bundle, cases, history, inspect, template


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``renewal``."""
    parser = argparse.ArgumentParser(
        prog="renewal",
        description="Two-stage balance of old residential area renewal / 老旧小区微利可持续更新的两阶段平衡",
    )
    parser.add_argument("--lang", choices=LANGS, default=os.environ.get("RENEWAL_LANG", DEFAULT_LANG),
                        help="language of texts: zh or en (default zh, or $RENEWAL_LANG)")
    # Global options may also follow the subcommand (renewal cases --lang en).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lang", choices=LANGS, default=argparse.SUPPRESS,
                        help="language of texts: zh or en (as renewal --lang)")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in (cases, batch, history, inspect, template, bundle):
        command.add_parser(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``renewal`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except BrokenPipeError:  # whoever read the output stopped early (renewal ... | head): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's advice: no second error at exit
        return 141


if __name__ == "__main__":
    sys.exit(main())
