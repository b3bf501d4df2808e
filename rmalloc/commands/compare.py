"""``rmalloc compare A.csv B.csv``: two plans side by side (baseline vs scenario, last quarter vs
this): the headline figures and their change, and who gets another RM, by branch and by tier.

With the bank (``--customers/--rms`` or ``--sample``) the comparison also has the customers'
branches, the value of the customers with an RM and RM load against capacity.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rmalloc.commands._bank import add_bank_arguments, bank_sources
from rmalloc.commands.options import add_options

#: the line of ``compare`` in ``rmalloc --help``
HELP = "compare two plans"
#: the head of ``rmalloc compare --help``
DESCRIPTION = (
    "Compare plan A with plan B (plan.csv files of one bank): headline figures "
    "with B - A, the customers whose RM differs, by branch and by tier."
)


def register(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``compare`` to ``p``, the parser ``rmalloc.cli`` made from HELP."""
    p.add_argument("plan_a", type=Path, help="the first plan (e.g. last quarter, or baseline)")
    p.add_argument("plan_b", type=Path, help="the second plan (e.g. this quarter, or scenario)")
    add_bank_arguments(p)
    p.add_argument("--out", type=Path, metavar="DIR", help="also write the tables as CSV here")
    p.add_argument("--top", type=int, default=10, help="branches and tiers shown (default 10)")
    add_options(p, "--json", json="print everything as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from allocator.io import read_table
    from allocator.policy import load_policy
    from allocator.validation import load_instance
    from scenarios.plancompare import BankFacts, compare_plans, records

    facts = None
    if args.sample or args.customers is not None or args.rms is not None:
        customers, rms, branches = bank_sources(args)
        policy = load_policy(args.policy)
        facts = BankFacts.of(load_instance(customers, rms, branches, policy=policy), policy)
    a = read_table(args.plan_a, name=str(args.plan_a))
    b = read_table(args.plan_b, name=str(args.plan_b))
    for name, plan in ((args.plan_a, a), (args.plan_b, b)):
        missing = [c for c in ("customer_id", "rm_id", "tier", "status") if c not in plan]
        if missing:
            print(
                f"rmalloc compare: {name} is not a plan (no {', '.join(missing)})", file=sys.stderr
            )
            return 2
    result = compare_plans(a, b, facts)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        result.headline.to_csv(args.out / "headline.csv", index=False)
        result.by_branch.to_csv(args.out / "by_branch.csv", index=False)
        result.by_tier.to_csv(args.out / "by_tier.csv", index=False)
        result.differ.to_csv(args.out / "differ.csv", index=False)
    if args.json:
        print(
            json.dumps(
                {
                    "headline": records(result.headline),
                    "by_branch": records(result.by_branch),
                    "by_tier": records(result.by_tier),
                    "differ": records(result.differ),
                    "notes": result.notes,
                },
                indent=2,
                default=str,
            )
        )
        return 0
    _print(result, args.top)
    return 0


def _fmt(value: Any) -> str:
    if value is None or value != value:
        return "-"
    number = float(value)
    if abs(number) < 1 and number != 0:
        return f"{number:.1%}"
    return f"{number:,.0f}"


def _print(result: Any, top: int) -> None:
    print(f"{'':46} {'A':>10} {'B':>10} {'B - A':>10}")
    for row in result.headline.itertuples():
        print(f"{row.label:46} {_fmt(row.a):>10} {_fmt(row.b):>10} {_fmt(row.delta):>10}")
    for title, table, key in (
        ("by branch", result.by_branch, "branch_id"),
        ("by tier", result.by_tier, "tier"),
    ):
        print(f"\n{title} (customers whose RM differs first)")
        print(f"{key:16} {'customers':>10} {'with RM A':>10} {'with RM B':>10} {'differ':>8}")
        for row in table.head(top).itertuples():
            name = getattr(row, key) or "(unknown)"
            print(
                f"{name:16} {row.customers:>10,} {row.assigned_a:>10,} {row.assigned_b:>10,} "
                f"{row.differ:>8,}"
            )
    for note in result.notes:
        print(f"\nnote: {note}")
