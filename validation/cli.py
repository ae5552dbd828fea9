"""The ``renewal`` command line: ``cases`` (the paper's cases), and the doors
that read and write files (``batch``, ``template``) as they land."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from renewal.cases import CaseResult, evaluate_cases
from renewal.language import DEFAULT_LANG, LANGS, message
from validation import bundle, inspect
from validation.tables import render
from workbook_templates.command import add_template_parser


def _money(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def _years(value: float | None, lang: str) -> str:
    return message("cases", "never", lang) if value is None else f"{value:.2f}"


def _metric(metric: str, value: float | None, lang: str) -> str:
    if metric in ("payback_years", "years_to_target"):
        return _years(value, lang)
    return _money(value)


def case_rows(results: Sequence[CaseResult], lang: str) -> tuple[list[str], list[list[str]]]:
    """The cases table: one row per case, the paper's figures beside the computed ones."""
    keys = ["case", "pattern", "So", "Sk", "horizon", "payback", "npv", "gap", "irr", "status",
            "best_fit", "paper"]
    header = [message("cases", k, lang) for k in keys]
    rows = []
    for r in results:
        rec = r.record
        irr = rec["irr"]
        paper = "; ".join(
            f"{fig.text(lang)} [{_metric(fig.metric, fig.stated, lang)} / "
            f"{_metric(fig.metric, value, lang)}]"
            for fig, value in r.paper
        ) or f"({message('cases', 'illustrative', lang)})"
        rows.append([
            r.case.name(lang), r.case.pattern, _money(rec["renovation_surplus"]),
            _money(rec["operating_surpluses"][0]), str(rec["horizon"]),
            _years(rec["payback_years"], lang), _money(round(rec["npv"], 1)),
            _money(round(rec["subsidy_gap"], 1)),
            message("cases", "none", lang) if irr is None else f"{irr:.2%}",
            str(rec["balance_status"]), r.best_fit or "-", paper,
        ])
    return header, rows


def cmd_cases(args: argparse.Namespace) -> int:
    """Print the paper's reference cases, computed."""
    results = evaluate_cases(args.lang)
    if args.format == "json":
        payload = [{"case": r.case.id, "name": r.case.name(args.lang), "pattern": r.case.pattern,
                    **r.record, "cumulative_surplus": r.cumulative_surplus,
                    "best_fit_pattern": r.best_fit,
                    "paper": [{"metric": f.metric, "stated": f.stated, "computed": v,
                               "text": f.text(args.lang)} for f, v in r.paper]}
                   for r in results]
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    header, rows = case_rows(results, args.lang)
    print(message("cases", "title", args.lang))
    print(render(header, rows, right=[False, False, True, True, True, True, True, True, True,
                                      False, False, False]))
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    """Check every project workbook below a folder and write the report (validation.batch)."""
    from validation.batch import command  # pandas, pandera, openpyxl: loaded only to batch

    return command(args)


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def add_batch_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """``renewal batch FOLDER --out REPORT [--workers N] [--cache DIR] [--scheduler ADDRESS]
    [--fail-on LEVEL] [--lang zh|en] [--verbose]``."""
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
    batch.add_argument("--verbose", action="store_true",
                       help="print a line per file, and what went wrong inside the reader")
    batch.set_defaults(run=cmd_batch)


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
    cases = sub.add_parser("cases", parents=[common], help="compute the paper's reference cases")
    cases.add_argument("--format", choices=("table", "json"), default="table")
    cases.set_defaults(run=cmd_cases)
    add_batch_parser(sub, common)
    inspect.add_parser(sub, common)
    add_template_parser(sub)
    bundle.add_parser(sub, common)
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
