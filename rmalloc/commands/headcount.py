"""``rmalloc headcount``: the least-cost hires that reach coverage targets per tier.

A thin adapter over :func:`scenarios.headcount.plan_headcount` (a MILP over hireable profiles,
solved by HiGHS): reads the bank, writes HIRES.csv (``line, grade, certifications, branch_id,
unit, count, cost``) and, with ``--report DIR``, the staffing checks before and after, each
outlet's required RM count and a JSON summary. Exit 1 when no set of hires reaches the targets
(or, with ``--verify``, when the allocation with the hires still misses one).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rmalloc.commands._bank import add_bank_arguments, load_bank
from rmalloc.outputs import check_folder, check_table_path, write_json
from rmalloc.progress import LiveProgress, wanted

EXIT_OK, EXIT_FAIL = 0, 1


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``headcount`` subcommand."""
    from scenarios.headcount import RULE_NAMES

    p = subparsers.add_parser(
        "headcount",
        help="least-cost hires so that coverage reaches targets per tier (MILP)",
        description=(
            "Plan the least-cost hires (line x grade x certification x branch x unit, priced from "
            "a salary table) so that the allocator can cover each tier's target share of "
            "customers. Staffing rules are always checked; --enforce makes them constraints."
        ),
    )
    add_bank_arguments(p)
    p.add_argument(
        "--target",
        required=True,
        metavar="TIER=SHARE,...",
        help="coverage targets, e.g. private=1.0,high=1.0,mid=0.95",
    )
    p.add_argument(
        "--salaries",
        default="default",
        metavar="CSV",
        help="salary table: line, grade[, certification][, unit], annual_cost "
        "(default: the shipped illustrative table)",
    )
    p.add_argument(
        "--staff",
        type=Path,
        metavar="CSV",
        help="staff per branch (branch_id, staff), for the RM-share rule",
    )
    p.add_argument(
        "--enforce",
        default="",
        metavar="RULE,...",
        help=f"staffing rules to impose as constraints: {','.join(RULE_NAMES)} or all",
    )
    p.add_argument(
        "--rules",
        type=Path,
        metavar="YAML",
        help="staffing rules / hiring options over scenarios/data/staffing.yaml",
    )
    p.add_argument(
        "--time-limit",
        type=float,
        default=60.0,
        metavar="S",
        help="seconds for the MILP (default 60)",
    )
    p.add_argument(
        "--verify",
        action="store_true",
        help="allocate with the hires, check the plan and re-plan any shortfall",
    )
    p.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="HIRES.csv",
        help="the hires: .csv (spreadsheet-safe), .parquet/.pq or .xlsx, by suffix",
    )
    p.add_argument(
        "--report",
        type=Path,
        metavar="DIR",
        help="also write checks_before.csv, checks_after.csv, required_rms.csv, summary.json",
    )
    p.add_argument("--quiet", action="store_true", help="no progress line on the terminal")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Plan, write, print a summary."""
    from allocator.io import write_csv_safe
    from scenarios.headcount import RULE_NAMES, plan_headcount, required_rms, write_hires

    check_table_path(args, "--out", args.out)
    check_folder(args, "--report", args.report)
    enforce = [r.strip() for r in args.enforce.split(",") if r.strip()]
    if enforce == ["all"]:
        enforce = list(RULE_NAMES)
    # no solver reports reach here: the line shows the phase and the time against the limit
    with LiveProgress(args.time_limit, enabled=wanted(args.quiet), label="headcount") as live:
        live.phase("reading the bank")
        instance, policy = load_bank(args)
        live.phase("planning hires (MILP)" + (", then verifying" if args.verify else ""))
        plan = plan_headcount(
            instance,
            args.target,
            policy=policy,
            salaries=args.salaries,
            staff=args.staff,
            enforce=enforce,
            rules=args.rules,
            time_limit=args.time_limit,
            verify=args.verify,
        )
    write_hires(plan.hires, args.out)
    if args.report is not None:
        write_csv_safe(plan.checks_before, args.report / "checks_before.csv")
        write_csv_safe(plan.checks_after, args.report / "checks_after.csv")
        required = required_rms(instance, policy, plan.targets)
        write_csv_safe(required, args.report / "required_rms.csv")
        write_json(args.report / "summary.json", json.dumps(plan.summary(), indent=2))
    print(f"status {plan.status}: {plan.total_hires} hires, annual cost {plan.total_cost:,.0f}")
    for row in plan.expected.itertuples(index=False):
        print(
            f"  {row.tier:12} need {row.need:>7} of {row.customers:>7.0f}; plan covers "
            f"{row.model_covers:,.0f}"
        )
    failed = plan.checks_after[plan.checks_after["ok"] == False]  # noqa: E712 (None: not checked)
    if len(failed):
        print(
            f"  staffing rules still unmet after the hires: {len(failed)} "
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
    if plan.status not in ("optimal", "feasible"):
        return EXIT_FAIL
    if plan.verification is not None and not plan.verification["ok"].all():
        return EXIT_FAIL
    print(f"written {args.out}")
    return EXIT_OK
