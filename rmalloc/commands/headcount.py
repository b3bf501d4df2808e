"""``rmalloc headcount``: the workforce plan -- hires, certifications, redeployments, transfers --
that reaches coverage targets at least cost, or the most coverage within a budget and quota.

A thin adapter over :mod:`scenarios.headcount`: reads the bank, the staff table and the quota
(every problem at once, exit 2), plans (a MILP solved by HiGHS), verifies the plan by allocating
the bank with it, and writes hires.csv (contract v1.1: ``action, rm_id, branch_id, unit, line,
grade, certifications, count, annual_cost, rule``, then ``role, source, lead_quarters``). With
``--report DIR``: a one-page HTML report, the staffing checks before and after, each branch's
required RMs, the coverage curve and, with ``--quarters N``, the plan over N quarters. Exit 1
when no plan reaches the targets (mode ``cost``) or the verifying allocation misses one.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rmalloc.commands._bank import add_bank_arguments, load_bank
from rmalloc.commands.options import TABLE_FORMATS, add_options
from rmalloc.outputs import check_folder, check_table_path
from rmalloc.progress import LiveProgress, wanted

if TYPE_CHECKING:
    from allocator.instance import Instance
    from allocator.policy import Policy
    from scenarios.headcount import HeadcountPlan

EXIT_OK, EXIT_FAIL = 0, 1


#: the line of ``headcount`` in ``rmalloc --help``
HELP = "workforce plan: hires, certifications, redeployments, transfers (MILP)"
#: the head of ``rmalloc headcount --help``
DESCRIPTION = (
    "Plan the hires (priced from a salary table), certifications, redeployments of "
    "counter and back-office staff and moves of RMs that let the allocator cover each "
    "tier's target share of customers: at least cost (--mode cost), or the most "
    "coverage within --budget and --quota (--mode coverage). Staffing rules are always "
    "checked; --enforce makes them constraints. Every row of hires.csv says the tier or "
    "rule it serves."
)


def register(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``headcount`` to ``p``, the parser ``rmalloc.cli`` made from HELP."""
    from scenarios.headcount import RULE_NAMES

    add_bank_arguments(p)
    p.add_argument(
        "--target", required=True, metavar="TIER=SHARE,...", help="e.g. private=1,high=1,mid=0.95"
    )
    p.add_argument(
        "--staff",
        type=Path,
        metavar="CSV",
        help="staff beyond RMs: branch_id, unit, role, count[, certifications] "
        "(or the older branch_id, staff)",
    )
    p.add_argument(
        "--enforce",
        default="",
        metavar="RULE,...",
        help=f"staffing rules imposed as constraints: {','.join(RULE_NAMES)} or all",
    )
    p.add_argument("--mode", choices=("cost", "coverage"), default="cost", help="default cost")
    p.add_argument("--budget", type=float, metavar="X", help="most the plan may cost a year")
    p.add_argument(
        "--quota", type=Path, metavar="CSV", help="RM posts per branch (职数): branch_id, max_rms"
    )
    p.add_argument(
        "--quarters",
        type=int,
        metavar="N",
        help="also plan over N quarters (4-8): attrition, growth, lead times (with --report)",
    )
    p.add_argument(
        "--salaries",
        default="default",
        metavar="CSV",
        help="salary table: line, grade[, certification][, unit], annual_cost "
        "(default: the shipped illustrative table)",
    )
    p.add_argument("--rules", type=Path, metavar="YAML", help="over scenarios/data/staffing.yaml")
    p.add_argument("--levers", type=Path, metavar="YAML", help="over scenarios/data/levers.yaml")
    p.add_argument("--horizon", type=Path, metavar="YAML", help="over scenarios/data/horizon.yaml")
    add_options(p, "--time-limit", time_limit={"default": 60.0, "help": "per MILP (default 60)"})
    p.add_argument(
        "--verify",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="allocate the bank with the plan and re-plan any shortfall (default: on)",
    )
    add_options(
        p,
        "--out",
        "--report",
        "--quiet",
        out={"metavar": "HIRES.csv", "help": f"the plan's actions: {TABLE_FORMATS}"},
        report="write report.html, summary.json and the tables behind them into DIR",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Plan, write, print a summary."""
    from scenarios.headcount import plan_headcount, write_hires
    from scenarios.headcount.words import action_words, money, purpose_words

    check_table_path(args, "--out", args.out)
    check_folder(args, "--report", args.report)
    options = {
        "salaries": args.salaries,
        "staff": args.staff,
        "rules": args.rules,
        "levers": args.levers,
        "quota": args.quota,
        "enforce": args.enforce,
        "mode": args.mode,
        "budget": args.budget,
        "time_limit": args.time_limit,
    }
    # no solver reports reach here: the line shows the phase and the time against the limit
    with LiveProgress(args.time_limit, enabled=wanted(args.quiet), label="headcount") as live:
        live.phase("reading the bank")
        instance, policy = load_bank(args)
        live.phase("planning (MILP)" + (", then verifying" if args.verify else ""))
        plan = plan_headcount(instance, args.target, policy=policy, verify=args.verify, **options)
        if args.report is not None:
            live.phase("the report: coverage curve" + (", quarters" if args.quarters else ""))
            write_report_folder(args, instance, policy, plan, options)
    write_hires(plan.hires, args.out)
    print(
        f"status {plan.status}: {plan.total_hires} people into posts, first-year cost "
        f"{money(plan.total_cost)} ({plan.params.mode} mode)"
    )
    for action in plan.hires.to_dict(orient="records"):
        print(f"  {action_words(action)} -- {purpose_words(action['rule'])}")
    for row in plan.expected.itertuples(index=False):
        print(
            f"  {row.tier:12} need {row.need:>7} of {row.customers:>7.0f}; plan covers "
            f"{row.model_covers:,.0f}"
        )
    failed = plan.checks_after[plan.checks_after["ok"] == False]  # noqa: E712 (None: not checked)
    if len(failed):
        print(
            f"  staffing rules still unmet after the plan: {len(failed)} "
            f"({', '.join(sorted(set(failed['rule'])))}); --enforce makes them constraints"
        )
    for note in plan.notes:
        print(f"  note: {note}")
    if plan.verification is not None:
        for row in plan.verification.itertuples(index=False):
            print(
                f"  verified {row.tier:12} {row.assigned}/{row.customers} "
                f"({row.share:.1%}, target {row.target:.0%}) {'ok' if row.ok else 'MISSED'}"
            )
    print(f"written {args.out}" + (f" and {args.report}" if args.report is not None else ""))
    if plan.status not in ("optimal", "feasible"):
        return EXIT_FAIL
    missed = plan.verification is not None and not plan.verification["ok"].all()
    return EXIT_FAIL if missed and plan.params.mode == "cost" else EXIT_OK


def write_report_folder(
    args: argparse.Namespace,
    instance: Instance,
    policy: Policy,
    plan: HeadcountPlan,
    options: dict[str, Any],
) -> None:
    """The report folder: the curve, the quarters when asked, report.html and the tables."""
    from scenarios.headcount.curve import coverage_curve
    from scenarios.headcount.horizon import plan_over_quarters
    from scenarios.headcount.report import write_report

    curve = coverage_curve(plan.planner) if plan.planner is not None else None
    quarters = None
    if args.quarters:
        quarters = plan_over_quarters(
            instance,
            args.target,
            policy=policy,
            horizon=args.horizon,
            quarters=args.quarters,
            **options,
        )
    write_report(plan, args.report, curve=curve, quarters=quarters)
