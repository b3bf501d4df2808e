"""Bank-scale benchmark: time, memory and quality of a whole allocation, 10^4 to 10^6 customers.

Run ``python -m benchmarks.scale_bench --help``. For every size and backend it generates a bank
(:func:`allocator.synth.generate_bank`, one seed), then runs the steps of
:func:`allocator.allocation.allocate` one by one so each is timed apart -- validate (the contract
checks on the generated frames), compile, solve, plan -- and finally the independent checker
(:func:`allocator.checker.check_plan`) on the plan. Each (size, backend) runs in a **fresh
subprocess**, so its peak RSS is its own: the larger of the kernel's high-water mark
(``ru_maxrss``) and a psutil sampler (every 20 ms); ``peak_rss_gb`` is the peak up to the plan
(what ``allocate()`` needs), ``peak_rss_check_gb`` includes the checker.

Quality: ``cover`` is the plan's cover value; ``lp_bound`` the flow backend's LP bound (a proven
upper bound: the LP relaxation, side rules relaxed or strengthened validly) for the same bank,
used for every backend's ``gap_pct = 100 * (lp_bound - cover) / lp_bound``; ``vs_greedy`` the
ratio of cover value and of solve time to the greedy baseline's.

Sizes: 10^6 customers are generated with 10^4 RMs (the issue's province); smaller sizes get the
generator's own staffing (service capacity at 85 % target utilisation). ``--rms N`` overrides
(``--rms 0``: the generator's staffing at every size).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from benchmarks.isolated import Laps, PeakSampler, add_run_arguments, run_isolated
from benchmarks.tables import markdown_table

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
DEFAULT_BACKENDS = ("flow", "cpsat", "greedy")
#: the largest bank each backend is run on by default: the exact models (CP-SAT and HiGHS) and
#: the searches built on them hold a variable per eligible pair, ~10^8 at 10^6 customers
MAX_SIZE = {"cpsat": 100_000, "milp": 100_000, "lns": 100_000, "decompose": 100_000}
SMOKE_SIZES = (2_000,)
PHASES = ("generate", "validate", "compile", "solve", "plan", "check")
COLUMNS = (
    "customers",
    "rms",
    "pairs",
    "backend",
    *[f"{p}_s" for p in PHASES],
    "allocate_s",
    "peak_rss_gb",
    "peak_rss_check_gb",
    "cover",
    "lp_bound",
    "gap_pct",
    "status",
    "termination",
    "moved",
    "max_util",
    "checker_ok",
    "cover_vs_greedy",
    "time_vs_greedy",
)


def default_rms(n_customers: int, asked: int | None = None) -> int | None:
    """The RMs of a bank of ``n_customers``: ``asked`` (``--rms``) when given, else 10^4 for the
    10^6 province and the generator's staffing (``None``) below it."""
    if asked is not None:
        return asked
    return 10_000 if n_customers >= 1_000_000 else None


# -- the worker (one size, one backend, in its own process) -----------------------------------
def run_one(
    n_customers: int, backend: str, seed: int, time_limit: float, n_rms: int | None
) -> dict[str, Any]:
    """Generate, validate, compile, solve, plan and check one bank; timings and figures."""
    from allocator.checker import check_plan
    from allocator.compile import compile_problem
    from allocator.params import SolveParams
    from allocator.pipeline import solve_problem
    from allocator.plan import build_plan
    from allocator.policy import default_policy
    from allocator.synth import generate_bank
    from allocator.validation import load_instance

    sampler = PeakSampler()
    row: dict[str, Any] = {"customers": n_customers, "backend": backend}
    lap = Laps(row)
    generated = generate_bank(n_customers, seed, n_rms=n_rms)
    lap("generate")
    policy = default_policy()
    instance = load_instance(generated.customers, generated.rms, generated.branches, policy=policy)
    del generated
    lap("validate")
    compiled = compile_problem(instance, policy)
    problem = compiled.problem
    lap("compile")
    # the pipeline's steps one by one, so each is timed apart; the checker runs last, below
    params = SolveParams(time_limit=time_limit, seed=seed, workers=2, backend=backend)
    solution = solve_problem(problem, params)
    lap("solve")
    plan = build_plan(compiled, solution)
    lap("plan")
    row["peak_rss_gb"] = round(sampler.now() / 2**30, 2)
    report = check_plan(instance, plan.assignments, policy)
    lap("check")
    row["peak_rss_check_gb"] = round(sampler.now() / 2**30, 2)
    sampler.stop()
    row["allocate_s"] = round(
        sum(row[f"{p}_s"] for p in ("validate", "compile", "solve", "plan")), 2
    )
    first = solution.stages[0] if solution.stages else None
    row.update(
        rms=problem.n_rms,
        pairs=problem.n_pairs,
        cover=int(plan.kpis["cover_value"]),
        own_bound=float(first.bound) if first is not None else float("nan"),
        status=solution.status.value,
        termination=solution.termination.value,
        moved=int(plan.kpis["moved"]),
        max_util=round(float(problem.max_utilisation(solution.assignment)), 4),
        checker_ok=bool(report.ok),
        solved_by=solution.backend,
        phase_seconds=solution.timings,
    )
    return row


# -- the driver ----------------------------------------------------------------------------------
def run_subprocess(
    n_customers: int, backend: str, seed: int, time_limit: float, n_rms: int | None
) -> dict[str, Any]:
    """:func:`run_one` in a fresh interpreter (its own peak RSS); the row it printed."""
    worker_args = ["--sizes", str(n_customers), "--backends", backend, "--seed", str(seed)]
    worker_args += ["--time-limit", str(time_limit)]
    if n_rms is not None:
        worker_args += ["--rms", str(n_rms)]
    return run_isolated(
        "benchmarks.scale_bench", worker_args, {"customers": n_customers, "backend": backend}
    )


def add_comparisons(rows: list[dict[str, Any]]) -> None:
    """LP bound (the flow backend's) and gap for every row; ratios to greedy per size."""
    by_size: dict[int, dict[str, dict[str, Any]]] = {}
    for r in rows:
        by_size.setdefault(int(r["customers"]), {})[str(r["backend"])] = r
    for size_rows in by_size.values():
        flow = size_rows.get("flow")
        bound = flow.get("own_bound") if flow and "error" not in flow else None
        greedy = size_rows.get("greedy")
        for r in size_rows.values():
            if "error" in r:
                continue
            if bound is not None and bound == bound:
                r["lp_bound"] = round(float(bound), 1)
                r["gap_pct"] = round(
                    100.0 * (float(bound) - r["cover"]) / max(float(bound), 1e-9), 3
                )
            if greedy and "error" not in greedy and greedy["cover"]:
                r["cover_vs_greedy"] = round(r["cover"] / greedy["cover"], 4)
                r["time_vs_greedy"] = round(r["solve_s"] / max(greedy["solve_s"], 1e-3), 2)


def markdown(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as a Markdown table (errors as one-line notes)."""
    cols = [c for c in COLUMNS if c not in ("rms",)]

    def cell(r: dict[str, Any], c: str) -> Any:
        v = r.get(c, "")
        if isinstance(v, bool):
            v = "yes" if v else "no"
        if c == "customers":
            v = f"{r['customers']} ({r.get('rms', '')} RMs)"
        return v

    return markdown_table(
        cols,
        (
            [r["customers"], "", r["backend"], "error: see log"]
            if "error" in r
            else [cell(r, c) for c in cols]
            for r in rows
        ),
    )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    ap.add_argument("--backends", nargs="+", default=list(DEFAULT_BACKENDS))
    ap.add_argument("--time-limit", type=float, default=120.0, help="seconds per solve")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--all-sizes", action="store_true", help="run CP-SAT/MILP at every size too")
    add_run_arguments(ap, "scale.json")
    args = ap.parse_args(argv)

    if args.worker:
        size, backend = args.sizes[0], args.backends[0]
        rms = default_rms(size, args.rms)
        print(
            json.dumps(run_one(size, backend, args.seed, args.time_limit, rms or None)), flush=True
        )
        return 0

    sizes = list(SMOKE_SIZES) if args.smoke else args.sizes
    time_limit = 10.0 if args.smoke else args.time_limit
    # flow runs first, asked for or not: its LP bound is every row's yardstick
    backends = ["flow", *[b for b in args.backends if b != "flow"]]
    rows: list[dict[str, Any]] = []
    for size in sizes:
        rms = default_rms(size, args.rms)
        for backend in backends:
            if not args.all_sizes and size > MAX_SIZE.get(backend, 10**12):
                print(f"skip {backend} at {size} customers (--all-sizes runs it)", file=sys.stderr)
                continue
            print(f"{size} customers, {backend} ...", file=sys.stderr, flush=True)
            row = run_subprocess(size, backend, args.seed, time_limit, rms)
            if "error" in row:
                print(row["error"], file=sys.stderr)
            rows.append(row)
    add_comparisons(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=1))
    print(markdown(rows))
    failed = [r for r in rows if "error" in r or not r.get("checker_ok", False)]
    if args.smoke and failed:
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
