"""Exact where exact is cheap, ``auto`` never worse (issue 17): flow, plain and aggregated MILP,
and auto on generated banks.

For every size (and preset) it generates one bank (:func:`allocator.synth.generate_bank`),
compiles it with policy v1 and solves it through :func:`allocator.pipeline.solve_problem` (the
safeguards every plan goes through) with each of:

- ``flow`` -- the min-cost-flow relaxation plus repair;
- ``milp-plain`` -- HiGHS on one binary per (customer, RM) (``settings: {milp: {aggregate:
  false}}``, the model before issue 17);
- ``milp`` -- HiGHS on one integer per (class of interchangeable customers, RM);
- ``auto`` -- flow as incumbent, then the exact backend its size calls for, warm-started.

Per run: seconds, status and termination, and per stage its value, bound, status and seconds
(a stage's seconds are the time to its proof when ``opt``); cover gap in percent; the engine
that made the returned plan. Each run is in this process, one after the other: timings are
wall-clock on a shared machine and noisy::

    python -m benchmarks.exact_bench --customers 3000 10000 20000 --time-limit 30
    python -m benchmarks.exact_bench --customers 3000 10000 --preset harsh --markdown
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from allocator.compile import compile_problem
from allocator.formulations.classes import build_classes
from allocator.params import SolveParams
from allocator.pipeline import solve_problem
from allocator.policy import default_policy
from allocator.problem import Problem
from allocator.synth import GeneratorConfig, generate_bank
from benchmarks.tables import markdown_table

#: the runs, by label: (backend, settings)
RUNS: dict[str, tuple[str, dict[str, dict[str, Any]]]] = {
    "flow": ("flow", {}),
    "milp-plain": ("milp", {"milp": {"aggregate": False}}),
    "milp": ("milp", {}),
    "auto": ("auto", {}),
}
HEADER = (
    "customers",
    "preset",
    "pairs",
    "cols",
    "run",
    "plan_by",
    "seconds",
    "status",
    "cover (bound, s)",
    "gap_pct",
    "moves (bound, s)",
    "max_util (bound, s)",
)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _stage(sol: Any, name: str, fmt: str) -> str:
    s = sol.stage(name)
    if s is None:
        return "-"
    mark = "opt" if s.status.value == "optimal" else "feas"
    return f"{s.objective:{fmt}} ({s.bound:{fmt}}, {s.seconds:.1f}s, {mark})"


def run_one(problem: Problem, label: str, time_limit: float, workers: int, seed: int) -> list[Any]:
    backend, settings = RUNS[label]
    params = SolveParams(
        time_limit=time_limit, seed=seed, workers=workers, backend=backend, settings=settings
    )
    sol = solve_problem(problem, params)
    cover = sol.stage("cover_value")
    gap = "-" if cover is None else f"{100 * cover.gap:.3f}"
    return [
        label,
        sol.backend,
        f"{sol.seconds:.2f}",
        f"{sol.status.value}/{sol.termination.value}",
        _stage(sol, "cover_value", ".0f"),
        gap,
        _stage(sol, "continuity", ".0f"),
        _stage(sol, "balance", ".4f"),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.exact_bench", description=__doc__.split("\n")[0]
    )
    p.add_argument("--customers", type=int, nargs="+", default=[3000, 10000, 20000])
    p.add_argument("--preset", choices=["default", "harsh"], default="default")
    p.add_argument("--seed", type=int, default=1, help="generator seed")
    p.add_argument("--time-limit", type=float, default=30.0)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--runs", nargs="+", choices=list(RUNS), default=list(RUNS))
    p.add_argument("--markdown", action="store_true")
    args = p.parse_args(argv)
    policy = default_policy()
    config = GeneratorConfig.harsh() if args.preset == "harsh" else None
    rows: list[list[Any]] = []
    for n in args.customers:
        problem = compile_problem(generate_bank(n, args.seed, config=config), policy).problem
        cols = build_classes(problem).n_cols
        log(f"{n} customers ({args.preset}): {problem.n_pairs} pairs, {cols} aggregated columns")
        for label in args.runs:
            row = run_one(problem, label, args.time_limit, args.workers, 0)
            log("  " + " | ".join(str(v) for v in row))
            rows.append([n, args.preset, problem.n_pairs, cols, *row])
    if args.markdown:
        print(markdown_table(HEADER, rows))
    else:
        for row in rows:
            print(", ".join(f"{h}={v}" for h, v in zip(HEADER, row, strict=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
