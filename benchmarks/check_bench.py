"""What the independent checker costs on the one solve path, against the solve it checks.

Every plan the product hands out is checked (:func:`allocator.pipeline.solve`): the hard rules,
every reason code's claim and, on a contract v1.1 bank, every coverage role. This benchmark
generates v1.1 banks (:meth:`allocator.synth.GeneratorConfig.v11`, or ``--preset``), solves each
once with the checker off, then times the full check of that plan apart::

    .venv/bin/python -m benchmarks.check_bench --sizes 200000 1000000
    .venv/bin/python -m benchmarks.check_bench --smoke      # one 5,000-customer bank

``check / solve`` is the checker's share against the solve (``auto``, ``--time-limit`` s).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: the repository root on the path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from allocator.pipeline import check_in_full
from benchmarks.tables import markdown_table

HEADER = (
    "customers",
    "preset",
    "solve s",
    "check s",
    "check / solve",
    "coverage rows",
    "reason codes",
    "violations",
)


def measure(n: int, preset: str, seed: int, time_limit: float) -> list[object]:
    """Generate, solve (checker off), then time the full check of the plan."""
    from allocator.params import SolveParams
    from allocator.pipeline import solve
    from allocator.synth import PRESETS, generate_bank

    instance = generate_bank(n, seed, config=PRESETS[preset]())
    t0 = time.perf_counter()
    plan = solve(instance, None, SolveParams(time_limit=time_limit, check=False))
    solve_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = check_in_full(plan)
    check_s = time.perf_counter() - t0
    codes = int((plan.assignments["reason_code"].fillna("") != "").sum())
    return [
        f"{n:,}",
        preset,
        round(solve_s, 1),
        round(check_s, 1),
        round(check_s / solve_s, 2),
        f"{len(plan.coverage):,}",
        f"{codes:,}",
        len(report.violations),
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[200_000, 1_000_000])
    ap.add_argument("--preset", default="v1.1")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--smoke", action="store_true", help="one 5,000-customer bank")
    args = ap.parse_args(argv)
    sizes = [5_000] if args.smoke else args.sizes
    rows = []
    for n in sizes:
        rows.append(measure(n, args.preset, args.seed, args.time_limit))
        print(markdown_table(HEADER, rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    print(markdown_table(HEADER, rows))
    return 0 if all(r[-1] == 0 for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
