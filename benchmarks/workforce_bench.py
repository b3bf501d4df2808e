"""The workforce planner's cost against a greedy "hire where short" baseline, on generated banks.

For each bank the same coverage targets are met three ways, each checked by an independent
allocation of the bank with the plan applied (the one solve path, with its checker):

- ``planner``: the MILP with every lever (hires, certifications, redeployments, transfers);
- ``planner hires only``: the MILP with hires alone (the same options as the greedy);
- ``greedy``: allocate, hire the cheapest profile nearest each uncovered customer, repeat
  (:mod:`benchmarks.workforce_greedy`).

Staffing rules are left out: the greedy knows none, and the comparison is of coverage bought.

    .venv/bin/python benchmarks/workforce_bench.py --smoke          # CI: one 2,000-customer bank
    .venv/bin/python benchmarks/workforce_bench.py                  # 3 banks of 20,000 customers

The banks are generated a sixth short of RMs (``--tightness 1.2``), so the targets need work.
    .venv/bin/python benchmarks/workforce_bench.py --customers 5000 --seeds 1 2 --json r.json

Prints one line per bank and method, then the mean cost ratio planner / greedy.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: the repository root on the path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SMOKE_CUSTOMERS = 2000
TARGETS = "private=1,high=1,mid=0.95,subbranch=0.9"


def _planner_row(label: str, plan: Any, seconds: float) -> dict[str, Any]:
    h = plan.hires
    counts = plan.counts()
    return {
        "method": label,
        "status": plan.status,
        "cost": plan.total_cost,
        "people": plan.total_hires,
        "certified": counts["certify"],
        "moved": counts["transfer"],
        "reached": bool(plan.verification is not None and plan.verification["ok"].all()),
        "rows": len(h),
        "seconds": round(seconds, 2),
    }


def main(argv: list[str] | None = None) -> int:
    from allocator.policy import default_policy
    from allocator.synth import generate_bank
    from benchmarks.workforce_greedy import greedy_hires
    from scenarios.compare import load_salaries
    from scenarios.headcount import load_rules, parse_targets, plan_headcount

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--customers", type=int, default=20_000)
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    p.add_argument(
        "--smoke", action="store_true", help=f"one bank of {SMOKE_CUSTOMERS}, seed 2 (CI)"
    )
    p.add_argument("--targets", default=TARGETS)
    p.add_argument(
        "--tightness",
        type=float,
        default=1.2,
        help="demand over planned supply of the generated banks (1.2: a sixth fewer RMs than "
        "the bank's workload calls for, so the targets need work)",
    )
    p.add_argument("--time-limit", type=float, default=60.0, help="seconds per solve")
    p.add_argument("--workers", type=int, default=2, help="solver threads of each allocation")
    p.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = p.parse_args(argv)
    n = SMOKE_CUSTOMERS if args.smoke else args.customers
    seeds = [2] if args.smoke else args.seeds
    policy, rules = default_policy(), load_rules()
    salaries = load_salaries("default")
    assert salaries is not None
    goal = parse_targets(args.targets, policy)
    opts = {"time_limit": args.time_limit, "verify": True, "workers": args.workers}
    opts["verify_time_limit"] = args.time_limit
    rows: list[dict[str, Any]] = []
    for seed in seeds:
        bank = generate_bank(n, seed=seed, tightness=args.tightness)
        print(f"bank seed {seed}: {n} customers, {len(bank.rms)} RMs", flush=True)
        t = time.monotonic()
        plan = plan_headcount(bank, goal, policy=policy, **opts)
        rows.append({"seed": seed, **_planner_row("planner", plan, time.monotonic() - t)})
        print(f"  {rows[-1]}", flush=True)
        t = time.monotonic()
        off = {"certify": {"enabled": False}, "redeploy": {"enabled": False}}
        off["transfer"] = {"enabled": False}
        hires_only = plan_headcount(bank, goal, policy=policy, levers=off, **opts)
        rows.append(
            {"seed": seed, **_planner_row("planner hires only", hires_only, time.monotonic() - t)}
        )
        print(f"  {rows[-1]}", flush=True)
        t = time.monotonic()
        greedy = greedy_hires(
            bank, goal, policy, rules, salaries, time_limit=args.time_limit, workers=args.workers
        )
        rows.append(
            {
                "seed": seed,
                "method": "greedy",
                "status": "reached" if greedy.reached else "short",
                "cost": greedy.cost,
                "people": greedy.people,
                "certified": 0,
                "moved": 0,
                "reached": greedy.reached,
                "rows": len(greedy.hires),
                "seconds": round(time.monotonic() - t, 2),
                "rounds": greedy.rounds,
            }
        )
        print(f"  {rows[-1]}", flush=True)
    by = {(r["seed"], r["method"]): r for r in rows}

    def ratio(method: str) -> float | None:
        pairs = [
            (by[(s, method)]["cost"], by[(s, "greedy")]["cost"])
            for s in seeds
            if by[(s, "greedy")]["cost"] > 0
        ]
        return sum(a / b for a, b in pairs) / len(pairs) if pairs else None

    summary = {m: ratio(m) for m in ("planner", "planner hires only")}
    for method, value in summary.items():
        shown = "n/a (greedy hired nobody)" if value is None else f"{value:.3f}"
        print(f"mean cost ratio {method} / greedy: {shown}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "customers": n,
                    "tightness": args.tightness,
                    "targets": goal,
                    "rows": rows,
                    "ratios": summary,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
