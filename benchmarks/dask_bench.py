"""Distributed allocation (issue 17): one bank of ten provinces, local processes vs Dask.

Run ``python -m benchmarks.dask_bench --help``. It generates a bank of ``--customers`` customers
in ``--provinces`` provinces (:func:`allocator.synth.generate_bank` with ``customers_per_province
= customers / provinces``), compiles it once, then solves it through the one pipeline
(:func:`allocator.pipeline.solve_compiled`, the independent checker included) twice with the
``decompose`` backend and the same inner backend and time limit:

- **local**: the parts on ``--workers`` local worker processes (no scheduler);
- **dask**: the parts on a ``distributed.LocalCluster`` of ``--workers`` worker processes, one
  thread each, through ``SolveParams.scheduler`` (the cluster is started before the clock runs
  and its start-up is reported apart).

Per run: wall time of the solve (compile excluded, plan and checker included), the solver's own
seconds, cover value, its bound and gap, status, termination, whether the checker passed, and
whether the cover values of the two plans match. ``--smoke`` runs a 4,000-customer bank.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from typing import Any

from benchmarks.tables import markdown_table

COLUMNS = (
    "run",
    "customers",
    "pairs",
    "parts",
    "wall_s",
    "solve_s",
    "cover",
    "bound",
    "gap_pct",
    "status",
    "termination",
    "checker_ok",
    "cover_match",
)


def run_once(compiled: Any, label: str, params: Any) -> dict[str, Any]:
    """Solve ``compiled`` through the pipeline with ``params``; the row of the table."""
    from allocator.errors import PlanBreachError
    from allocator.pipeline import solve_compiled

    t0 = time.perf_counter()
    try:
        plan = solve_compiled(compiled, params)
        ok = True
    except PlanBreachError as exc:  # the checker refused the plan: say so in the row
        return {"run": label, "error": str(exc)}
    wall = time.perf_counter() - t0
    cover = plan.solution.stage("cover_value")
    value = cover.objective if cover is not None else float("nan")
    bound = cover.bound if cover is not None else float("nan")
    return {
        "run": label,
        "customers": compiled.problem.n_customers,
        "pairs": compiled.problem.n_pairs,
        "wall_s": round(wall, 2),
        "solve_s": round(plan.solution.seconds, 2),
        "cover": int(value),
        "bound": int(bound) if bound == bound else bound,
        "gap_pct": round(100.0 * (bound - value) / max(abs(bound), 1.0), 4),
        "status": plan.solution.status.value,
        "termination": plan.solution.termination.value,
        "checker_ok": ok,
    }


def parts_of(compiled: Any, min_part_pairs: int) -> int:
    """How many parts the decompose backend ships (single-customer components aside)."""
    from allocator.backends.decompose import bundle
    from allocator.decomposition import components

    multi = [c for c in components(compiled.problem) if c.size > 1]
    return len(bundle(compiled.problem, multi, min_part_pairs))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=200_000)
    ap.add_argument("--provinces", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=120.0, help="seconds per solve")
    ap.add_argument("--workers", type=int, default=2, help="local processes / Dask workers")
    ap.add_argument("--inner", default="auto", help="the backend of each part (default auto)")
    ap.add_argument("--smoke", action="store_true", help="a 4,000-customer bank, 20 s")
    args = ap.parse_args(argv)

    from distributed import LocalCluster

    from allocator.backends.decompose import MIN_PART_PAIRS
    from allocator.compile import compile_problem
    from allocator.params import SolveParams
    from allocator.policy import load_policy
    from allocator.synth.bank import generate_bank
    from allocator.synth.config import GeneratorConfig

    customers = 4_000 if args.smoke else args.customers
    limit = 20.0 if args.smoke else args.time_limit
    per_province = max(1, -(-customers // args.provinces))
    t0 = time.perf_counter()
    bank = generate_bank(
        customers, args.seed, config=GeneratorConfig(customers_per_province=per_province)
    )
    compiled = compile_problem(bank, load_policy(None))
    print(
        f"{customers} customers in {args.provinces} provinces: generated and compiled in "
        f"{time.perf_counter() - t0:.1f}s",
        file=sys.stderr,
        flush=True,
    )
    params = SolveParams(
        time_limit=limit,
        seed=args.seed,
        workers=args.workers,
        backend="decompose",
        settings={"decompose": {"inner": args.inner}},
    )
    parts = parts_of(compiled, MIN_PART_PAIRS)
    rows = [run_once(compiled, f"local ({args.workers} processes above 20,000 pairs)", params)]
    print(f"local: {rows[-1]}", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    with LocalCluster(
        n_workers=args.workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    ) as cluster:
        started = time.perf_counter() - t0
        on_dask = params.replace(scheduler=cluster.scheduler_address)
        rows.append(run_once(compiled, f"Dask LocalCluster, {args.workers} workers", on_dask))
    print(f"dask: {rows[-1]} (cluster start {started:.1f}s)", file=sys.stderr, flush=True)
    match = len({r.get("cover") for r in rows}) == 1 and all("error" not in r for r in rows)
    for row in rows:
        row.update(parts=parts, cover_match="yes" if match else "no")
    print(markdown_table(COLUMNS, [[r.get(c, "") for c in COLUMNS] for r in rows]))
    print(f"\nLocalCluster start-up (not in wall_s): {started:.1f}s")
    return 0 if match else 1


if __name__ == "__main__":
    raise SystemExit(main())
