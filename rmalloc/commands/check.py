"""``rmalloc check``: verify a plan against the rules, with the independent checker.

Every hard rule of the policy is checked, the quarterly re-allocation's too (move caps, tiers
moved only on departure, forbidden RMs, tiers held by hysteresis, the hand-over of a leaver's
customers), and, when the plan has a ``reason_code`` column, every reason it gives.

Exit codes: 0 the plan breaks no rule; 1 it breaks some (a summary by rule and the first
violations, or every violation with ``--json``); 2 bad input (the instance, the policy or the plan
file cannot be read or lacks a required column), reported by :func:`rmalloc.cli.main`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rmalloc.commands._bank import add_bank_arguments, load_bank, read_options
from rmalloc.commands.options import add_options

#: violations listed by the text report (``--json`` lists them all)
SHOWN = 20


#: the line of ``check`` in ``rmalloc --help``
HELP = "check a plan against the rules (exit 1 when it breaks any)"
#: the head of ``rmalloc check --help``
DESCRIPTION = (
    "Check a plan against every rule of the policy with the independent checker, and "
    "recompute its objective. Exit 0 valid, 1 rules broken, 2 bad input."
)


def register(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``check`` to ``p``, the parser ``rmalloc.cli`` made from HELP."""
    add_bank_arguments(p)
    p.add_argument("--plan", type=Path, required=True, help="the plan to check")
    p.add_argument(
        "--coverage", type=Path, help="coverage.csv of the plan (its roles are checked too)"
    )
    add_options(p, "--json", json="print the full report as JSON")
    p.set_defaults(func=run)


def read_plan(path: Path, limits: Any = None, csv_options: Any = None) -> Any:
    """The plan file as text columns, blank lines dropped; :class:`InputError` naming the file
    when it cannot be read or lacks a column of the contract."""
    from allocator.checker import require_plan_columns
    from allocator.io import read_table

    plan = read_table(path, name=path.name, limits=limits, csv_options=csv_options)
    require_plan_columns(plan, source=path.name)
    # read_table keeps blank lines as rows of "" (to number rows like a spreadsheet); a plan's
    # blank line is no customer, so drop it rather than report an empty customer_id
    blank = (plan.astype(str).apply(lambda col: col.str.strip()) == "").all(axis=1)
    return plan[~blank]


def run(args: argparse.Namespace) -> int:
    from allocator.checker import check_plan, score_plan

    instance, policy = load_bank(args)
    limits, csv_options = read_options(args)
    plan = read_plan(args.plan, limits, csv_options)
    # a plan of this product carries reason codes: each must hold (claims about the solve
    # itself need its report, which a plan file does not carry, and are skipped)
    coverage = None
    if args.coverage:
        from allocator.io import read_table

        coverage = read_table(
            args.coverage, name=args.coverage.name, limits=limits, csv_options=csv_options
        )
    report = check_plan(
        instance, plan, policy, reasons="reason_code" in plan.columns, coverage=coverage
    )
    score = score_plan(instance, plan, policy)
    if args.json:
        print(json.dumps({**report.to_dict(), "score": score}, indent=2, ensure_ascii=False))
    else:
        print(report.summary(limit=SHOWN))
        print(
            f"score: cover value {score['cover_value']}, moved {score['moved']}, "
            f"max utilisation {score['max_utilisation']:.3f}, "
            f"{score['assigned']} of {score['customers']} customer(s) with an RM"
        )
    return 0 if report.ok else 1
