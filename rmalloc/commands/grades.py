"""``rmalloc grades``: the annual RM grade review (评聘) and, optionally, its effect.

A thin adapter over :mod:`scenarios.grades`: reads rms.csv and rm_performance.csv (every problem
reported at once, exit 2), applies each grade's three tests (the review policy, data), writes
grades.csv (``rm_id, grade, proposed_grade, decided_by``, then the ranks behind them). With
``--customers`` and ``--effect DIR`` it also solves next year's grades as a scenario and writes
the coverage per tier today and next year (key accounts first) and the scenario's files.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rmalloc.commands.options import add_options
from rmalloc.exits import EXIT_BAD_INPUT, EXIT_OK

#: the line of ``grades`` in ``rmalloc --help``
HELP = "annual RM grade review: proposed grades and the test that decided each"
#: the head of ``rmalloc grades --help``
DESCRIPTION = (
    "Review every RM's grade by the three tests of its grade (performance threshold, "
    "contribution rank, quality score; the top contributors are not downgraded for the "
    "threshold) and propose next year's grade. --effect solves next year's grades as a "
    "scenario and shows the coverage of key accounts."
)


def register(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``grades`` to ``p``, the parser ``rmalloc.cli`` made from HELP."""
    p.add_argument("--rms", type=Path, required=True, metavar="CSV", help="rms.csv")
    p.add_argument(
        "--performance", type=Path, required=True, metavar="CSV", help="rm_performance.csv"
    )
    add_options(p, "--out", out={"metavar": "GRADES.csv", "help": "grades.csv"})
    p.add_argument("--customers", type=Path, metavar="CSV", help="customers (for --effect)")
    p.add_argument("--branches", type=Path, metavar="CSV", help="branches (optional)")
    add_options(p, "--policy", policy="allocation policy overrides (grades, tiers)")
    p.add_argument(
        "--review", type=Path, metavar="YAML", help="review policy over grade_review.yaml"
    )
    p.add_argument(
        "--effect",
        type=Path,
        metavar="DIR",
        help="solve next year's grades as a scenario; write effect.csv and the scenario there",
    )
    add_options(p, "--time-limit", time_limit={"default": 30.0, "help": "per solve"})
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Review, write grades.csv, print a summary (and the effect)."""
    from allocator.io import write_csv_safe
    from allocator.policy import load_policy
    from allocator.validation import load_instance
    from scenarios.grades import (
        grades_effect,
        load_performance,
        load_review_policy,
        load_review_rms,
        review_grades,
    )

    if args.effect is not None and args.customers is None:
        print("rmalloc grades: --effect needs --customers (and --branches)", file=sys.stderr)
        return EXIT_BAD_INPUT
    policy = load_policy(args.policy)
    review = load_review_policy(args.review)
    instance = None
    if args.customers is not None:
        instance = load_instance(args.customers, args.rms, args.branches, policy=policy)
        rms = instance.rms
    else:
        rms = load_review_rms(args.rms, policy.grades)
    performance = load_performance(args.performance, rm_ids=set(rms["rm_id"]))
    grades = review_grades(rms, performance, policy.grades, review)
    write_csv_safe(grades, args.out)
    rank = {g: i for i, g in enumerate(policy.grades)}
    up = int((grades["proposed_grade"].map(rank) > grades["grade"].map(rank)).sum())
    down = int((grades["proposed_grade"].map(rank) < grades["grade"].map(rank)).sum())
    print(f"{len(grades)} RMs: {up} proposed for promotion, {down} for a lower grade")
    for reason, n in grades["decided_by"].value_counts().sort_index().items():
        print(f"  decided by {reason:18} {n}")
    print(f"written {args.out}")
    if args.effect is not None and instance is not None:
        effect = grades_effect(instance, grades, policy, time_limit=args.time_limit)
        write_csv_safe(effect.coverage, args.effect / "effect.csv")
        if effect.scenario is not None:
            effect.scenario.write(args.effect / "scenario")
        print("coverage with next year's grades (key accounts first):")
        for row in effect.coverage.itertuples(index=False):
            print(
                f"  {row.tier:10} {row.covered_today:>6} -> {row.covered_next_year:>6} "
                f"of {row.customers} ({row.delta:+d})"
            )
        print(f"written {args.effect}")
    return EXIT_OK
