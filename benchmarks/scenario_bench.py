"""Scenario re-solve, warm-started from the baseline plan, against a cold solve of the same bank.

A scenario changes a little (1 % of the retail RMs leave, a few CFP holders join), so most of
the baseline plan is still right. The warm start keeps the baseline plan as it is on every
component of the eligibility graph the edits left identical (exact: the objective separates over
components) and hints the baseline plan, with the leavers' books handed over, for the rest; it
should finish far sooner than a solve from today's book. ``--hint-only`` re-solves everything
from the hint instead. Target: warm <= 20 % of cold, in wall time of the solve; the cover value
and moves of both are printed beside the times, so a fast but worse warm solve shows.

    .venv/bin/python benchmarks/scenario_bench.py                 # 10^5 customers
    .venv/bin/python benchmarks/scenario_bench.py --smoke         # CI size (2,000 customers)
    .venv/bin/python benchmarks/scenario_bench.py --customers 20000 --time-limit 300 --json r.json

Prints one line per solve and the ratio last (``ratio warm/cold: 0.123``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

SMOKE_CUSTOMERS = 2000


def _pick_leavers(rms: Any, share: float, seed: int, line: str) -> list[str]:
    """``share`` of the active RMs of ``line`` (``any``: of all lines), at least one, drawn with
    ``seed``."""
    mask = rms["active"].to_numpy(dtype=bool)
    if line != "any":
        mask = mask & (rms["line"] == line).to_numpy()
    active = rms.loc[mask, "rm_id"].to_numpy()
    k = max(1, round(len(active) * share))
    rng = np.random.default_rng(seed)
    return sorted(rng.choice(active, size=k, replace=False).tolist())


def _row(label: str, plan: Any, wall: float) -> dict[str, Any]:
    k = plan.kpis
    return {
        "run": label,
        "wall_seconds": round(wall, 3),
        "solve_seconds": k["solve"]["seconds"],
        "status": k["solve"]["status"],
        "termination": k["solve"]["termination"],
        "backend": k["solve"]["backend"],
        "cover_value": k["cover_value"],
        "moved": k["status_counts"]["moved"],
        "assigned": k["assigned"],
    }


def main(argv: list[str] | None = None) -> int:
    from allocator.allocation import allocate
    from allocator.synth import generate_bank
    from scenarios.run import BankRun, run_scenario
    from scenarios.spec import AddRms, RemoveRms, ScenarioSpec

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--customers", type=int, default=100_000)
    p.add_argument("--smoke", action="store_true", help=f"{SMOKE_CUSTOMERS} customers (CI)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--time-limit", type=float, default=600.0, help="seconds per solve")
    p.add_argument("--workers", type=int, default=2, help="solver threads")
    p.add_argument("--backend", default="auto")
    p.add_argument("--leavers", type=float, default=0.01, help="share of RMs who leave")
    p.add_argument(
        "--leaver-line",
        choices=("retail", "corporate", "any"),
        default="retail",
        help="line of the leavers (default retail: the issue's 'M00012 leaves'; a corporate "
        "leaver touches the province-wide corporate component, most of the work)",
    )
    p.add_argument("--hires", type=int, default=3, help="CFP holders hired in a wealth/VIP centre")
    p.add_argument(
        "--hint-only",
        action="store_true",
        help="warm start by the hint alone (solve every component again)",
    )
    p.add_argument(
        "--budget",
        choices=("share", "full"),
        default="share",
        help="time for the re-solved part: its share by size, as inside a full solve (default), "
        "or the whole limit",
    )
    p.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = p.parse_args(argv)
    n = SMOKE_CUSTOMERS if args.smoke else args.customers
    limit = min(args.time_limit, 60.0) if args.smoke else args.time_limit
    opts = {
        "time_limit": limit,
        "seed": args.seed,
        "workers": args.workers,
        "backend": args.backend,
    }

    t = time.monotonic()
    bank = generate_bank(n, seed=args.seed)
    print(
        f"bank: {n} customers, {len(bank.rms)} RMs, {len(bank.branches)} branches "
        f"({time.monotonic() - t:.1f}s to generate)",
        flush=True,
    )
    leavers = _pick_leavers(bank.rms, args.leavers, args.seed, args.leaver_line)
    centre = bank.rms.loc[bank.rms["unit"].isin(["wealth_center", "vip_center"])]
    where = centre.iloc[0] if len(centre) else bank.rms.iloc[0]
    spec = ScenarioSpec(
        name="bench",
        seed=args.seed,
        edits=[
            RemoveRms(rm_ids=leavers),
            AddRms(
                count=args.hires,
                line="retail",
                grade="senior",
                certifications=["CFP"],
                branch_id=str(where["branch_id"]),
                unit=where["unit"],
            ),
        ],
    )
    t = time.monotonic()
    base_plan = allocate(bank, **opts)
    rows = [_row("baseline", base_plan, time.monotonic() - t)]
    print(rows[-1], flush=True)

    baseline = BankRun(bank, base_plan.policy, base_plan)
    t = time.monotonic()
    warm = run_scenario(
        spec, baseline=baseline, incremental=not args.hint_only, budget=args.budget, **opts
    )
    rows.append(_row("scenario warm", warm.plan, time.monotonic() - t))
    print(rows[-1], flush=True)
    t = time.monotonic()
    cold = allocate(warm.instance, policy=warm.policy, **opts)
    rows.append(_row("scenario cold", cold, time.monotonic() - t))
    print(rows[-1], flush=True)

    ratio = rows[1]["solve_seconds"] / max(rows[2]["solve_seconds"], 1e-9)
    wall_ratio = rows[1]["wall_seconds"] / max(rows[2]["wall_seconds"], 1e-9)
    print(
        f"leavers {len(leavers)}, hires {args.hires}; handover: "
        f"{warm.handover['landing'].value_counts().to_dict()}; reuse: {warm.reuse}"
    )
    print(f"wall ratio warm/cold (incl. compile, hint, plan): {wall_ratio:.3f}")
    print(f"ratio warm/cold: {ratio:.3f}  (target <= 0.20: {'met' if ratio <= 0.2 else 'NOT met'})")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"customers": n, "rows": rows, "ratio": ratio, "wall_ratio": wall_ratio}, indent=2
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
