"""Quarterly re-allocation benchmark: last quarter's plan as today's book, then re-run.

Run ``python -m benchmarks.quarter_bench --help``. For every size and scenario, in a **fresh
subprocess** (its peak RSS is its own), a bank is generated (:func:`allocator.synth.generate_bank`)
and allocated a first time, from the generator's own book (a legacy book with its faults: RMs
over capacity, key customers sharing an RM; clearing it would clear its locks too, for a lock
needs today's RM, and make another bank). That plan becomes today's book (``current_rm_id`` =
the plan's ``rm_id``), and the bank is allocated again:

- ``unchanged``: nothing else changes. A plan that cannot be bettered comes back as it is (0
  moves, the same cover); a re-run may still find more cover than the first run did, and then
  moving customers for it is what the objective asks -- the row says by how much.
- ``leavers``: 3 % of the RMs who serve someone leave (their rows are removed from rms.csv, so
  their customers' ``current_rm_id`` names an RM that is not there any more: valid input, the
  customers are ``reassigned``). Reported: the moves (customers who leave an RM who is still
  there), the flow's *proven* lower bound on the moves of any plan covering at least as much
  (:mod:`allocator.flow.continuity`) and their ratio, the cover against its LP bound, the time,
  and how many of the leavers' customers got an RM of the leaver's own branch.

Both runs take the pipeline's own path (:func:`allocator.pipeline.solve_compiled`: the
backend, the safeguards, the hand-over of leavers' customers, the plan). The re-run is timed
step by step (validate, compile, solve and plan; the independent checker, reasons and coverage
included, after); ``allocate_s`` is validate + compile + solve and plan, ``solve_s`` the
backend's own time. ``peak_rss_gb`` is the subprocess's peak up to the re-run's plan (the
first run's included). ``start_*`` is today's book made feasible and filled
(:func:`allocator.heuristics.start.book_start`), the plan the solve starts from and never
returns worse than.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from typing import Any

from benchmarks.isolated import Laps, PeakSampler, add_run_arguments, run_isolated
from benchmarks.scale_bench import default_rms
from benchmarks.tables import markdown_table

DEFAULT_SIZES = (10_000, 100_000)
SMOKE_SIZES = (2_000,)
SCENARIOS = ("unchanged", "leavers")
LEAVER_SHARE = 0.03
COLUMNS = (
    "customers",
    "scenario",
    "leavers",
    "first_cover",
    "first_moves",
    "first_moves_bound",
    "start_cover",
    "start_moves",
    "cover",
    "cover_bound",
    "cover_gap_pct",
    "moves",
    "moves_bound",
    "moves_ratio",
    "dropped",
    "reassigned",
    "same_branch",
    "solve_s",
    "allocate_s",
    "peak_rss_gb",
    "status",
    "checker_ok",
)


def make_book(customers: Any, plan_assignments: Any) -> Any:
    """``customers`` with today's RM set to the plan's (locks without an RM are released: a lock
    needs today's RM)."""
    out = customers.copy()
    rm_of = dict(zip(plan_assignments["customer_id"], plan_assignments["rm_id"], strict=True))
    out["current_rm_id"] = out["customer_id"].map(rm_of).fillna("").astype(str)
    if "locked" in out.columns:
        out.loc[out["current_rm_id"] == "", "locked"] = False
    return out


def pick_leavers(rms: Any, plan_assignments: Any, share: float, seed: int) -> list[str]:
    """``share`` of the RMs who serve somebody in the plan, drawn with ``seed``."""
    import numpy as np

    serving = sorted(set(plan_assignments["rm_id"]) - {""})
    k = max(1, round(share * len(rms)))
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(serving), size=min(k, len(serving)), replace=False)
    return sorted(serving[i] for i in chosen.tolist())


def run_one(
    n_customers: int,
    scenario: str,
    seed: int,
    time_limit: float,
    n_rms: int | None,
    backend: str,
    share: float,
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The first run, the book, and the timed re-run of one scenario; its figures."""
    import numpy as np

    from allocator.checker import check_plan
    from allocator.compile import compile_problem
    from allocator.heuristics.start import book_start
    from allocator.params import SolveParams
    from allocator.pipeline import solve_compiled
    from allocator.policy import default_policy
    from allocator.synth import generate_bank
    from allocator.validation import load_instance

    sampler = PeakSampler()
    row: dict[str, Any] = {"customers": n_customers, "scenario": scenario, "backend": backend}
    # the pipeline's own path (safeguards, hand-over, plan); the checker runs apart, timed
    params = SolveParams(
        time_limit=time_limit,
        seed=seed,
        workers=2,
        backend=backend,
        check=False,
        settings=settings or {},
    )
    policy = default_policy()
    generated = generate_bank(n_customers, seed, n_rms=n_rms)
    first_instance = load_instance(
        generated.customers, generated.rms, generated.branches, policy=policy
    )
    first = compile_problem(first_instance, policy)
    t0 = time.perf_counter()
    first_plan = solve_compiled(first, params)
    first_solution = first_plan.solution
    row["first_s"] = round(time.perf_counter() - t0, 2)
    row["first_cover"] = int(first_plan.kpis["cover_value"])
    row["first_moves"] = int(first.problem.moves(first_solution.assignment))
    first_cont = first_solution.stage("continuity")
    row["first_moves_bound"] = int(first_cont.bound) if first_cont is not None else 0
    customers = make_book(generated.customers, first_plan.assignments)
    rms = generated.rms
    removed = rms.iloc[0:0]
    if scenario == "leavers":
        leaving = set(pick_leavers(rms, first_plan.assignments, share, seed))
        removed = rms[rms["rm_id"].isin(leaving)]
        rms = rms[~rms["rm_id"].isin(leaving)]
    row["leavers"] = int(removed.shape[0])
    del first, first_instance, first_plan, first_solution

    lap = Laps(row)
    instance = load_instance(customers, rms, generated.branches, policy=policy)
    lap("validate")
    compiled = compile_problem(instance, policy)
    problem = compiled.problem
    lap("compile")
    plan = solve_compiled(compiled, params)
    solution = plan.solution
    lap("solve_plan")
    row["solve_s"] = round(solution.seconds, 2)
    row["peak_rss_gb"] = round(sampler.now() / 2**30, 2)
    report = check_plan(
        instance,
        plan.assignments,
        policy,
        reasons=True,
        solve=plan.kpis["solve"],
        coverage=plan.coverage,
    )
    lap("check")
    sampler.stop()
    row["allocate_s"] = round(sum(row[f"{p}_s"] for p in ("validate", "compile", "solve_plan")), 2)
    a = solution.assignment
    stages = {s.name: s for s in solution.stages}
    cover, cont = stages.get("cover_value"), stages.get("continuity")
    start = book_start(problem)
    status = plan.assignments["status"]
    row.update(
        rms=problem.n_rms,
        pairs=problem.n_pairs,
        cover=int(problem.cover_value(a)),
        cover_bound=float(cover.bound) if cover is not None else float("nan"),
        moves=int(problem.moves(a)),
        moves_bound=int(cont.bound) if cont is not None else 0,
        dropped=int(problem.dropped(a)),
        reassigned=int((status == "reassigned").sum()),
        start_cover=int(problem.cover_value(start)),
        start_moves=int(problem.moves(start)),
        status=solution.status.value,
        termination=solution.termination.value,
        solved_by=solution.backend,
        checker_ok=bool(report.ok),
        phase_seconds=solution.timings,
    )
    row["cover_gap_pct"] = round(
        100.0 * (row["cover_bound"] - row["cover"]) / max(row["cover_bound"], 1e-9), 3
    )
    row["moves_ratio"] = round(row["moves"] / row["moves_bound"], 3) if row["moves_bound"] else None
    row["cover_change"] = row["cover"] - row["first_cover"]
    # handover: the leavers' customers who got an RM of the leaver's own branch
    branch_of_leaver = dict(zip(removed["rm_id"], removed["branch_id"], strict=True))
    branch_of_rm = dict(zip(rms["rm_id"], rms["branch_id"], strict=True))
    theirs = customers[customers["current_rm_id"].isin(branch_of_leaver)]
    new_rm = dict(zip(plan.assignments["customer_id"], plan.assignments["rm_id"], strict=True))
    got = theirs["customer_id"].map(new_rm).fillna("")
    same = (
        got.map(branch_of_rm).to_numpy() == theirs["current_rm_id"].map(branch_of_leaver).to_numpy()
    )
    row["leaver_customers"] = int(theirs.shape[0])
    row["leaver_customers_placed"] = int((got != "").sum())
    row["same_branch"] = int(np.sum(same & (got != "").to_numpy()))
    return row


# -- the driver ----------------------------------------------------------------------------------
def run_subprocess(
    n_customers: int, scenario: str, args: argparse.Namespace, time_limit: float
) -> dict[str, Any]:
    """:func:`run_one` in a fresh interpreter; the row it printed."""
    worker_args = ["--sizes", str(n_customers), "--scenarios", scenario, "--seed", str(args.seed)]
    worker_args += ["--time-limit", str(time_limit), "--backend", args.backend]
    worker_args += ["--leavers", str(args.leavers), "--settings", json.dumps(args.settings)]
    if args.rms is not None:
        worker_args += ["--rms", str(args.rms)]
    return run_isolated(
        "benchmarks.quarter_bench", worker_args, {"customers": n_customers, "scenario": scenario}
    )


def markdown(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as a Markdown table (errors as one-line notes)."""

    def cell(r: dict[str, Any], c: str) -> Any:
        v = r.get(c, "")
        if isinstance(v, bool):
            v = "yes" if v else "no"
        if v is None:
            v = "-"
        if c == "customers":
            v = f"{r['customers']:,} ({r.get('rms', '')} RMs)"
        return v

    return markdown_table(
        COLUMNS,
        (
            [r["customers"], r["scenario"], "error: see log"]
            if "error" in r
            else [cell(r, c) for c in COLUMNS]
            for r in rows
        ),
    )


def failures(rows: Sequence[dict[str, Any]]) -> list[str]:
    """What a smoke run must not see: errors, checker findings, an unchanged re-run that moves
    customers without covering more, a plan worse than its start."""
    bad = []
    for r in rows:
        name = f"{r['customers']} {r['scenario']}"
        if "error" in r:
            bad.append(f"{name}: error")
            continue
        if not r["checker_ok"]:
            bad.append(f"{name}: checker")
        if r["scenario"] == "unchanged" and r["moves"] and r["cover"] <= r["first_cover"]:
            bad.append(f"{name}: moves without more cover")
        if (-r["cover"], r["moves"]) > (-r["start_cover"], r["start_moves"]):
            bad.append(f"{name}: worse than the start")
        if r["moves_bound"] > r["moves"]:
            bad.append(f"{name}: bound above the moves")
    return bad


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    ap.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), choices=SCENARIOS)
    ap.add_argument("--backend", default="flow", help="the backend of both runs (default flow)")
    ap.add_argument("--time-limit", type=float, default=120.0, help="seconds per solve")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--leavers", type=float, default=LEAVER_SHARE, help="share of RMs leaving")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    ap.add_argument(
        "--settings",
        type=json.loads,
        default={},
        help='per-backend settings as JSON, e.g. \'{"decompose": {"inner": "milp"}}\'',
    )
    add_run_arguments(ap, "quarter.json")
    args = ap.parse_args(argv)

    if args.worker:
        size, scenario = args.sizes[0], args.scenarios[0]
        rms = default_rms(size, args.rms)
        row = run_one(
            size,
            scenario,
            args.seed,
            args.time_limit,
            rms or None,
            args.backend,
            args.leavers,
            args.settings,
        )
        print(json.dumps(row), flush=True)
        return 0

    sizes = list(SMOKE_SIZES) if args.smoke else args.sizes
    time_limit = 10.0 if args.smoke else args.time_limit
    rows: list[dict[str, Any]] = []
    for size in sizes:
        for scenario in args.scenarios:
            print(f"{size} customers, {scenario} ...", file=sys.stderr, flush=True)
            row = run_subprocess(size, scenario, args, time_limit)
            if "error" in row:
                print(row["error"], file=sys.stderr)
            rows.append(row)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=1))
    print(markdown(rows) if args.markdown else json.dumps(rows, indent=1))
    bad = failures(rows)
    for b in bad:
        print(f"FAILED {b}", file=sys.stderr)
    return 1 if args.smoke and bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
