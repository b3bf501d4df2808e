"""Coverage roles' cost: ``allocate`` on a contract v1.1 bank with executives and without them.

Run ``python -m benchmarks.coverage_bench --help``. For every size it generates one v1.1 bank
(:meth:`allocator.synth.GeneratorConfig.v11`: executives, N+1 assistants, composite RMs,
designated VIP centres, last quarter's history, deposits, complaints) and allocates it twice,
each run in a **fresh subprocess** (its own peak RSS): ``with`` the executives, and ``without``
them -- the same bank with the executive rows dropped from rms.csv, so the difference is what
the co-cover roles cost (the executives serve no customer; every other role is in both rows).

``allocate_s`` is the wall time of :func:`allocator.allocate` on the validated instance (compile,
solve, hand-over, plan with its coverage table, and the independent checker, coverage rules
included: the one path every plan takes); ``coverage_s`` and ``check_s`` re-time the two parts
the roles touch, apart, on the same plan (:func:`allocator.coverage.assign_coverage` and
:func:`allocator.checker.check_plan` with the coverage table). ``peak_rss_gb`` is the larger of
the kernel's high-water mark and a psutil sampler, up to the end of ``allocate``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from allocator.pipeline import check_in_full
from benchmarks.isolated import PeakSampler, run_isolated

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SIZES = (100_000, 1_000_000)
SMOKE_SIZES = (2_000,)
VARIANTS = ("with", "without")
EXECUTIVES = ("subbranch_deputy_head", "subbranch_head", "city_head")
COLUMNS = (
    "customers",
    "executives",
    "rms",
    "pairs",
    "co_cover_roles",
    "co_cover_filled",
    "generate_s",
    "allocate_s",
    "coverage_s",
    "check_s",
    "peak_rss_gb",
    "backend",
    "status",
    "cover",
)


def run_one(
    n_customers: int, variant: str, seed: int, time_limit: float, n_rms: int | None
) -> dict[str, Any]:
    """Generate the v1.1 bank, drop the executives for ``without``, allocate, re-time the parts."""
    from allocator import allocate
    from allocator.coverage import assign_coverage
    from allocator.synth import GeneratorConfig, generate_bank
    from allocator.validation import load_instance

    sampler = PeakSampler()
    started = time.perf_counter()
    bank = generate_bank(n_customers, seed, n_rms=n_rms, config=GeneratorConfig.v11())
    rms = bank.rms
    if variant == "without":
        rms = rms[~rms["position"].isin(EXECUTIVES)].reset_index(drop=True)
    instance = load_instance(bank.customers, rms, bank.branches)
    del bank
    generated = time.perf_counter()
    plan = allocate(instance, backend="auto", time_limit=time_limit, seed=seed, workers=2)
    allocated = time.perf_counter()
    peak = sampler.now()
    assignment = plan.solution.assignment
    assign_coverage(plan.compiled, assignment)
    covered = time.perf_counter()
    report = check_in_full(plan)
    checked = time.perf_counter()
    sampler.stop()
    roles = plan.coverage[plan.coverage["role"] == "co_cover"]
    return {
        "customers": n_customers,
        "executives": variant,
        "rms": len(rms),
        "pairs": plan.compiled.problem.n_pairs,
        "co_cover_roles": len(roles),
        "co_cover_filled": int((roles["rm_id"] != "").sum()),
        "generate_s": round(generated - started, 2),
        "allocate_s": round(allocated - generated, 2),
        "coverage_s": round(covered - allocated, 2),
        "check_s": round(checked - covered, 2),
        "peak_rss_gb": round(peak / 2**30, 2),
        "backend": plan.solution.backend,
        "status": plan.solution.status.value,
        "cover": int(plan.kpis["cover_value"]),
        "checker_ok": bool(report.ok),
    }


def run_subprocess(
    n_customers: int, variant: str, seed: int, time_limit: float, n_rms: int | None
) -> dict[str, Any]:
    """:func:`run_one` in a fresh interpreter; the row it printed (or the error's tail)."""
    args = [variant, "--sizes", str(n_customers), "--seed", str(seed)]
    args += ["--time-limit", str(time_limit)] + ([] if n_rms is None else ["--rms", str(n_rms)])
    identity = {"customers": n_customers, "executives": variant}
    return run_isolated("benchmarks.coverage_bench", args, identity)


def markdown(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as a Markdown table (errors as one-line notes)."""
    out = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in rows:
        if "error" in r:
            out.append(f"| {r['customers']} | {r['executives']} | error: see log |")
            continue
        out.append("| " + " | ".join(str(r.get(c, "")) for c in COLUMNS) + " |")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per solve")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rms", type=int, default=None, help="RMs (default: the generator's)")
    ap.add_argument("--smoke", action="store_true", help="CI: one 2,000-customer bank, 10 s")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out" / "coverage.json")
    ap.add_argument("--worker", choices=VARIANTS, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.worker:
        row = run_one(args.sizes[0], args.worker, args.seed, args.time_limit, args.rms)
        print(json.dumps(row), flush=True)
        return 0

    sizes = list(SMOKE_SIZES) if args.smoke else args.sizes
    time_limit = 10.0 if args.smoke else args.time_limit
    rows: list[dict[str, Any]] = []
    for size in sizes:
        for variant in VARIANTS:
            print(f"{size} customers, {variant} executives ...", file=sys.stderr, flush=True)
            row = run_subprocess(size, variant, args.seed, time_limit, args.rms)
            if "error" in row:
                print(row["error"], file=sys.stderr)
            rows.append(row)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=1))
    print(markdown(rows))
    failed = [r for r in rows if "error" in r or not r.get("checker_ok", False)]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
