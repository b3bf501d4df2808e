"""``rmalloc sweep``: run a scenario spec's ``sweep`` grid on Dask.

A thin adapter over :func:`scenarios.sweep.run_sweep`: a local cluster of ``--workers``
processes by default, an existing cluster with ``--scheduler ADDRESS``, or ``--serial``. Writes
sweep.csv (one row per grid point), chart.png, chart.html and spec.yaml.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from rmalloc.commands.options import add_options

EXIT_OK = 0


#: the line of ``sweep`` in ``rmalloc --help``
HELP = "run a grid of scenarios in parallel (Dask) and chart coverage against headcount"
#: the head of ``rmalloc sweep --help``
DESCRIPTION = (
    "Solve the spec's baseline once, then every point of its 'sweep: grid:' as a "
    "scenario warm-started from it, in parallel on Dask."
)


def register(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``sweep`` to ``p``, the parser ``rmalloc.cli`` made from HELP."""
    p.add_argument("spec", type=Path, help="scenario spec with a sweep section (YAML or JSON)")
    add_options(p, "--out")
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler", metavar="ADDRESS", help="an existing Dask scheduler (tcp://host:8786)"
    )
    where.add_argument("--serial", action="store_true", help="no Dask: one point after another")
    add_options(
        p,
        "--workers",
        "--time-limit",
        "--backend",
        workers="processes of the local cluster (default 2)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the grid, write the table and the charts."""
    from rmalloc.outputs import check_folder
    from scenarios.sweep import run_sweep

    check_folder(args, "--out", args.out)

    if not getattr(args, "verbose", 0):
        # Dask logs every worker start and stop at INFO through the root handler (its import
        # sets the level, so import it first); -v shows them
        import distributed  # noqa: F401

        logging.getLogger("distributed").setLevel(logging.WARNING)

    result = run_sweep(
        args.spec,
        scheduler="serial" if args.serial else args.scheduler,
        workers=args.workers,
        time_limit=args.time_limit,
        backend=args.backend,
        progress=not args.no_progress,
    )
    paths = result.write(args.out)
    print(
        f"{len(result.table)} grid points; table {paths['table']}, chart {paths['png']}, "
        f"{paths['html']}"
    )
    return EXIT_OK
