"""``rmalloc scenario run``: solve a what-if scenario and compare it with its baseline.

A thin adapter over :func:`scenarios.run.run_scenario`: it writes plan.csv, kpis.json,
comparison.csv, the edited bank (customers.csv, rms.csv, branches.csv, policy.yaml) and, when RMs
depart, handover.csv, then prints the headline rows of the comparison.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from rmalloc.commands.options import add_options

EXIT_OK = 0

#: comparison rows printed to the terminal (all rows are in comparison.csv)
HEADLINE = (
    "assigned",
    "cover_value",
    "cover_share",
    "status.moved",
    "status.reassigned",
    "status.unassigned",
    "headcount.total",
    "cost.total",
    "changed_vs_baseline",
)


#: the line of ``scenario`` in ``rmalloc --help``
HELP = "what-if scenarios: edit the bank or the policy, re-solve, compare"
#: the head of ``rmalloc scenario --help``
DESCRIPTION = "What-if scenarios (see scenarios/README.md for the spec format)."


def register(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``scenario`` to ``p``, the parser ``rmalloc.cli`` made from HELP."""
    sub = p.add_subparsers(dest="scenario_command", metavar="ACTION")
    sub.required = True
    r = sub.add_parser(
        "run",
        help="solve one scenario beside its baseline",
        description=(
            "Solve the spec's baseline, apply its edits, re-solve warm-started from the baseline "
            "plan and write the plan, KPIs, a side-by-side comparison and the edited bank."
        ),
    )
    r.add_argument("spec", type=Path, help="scenario spec (YAML or JSON)")
    add_options(
        r,
        "--out",
        "--time-limit",
        "--seed",
        "--workers",
        "--backend",
        seed="seed (default: the spec's)",
    )
    r.add_argument(
        "--budget",
        choices=("share", "full"),
        default="share",
        help="time for the re-solved part: its share of the limit by size (default) or all of it",
    )
    r.add_argument("--salaries", metavar="CSV", help="salary table, or 'default' (adds costs)")
    add_options(r, "--quiet")
    r.set_defaults(func=run)


def _fmt(value: float) -> str:
    if math.isnan(value):
        return "-"
    return f"{value:.4g}" if not float(value).is_integer() else f"{int(value)}"


def run(args: argparse.Namespace) -> int:
    """Run, write, print the headline comparison."""
    from allocator.solution import SolveControl
    from rmalloc.outputs import check_folder
    from rmalloc.progress import LiveProgress, wanted
    from scenarios.run import run_scenario

    check_folder(args, "--out", args.out)
    control = SolveControl()
    # two solves (baseline, then the scenario): the line shows the elapsed time, not a bar
    with LiveProgress(None, enabled=wanted(args.quiet), label="scenario") as live:
        control.on_progress = live.update
        live.phase("reading and solving the baseline")
        result = run_scenario(
            args.spec,
            time_limit=args.time_limit,
            seed=args.seed,
            workers=args.workers,
            backend=args.backend,
            salaries=args.salaries,
            budget=args.budget,
            control=control,
        )
    result.write(args.out)
    cmp = result.comparison.set_index("metric")
    shown = [m for m in HEADLINE if m in cmp.index]
    shown += [
        m
        for m in cmp.index
        if m.startswith(("coverage.", "handover."))
        and (m.endswith(".share") or m.startswith("handover."))
    ]
    print(f"scenario {result.spec.name}: {'solved' if result.solved else 'unchanged (baseline)'}")
    print(f"{'metric':32} {'baseline':>12} {'scenario':>12} {'delta':>10}")
    for m in shown:
        row = cmp.loc[m]
        print(
            f"{m:32} {_fmt(row['baseline']):>12} {_fmt(row['scenario']):>12} "
            f"{_fmt(row['delta']):>10}"
        )
    print(f"written to {args.out}")
    return EXIT_OK
