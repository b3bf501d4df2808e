"""Generated banks: the issue-2 bar, and the MILP backends against CP-SAT.

``bar`` -- the issue-2 bar, as a benchmark (not a timed test). On generated banks of about 3,000
customers (several seeds) it solves with ``allocate(backend="cpsat", time_limit=10, workers=2)``,
proves the cover-value optimum independently with the MILP backend (HiGHS, stage 1 only, a
generous time limit) and reports per bank: seconds of the allocation, its cover value, the proven
optimum, whether they are equal, and whether :func:`allocator.checker.check_plan` passes (the
cover value is also recomputed with :func:`allocator.checker.score_plan`)::

    python -m benchmarks.bank_bench bar                       # seeds 1 2 3, 3,000 customers
    python -m benchmarks.bank_bench bar --seeds 1 2 3 4 5 --customers 3000
    python -m benchmarks.bank_bench bar --smoke                # CI: 300 customers, one seed

``milp`` -- model build and solve times of the MILP backends beside CP-SAT on generated banks::

    python -m benchmarks.bank_bench milp --customers 3000 10000 --time-limit 30

Build: the CP-SAT model; the MILP as arrays plus ``Highs.passModel`` (what ``milp`` does); the
same MILP as a PuLP ``LpProblem`` (what ``milp-cbc`` does) and, with ``--pulp-highs``, PuLP's own
HiGHS interface building from it (what ``milp`` would cost through PuLP). Solve: every backend
in full (all stages) at the same time limit, seed and workers, with its stage statuses.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from allocator.allocation import allocate
from allocator.backends import available_backends
from allocator.checker import check_plan, score_plan
from allocator.compile import compile_problem
from allocator.params import SolveOptions, SolveParams
from allocator.pipeline import solve_problem
from allocator.policy import default_policy
from allocator.problem import Problem
from allocator.solution import Solution, SolutionStatus
from allocator.synth import generate_bank
from benchmarks.tables import markdown_table

BAR_CUSTOMERS = 3000
BAR_SEEDS = (1, 2, 3)
BAR_TIME_LIMIT = 10.0
PROOF_TIME_LIMIT = 600.0
#: ``--smoke``: customers, seeds, allocate() limit, MILP limit
SMOKE_CUSTOMERS, SMOKE_SEEDS, SMOKE_TIME_LIMIT, SMOKE_PROOF_TIME_LIMIT = 300, [1], 2.0, 60.0


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def render(df: pd.DataFrame, markdown: bool) -> str:
    """The table as text, or as Markdown (without the optional ``tabulate`` dependency)."""
    if not markdown:
        return df.to_string(index=False)
    return markdown_table([str(c) for c in df.columns], df.itertuples(index=False))


# ------------------------------------------------------------------------------------------------
# the bar
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BarRow:
    """One bank of the bar."""

    seed: int
    customers: int
    pairs: int
    seconds: float
    cover_value: int
    scored_cover_value: int
    proven_optimum: int | None
    proof_bound: float
    proof_seconds: float
    checker_ok: bool

    @property
    def equal(self) -> bool:
        return self.proven_optimum is not None and self.cover_value == self.proven_optimum


def prove_cover(problem: Problem, time_limit: float, workers: int) -> Solution:
    """The cover-value optimum by the MILP backend (HiGHS), stage 1 only."""
    params = SolveParams(time_limit=time_limit, seed=0, workers=workers, backend="milp")
    return solve_problem(problem.replace(stages=("cover_value",)), params)


def bar_row(
    seed: int, customers: int, time_limit: float, proof_limit: float, workers: int
) -> BarRow:
    policy = default_policy()
    instance = generate_bank(customers, seed=seed)
    t0 = time.perf_counter()
    plan = allocate(instance, backend="cpsat", time_limit=time_limit, seed=0, workers=workers)
    seconds = time.perf_counter() - t0
    stage = plan.solution.stage("cover_value")
    report = check_plan(instance, plan.assignments, policy)
    score = score_plan(instance, plan.assignments, policy)
    problem = compile_problem(instance, policy).problem
    proof = prove_cover(problem, proof_limit, workers)
    proof_stage = proof.stage("cover_value")
    proven = proof_stage is not None and proof_stage.status == SolutionStatus.OPTIMAL
    return BarRow(
        seed=seed,
        customers=customers,
        pairs=problem.n_pairs,
        seconds=seconds,
        cover_value=int(stage.objective) if stage is not None else int(score["cover_value"]),
        scored_cover_value=int(score["cover_value"]),
        proven_optimum=int(proof_stage.objective) if proven and proof_stage else None,
        proof_bound=float(proof_stage.bound) if proof_stage is not None else float("nan"),
        proof_seconds=proof.seconds,
        checker_ok=report.ok,
    )


def bar_frame(rows: Sequence[BarRow]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "seed": [r.seed for r in rows],
            "customers": [r.customers for r in rows],
            "pairs": [r.pairs for r in rows],
            "seconds": [round(r.seconds, 2) for r in rows],
            "cover_value": [r.cover_value for r in rows],
            "proven_optimum": [
                r.proven_optimum if r.proven_optimum is not None else f"<= {r.proof_bound:.0f}"
                for r in rows
            ],
            "equal": ["yes" if r.equal else "no" for r in rows],
            "checker_ok": ["yes" if r.checker_ok else "no" for r in rows],
            "score_agrees": [
                "yes" if r.cover_value == r.scored_cover_value else "no" for r in rows
            ],
            "proof_seconds": [round(r.proof_seconds, 2) for r in rows],
        }
    )


def run_bar(args: argparse.Namespace) -> int:
    if args.smoke:
        args.customers, args.seeds = SMOKE_CUSTOMERS, SMOKE_SEEDS
        args.time_limit, args.proof_time_limit = SMOKE_TIME_LIMIT, SMOKE_PROOF_TIME_LIMIT
    rows = []
    for seed in args.seeds:
        log(f"bank seed {seed}: {args.customers} customers")
        rows.append(
            bar_row(seed, args.customers, args.time_limit, args.proof_time_limit, args.workers)
        )
    df = bar_frame(rows)
    print(render(df, args.markdown))
    met = all(r.equal and r.checker_ok for r in rows)
    print(f"\nbar met on {sum(r.equal and r.checker_ok for r in rows)}/{len(rows)} banks")
    return 0 if met or args.smoke else 1


# ------------------------------------------------------------------------------------------------
# MILP build and solve times beside CP-SAT
# ------------------------------------------------------------------------------------------------
def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def build_times(problem: Problem, pulp_highs: bool) -> dict[str, float]:
    """Seconds to build each model of ``problem`` (no solve)."""
    from allocator.engines.cbc import CbcEngine, cbc_available
    from allocator.engines.highs import HighsEngine, highs_available
    from allocator.formulations.cpsat_model import CpSatModel
    from allocator.formulations.milp_model import build_model

    out: dict[str, float] = {"cpsat_model": timed(lambda: CpSatModel(problem))}
    holder: dict[str, Any] = {}
    out["milp_arrays"] = timed(lambda: holder.setdefault("m", build_model(problem)))
    model = holder["m"]
    opts = SolveOptions()
    if highs_available():
        out["highspy_passModel"] = timed(lambda: HighsEngine(model, opts, None, 0.0))
    if cbc_available():
        out["pulp_LpProblem"] = timed(
            lambda: holder.setdefault("c", CbcEngine(model, opts, None, 0.0))
        )
        if pulp_highs and highs_available():
            import pulp

            def via_pulp() -> None:
                engine = holder["c"]
                engine.set_objective(*model.step_cost("cover_value"))
                solver = pulp.HiGHS(msg=False)
                solver.createAndConfigureSolver(engine.lp)
                solver.buildSolverModel(engine.lp)

            out["pulp_HiGHS_api_build"] = timed(via_pulp)
    return out


def solve_row(problem: Problem, name: str, time_limit: float, workers: int) -> dict[str, Any]:
    params = SolveParams(time_limit=time_limit, seed=0, workers=workers, backend=name)
    sol = solve_problem(problem, params)
    row: dict[str, Any] = {
        "backend": name,
        "seconds": round(sol.seconds, 2),
        "status": sol.status.value,
        "valid": not problem.violations(sol.assignment),
    }
    for s in sol.stages:
        row[s.name] = f"{s.objective:g} ({s.status.value[:3]}, bound {s.bound:g}, {s.seconds:.1f}s)"
    return row


def run_milp(args: argparse.Namespace) -> int:
    policy = default_policy()
    wanted = [b for b in args.backends if b in available_backends()]
    for customers in args.customers_list:
        problem = compile_problem(generate_bank(customers, seed=args.seeds[0]), policy).problem
        log(f"bank {customers} customers, seed {args.seeds[0]}: {problem.n_pairs} pairs")
        builds = build_times(problem, args.pulp_highs)
        print(f"\n{customers} customers, {problem.n_pairs} pairs -- build seconds:")
        print("  " + ", ".join(f"{k} {v:.3f}" for k, v in builds.items()))
        rows = [solve_row(problem, b, args.time_limit, args.workers) for b in wanted]
        df = pd.DataFrame(rows)
        print(render(df, args.markdown))
    return 0


# ------------------------------------------------------------------------------------------------
# command line
# ------------------------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.bank_bench", description=__doc__.split("\n")[0]
    )
    sub = p.add_subparsers(dest="mode", required=True)
    bar = sub.add_parser("bar", help="the issue-2 bar: CP-SAT in 10 s against a proven optimum")
    bar.add_argument("--seeds", type=int, nargs="+", default=list(BAR_SEEDS))
    bar.add_argument("--customers", type=int, default=BAR_CUSTOMERS)
    bar.add_argument("--time-limit", type=float, default=BAR_TIME_LIMIT, help="allocate() limit")
    bar.add_argument("--proof-time-limit", type=float, default=PROOF_TIME_LIMIT, help="MILP limit")
    bar.add_argument("--workers", type=int, default=2)
    bar.add_argument("--smoke", action="store_true", help="CI size: 300 customers, one seed")
    bar.add_argument("--markdown", action="store_true")
    milp = sub.add_parser("milp", help="MILP build and solve times beside CP-SAT")
    milp.add_argument(
        "--customers", dest="customers_list", type=int, nargs="+", default=[3000, 10000]
    )
    milp.add_argument("--seeds", type=int, nargs="+", default=[1])
    milp.add_argument("--time-limit", type=float, default=30.0)
    milp.add_argument("--workers", type=int, default=2)
    milp.add_argument("--backends", nargs="+", default=["cpsat", "milp", "milp-cbc", "decompose"])
    milp.add_argument("--pulp-highs", action="store_true", help="also time PuLP's HiGHS interface")
    milp.add_argument("--markdown", action="store_true")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return run_bar(args) if args.mode == "bar" else run_milp(args)


if __name__ == "__main__":
    sys.exit(main())
