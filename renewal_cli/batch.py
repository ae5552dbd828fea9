"""``renewal batch``: check every project workbook below a folder and write the report
(:mod:`validation.batch`). pandas, pandera and openpyxl load only when it runs."""

from __future__ import annotations

import argparse


def cmd_batch(args: argparse.Namespace) -> int:
    """Check every project workbook below a folder and write the report (validation.batch)."""
    from validation.batch import command  # pandas, pandera, openpyxl: loaded only to batch

    return command(args)


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """``renewal batch FOLDER --out REPORT [--workers N] [--cache DIR] [--scheduler ADDRESS]
    [--fail-on LEVEL] [--history PATH | --no-history] [--lang zh|en] [--verbose]``."""
    batch = sub.add_parser("batch", parents=[common], help="check every project workbook below a folder (nightly)")
    batch.add_argument("folder", help="folder of submitted workbooks, or one workbook (only read)")
    batch.add_argument("--out", required=True,
                       help="report folder for results.json, summary.xlsx, report.html (replaced atomically)")
    batch.add_argument("--workers", type=_at_least_one, default=None,
                       help="processes reading workbooks in parallel (default: the machine's cores)")
    batch.add_argument("--cache", metavar="DIR", default=None,
                       help="reuse what was read from files unchanged since the last run (by sha256)")
    batch.add_argument("--scheduler", metavar="ADDRESS", default=None,
                       help="read on a Dask cluster, e.g. tcp://10.0.0.5:8786 (pip install 'renewal-balance[cluster]')")
    batch.add_argument("--fail-on", choices=("error", "warning", "never"), default="error",
                       help="exit 1 when a finding reaches this severity (default error)")
    history = batch.add_mutually_exclusive_group()
    history.add_argument("--history", metavar="PATH", default=None,
                         help="the run history (SQLite; a folder: its renewal-history.sqlite) this run is recorded "
                              "in and compared with (default: $RENEWAL_HISTORY, else renewal-history.sqlite beside "
                              "the report folder)")
    history.add_argument("--no-history", action="store_true",
                         help="neither record this run nor compare it with the previous one")
    batch.add_argument("--verbose", action="store_true",
                       help="print a line per file, and what went wrong inside the reader")
    batch.set_defaults(run=cmd_batch)


