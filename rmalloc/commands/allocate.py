"""``rmalloc allocate``: the batch allocation of a bank, files in, plan out.

The plan is written in the format its suffix names (``plan.csv``, ``plan.parquet``,
``plan.xlsx``); every output path is checked before the solve starts (:mod:`rmalloc.outputs`).
While the solver runs, a live line on the terminal shows the stage, the best plan so far, its
bound and the time (:mod:`rmalloc.progress`); ``--quiet`` or a non-terminal stderr turns it off.

``--scheduler tcp://host:8786`` solves on a Dask cluster: the bank is decomposed into its
independent parts (provinces, or provinces joined by head-office RMs) and the parts are solved on
the cluster's workers (:mod:`allocator.executors`); a backend named with ``--backend`` solves
each part. A scheduler that does not answer is an error (exit 2), not a hang.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from allocator.backends import SolveControl
from allocator.io import write_table
from rmalloc.commands._bank import add_bank_arguments, load_bank
from rmalloc.commands.options import TABLE_FORMATS, add_options
from rmalloc.exits import EXIT_BAD_INPUT
from rmalloc.outputs import check_folder, check_json_path, check_table_path, write_json
from rmalloc.progress import LiveProgress, wanted

if TYPE_CHECKING:
    from allocator.params import SolveParams


#: the line of ``allocate`` in ``rmalloc --help``
HELP = "allocate customers to RMs and write the plan"
#: the head of ``rmalloc allocate --help``
DESCRIPTION = "Allocate customers to RMs under a policy; write the plan (and KPIs)."


def register(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``allocate`` to ``p``, the parser ``rmalloc.cli`` made from HELP."""
    add_bank_arguments(p)
    add_options(p, "--out", out={"metavar": None, "help": f"the plan to write: {TABLE_FORMATS}"})
    p.add_argument("--kpis", type=Path, help="also write the KPIs as JSON (a .json file)")
    add_options(
        p,
        "--report",
        report="also write the quarter report: moves per RM and branch, leavers' books, tiers "
        "held by hysteresis (CSV) and a chart (PNG)",
    )
    p.add_argument(
        "--params",
        type=Path,
        help="solve parameters file (YAML/JSON/TOML: time_limit, seed, workers, backend, "
        "staging, settings, scheduler); the options below override it",
    )
    # no defaults here: a --params file's values stand unless an option overrides them
    add_options(
        p,
        "--time-limit",
        "--seed",
        "--workers",
        "--backend",
        time_limit={"metavar": None, "help": "seconds (default 30)"},
        workers={"default": None},
        backend={
            "default": None,
            "help": "auto, milp, cpsat, flow, lns, greedy, ... (default auto)",
        },
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="solve the bank's independent parts on the Dask cluster of this scheduler "
        "(tcp://host:8786); --backend then solves each part (default cpsat)",
    )
    add_options(
        p,
        "--json",
        "--quiet",
        json="print the KPIs as JSON, not a table",
        quiet="print nothing but errors (no progress)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from allocator import allocate
    from allocator.kpis import kpi_table

    check_table_path(args, "--out", args.out)
    check_json_path(args, "--kpis", args.kpis)
    check_folder(args, "--report", args.report)
    try:
        params = solve_params(args)
    except ValueError as exc:
        print(f"rmalloc allocate: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if params.scheduler is not None and not getattr(args, "verbose", 0):
        # Dask logs every connection at INFO through the root handler (its import sets the
        # level, so import it first); -v shows them
        import distributed  # noqa: F401

        logging.getLogger("distributed").setLevel(logging.WARNING)
    control = SolveControl()
    live = LiveProgress(params.time_limit, enabled=wanted(args.quiet), label="allocate")
    control.on_progress = live.update
    with live:
        live.phase("reading the bank")
        instance, policy = load_bank(args)
        live.phase("compiling")
        plan = allocate(instance, policy=policy, control=control, params=params)
    if not args.quiet:
        _warn_leavers(plan)
    plan.write(args.out)
    if plan.has_roles:  # coverage.csv beside plan.csv (contract v1.1), in the plan's format
        write_table(plan.coverage, args.out.with_name("coverage" + args.out.suffix))
    if args.kpis:
        write_json(args.kpis, plan.kpis_json())
    if args.report:
        from allocator.quarter_report import write_quarter_report

        write_quarter_report(plan, args.report)
    if args.quiet:
        return 0
    if args.json:
        print(plan.kpis_json())
    else:
        _print_table(kpi_table(plan.kpis))
        print(f"plan written to {args.out}")
    return 0


def solve_params(args: argparse.Namespace) -> SolveParams:
    """The solve parameters: the ``--params`` file (or the defaults), with the options given on
    the command line over it.

    Raises
    ------
    ValueError
        For an unreadable file or a bad value (the message names it).
    """
    from allocator.params import SolveParams

    params = SolveParams.from_file(args.params) if args.params else SolveParams()
    given = {
        "time_limit": args.time_limit,
        "seed": args.seed,
        "workers": args.workers,
        "backend": args.backend,
        "scheduler": args.scheduler,
    }
    return params.replace(**{k: v for k, v in given.items() if v is not None})


def _warn_leavers(plan: Any) -> None:
    """One line on stderr when today's book names RMs that are not on the roster: HR exports
    drop leavers, so this is expected, but a planner should know how many there are."""
    book = plan.assignments["previous_rm_id"].astype(str)
    gone = book[(book != "") & ~book.isin(set(plan.instance.rms["rm_id"]))]
    if len(gone):
        print(
            f"rmalloc allocate: {len(gone)} customer(s) of {gone.nunique()} RM(s) not in the RM "
            "file (left the bank) are reassigned",
            file=sys.stderr,
        )


def _print_table(rows: list[tuple[str, str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Allocation KPIs", show_header=False)
    table.add_column("metric", style="bold")
    table.add_column("value")
    for label, value in rows:
        table.add_row(label, value)
    Console().print(table)
