"""``renewal cases``: the paper's reference cases, computed, beside the figures the paper states."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

from renewal.cases import CaseResult, evaluate_cases
from renewal.language import message
from validation.report.terminal import table


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
            f"{fig.text.pick(lang)} [{_metric(fig.metric, fig.stated, lang)} / "
            f"{_metric(fig.metric, value, lang)}]"
            for fig, value in r.paper
        ) or f"({message('cases', 'illustrative', lang)})"
        rows.append([
            r.case.name.pick(lang), r.case.pattern, _money(rec["renovation_surplus"]),
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
        payload = [{"case": r.case.id, "name": r.case.name.pick(args.lang), "pattern": r.case.pattern,
                    **r.record, "cumulative_surplus": r.cumulative_surplus,
                    "best_fit_pattern": r.best_fit,
                    "paper": [{"metric": f.metric, "stated": f.stated, "computed": v,
                               "text": f.text.pick(args.lang)} for f, v in r.paper]}
                   for r in results]
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    header, rows = case_rows(results, args.lang)
    print(message("cases", "title", args.lang))
    print(table(header, rows, right=[False, False, True, True, True, True, True, True, True,
                                      False, False, False]))
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    """``renewal cases [--format table|json]``."""
    cases = sub.add_parser("cases", parents=[common], help="compute the paper's reference cases")
    cases.add_argument("--format", choices=("table", "json"), default="table")
    cases.set_defaults(run=cmd_cases)
