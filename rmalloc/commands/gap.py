"""``rmalloc gap``: solve one published GAP instance with our engine.

The engine's outside yardstick from the command line: the file is read with
:func:`allocator.gap.read_gap_file`, solved through the backend registry like any allocation, and
the answer is checked by the oracle :func:`allocator.gap.is_feasible` before it is printed. The
objective is the *last* line of stdout, a bare integer, so scripts can take ``tail -n 1``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from rmalloc.commands.options import add_options
from rmalloc.exits import EXIT_BAD_INPUT, EXIT_FAIL, EXIT_OK

#: the engine's best on the GAP: LP-guided tabu + neighbourhood search (GitHub issue 3)
DEFAULT_BACKEND = "lns"


#: the line of ``gap`` in ``rmalloc --help``
HELP = "solve an OR-Library / Yagiura GAP instance with the engine"
#: the head of ``rmalloc gap --help``
DESCRIPTION = (
    "Solve one generalised assignment problem from an OR-Library (gap1..gap12, gapa..gapd) "
    "or Yagiura (a05100 .. e801600) file. Prints the objective as the last line: the "
    "least cost for types A-E, the most profit for gap1..gap12 (OR-Library's sense)."
)


def register(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``gap`` to ``p``, the parser ``rmalloc.cli`` made from HELP."""
    p.add_argument("file", type=Path, help="the instance file")
    p.add_argument(
        "--problem",
        type=int,
        default=1,
        metavar="K",
        help="problem K (1-based) of a multi-problem file (default 1)",
    )
    add_options(
        p,
        "--time-limit",
        "--out",
        "--seed",
        "--backend",
        time_limit={"required": True, "help": "seconds"},
        out={
            "required": False,
            "metavar": "ASSIGN.txt",
            "help": "write the 0-based agent of each job",
        },
        seed={"default": 0},
        backend={"default": DEFAULT_BACKEND, "help": f"engine backend (default {DEFAULT_BACKEND})"},
    )
    p.add_argument(
        "--sense",
        choices=("min", "max"),
        help="objective sense (default: max for gap1..gap12, min otherwise)",
    )
    p.set_defaults(func=run)


def _fail(msg: str, code: int) -> int:
    print(f"rmalloc gap: {msg}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    """Read, solve, check, print; exit 2 for bad input, 1 when no feasible assignment is found."""
    from allocator.backends import from_name
    from allocator.gap import default_sense, is_feasible, objective, read_gap_file, to_problem
    from allocator.params import SolveParams
    from allocator.pipeline import solve_problem

    if not args.time_limit > 0:
        return _fail(f"--time-limit must be > 0, got {args.time_limit}", EXIT_BAD_INPUT)
    try:
        instances = read_gap_file(args.file)
    except OSError as exc:
        return _fail(f"cannot read {args.file}: {exc.strerror or exc}", EXIT_BAD_INPUT)
    except ValueError as exc:
        return _fail(str(exc), EXIT_BAD_INPUT)
    if not 1 <= args.problem <= len(instances):
        return _fail(
            f"--problem {args.problem} is out of range: {args.file} holds "
            f"{len(instances)} problem(s), numbered 1..{len(instances)}",
            EXIT_BAD_INPUT,
        )
    try:
        from_name(args.backend)
        params = SolveParams(time_limit=args.time_limit, seed=args.seed, backend=args.backend)
    except ValueError as exc:
        return _fail(str(exc), EXIT_BAD_INPUT)

    inst = instances[args.problem - 1]
    sense = args.sense or default_sense(args.file)
    print(f"instance {inst.name}: {inst.n_agents} agents x {inst.n_jobs} jobs, {sense}imise")
    start = time.perf_counter()
    sol = solve_problem(to_problem(inst, sense), params)
    seconds = time.perf_counter() - start
    assignment = np.asarray(sol.assignment, dtype=np.int64)
    if not is_feasible(inst, assignment):
        return _fail(
            f"no feasible assignment found ({sol.status.value}, {sol.termination.value}, "
            f"{seconds:.1f} s)",
            EXIT_FAIL,
        )
    value = objective(inst, assignment)
    stage = sol.stage("cover_value")
    bound = ""
    if stage is not None and np.isfinite(stage.bound):
        b = -stage.bound if sense == "min" else stage.bound
        bound = f", bound {b:g}"
    print(f"status {sol.status.value} ({sol.termination.value}){bound}, {seconds:.2f} s")
    if args.out is not None:
        from allocator.io import write_text_atomic

        try:  # like every --out: the folder is created, the file replaced atomically
            write_text_atomic(args.out, "".join(f"{int(a)}\n" for a in assignment))
        except OSError as exc:
            return _fail(f"cannot write {args.out}: {exc.strerror or exc}", EXIT_FAIL)
        print(f"assignment written to {args.out}")
    print(value)
    return EXIT_OK
