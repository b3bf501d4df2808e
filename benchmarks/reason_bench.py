"""True reasons over many random banks: the reason checker finds no false reason.

Run ``python -m benchmarks.reason_bench --banks 1000`` (``--smoke`` for a CI-sized run). Each
bank is drawn with a seeded NumPy generator (nothing here is the product's own generator): a
small branch tree, RMs of both lines with random grades, certifications, units, tight or loose
capacities and some inactive, customers of every tier, groups, locks, leavers missing from the
roster, forbidden RMs, previous tiers for the hysteresis, and the move rules of the policy
switched on at random. Every bank goes through the one solve pipeline (whose checks raise on a
breach) with a backend drawn in turn, then through the independent checker and reason checker
again, with the solve's report. The row says how many reasons were checked and how many were
false (the target is 0), and which codes came up.
"""

from __future__ import annotations

import argparse
import collections
import platform
import sys
import time
from typing import Any

import numpy as np
import pandas as pd

from allocator.synth import branch_rows

TREE = branch_rows("H0>P0>C0>C0S1>C0S1O1", "H0>P0>C0>C0S1>C0S1O2", "H0>P0>C1>C1S1>C1S1O1")
BRANCHES = [b for b, _, _ in TREE]


def draw_bank(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    """One harsh random bank: (customers, rms, branches, policy overrides)."""
    n_rms = int(rng.integers(2, 13))
    pick = rng.choice
    rms = pd.DataFrame(
        {
            "rm_id": [f"M{i + 1}" for i in range(n_rms)],
            "line": pick(["retail", "corporate"], n_rms),
            "grade": pick(["assistant", "rm", "intermediate", "senior", "chief"], n_rms),
            "certifications": pick(["", "", "AFP", "CFP", "CFP;CPB"], n_rms),
            "branch_id": pick(BRANCHES, n_rms),
            "unit": pick(["outlet", "outlet", "vip_center", "wealth_center", "marketing"], n_rms),
            "capacity": pick(["", "1", "2", "4", "8", "12", "30"], n_rms),
            "active": pick(["true"] * 5 + ["false"], n_rms),
        }
    )
    n = int(rng.integers(1, 25))
    segment = pick(["retail", "corporate"], n)
    ids = [*rms["rm_id"], "X1", "X2", "X3"]  # X: leavers, not on the roster
    current = np.where(rng.random(n) < 0.6, pick(ids, n), "")
    lists = np.where(
        segment == "retail",
        pick(["", "", "", "potential"], n),
        pick(["", "", "", "city", "province", "hq"], n),
    )
    customers = pd.DataFrame(
        {
            "customer_id": [f"K{i + 1}" for i in range(n)],
            "segment": segment,
            "branch_id": pick(BRANCHES, n),
            "aum": pick([0, 150_000, 250_000, 450_000, 600_000, 5_000_000, 7_000_000], n),
            "annual_contribution": pick([0, 1_000, 2_500_000, 3_500_000, 12_000_000], n),
            "list_tier": lists,
            "group_id": np.where(segment == "corporate", pick(["", "", "G1", "G2", "G3"], n), ""),
            "current_rm_id": current,
            "locked": np.where((current != "") & (rng.random(n) < 0.15), "true", ""),
            "forbid_rm_ids": np.where(rng.random(n) < 0.1, pick(ids, n), ""),
            "previous_tier": pick(["", "", "", "private", "high", "mid", "key10m", "key3m"], n),
            "months_below": rng.integers(0, 8, n).astype(str),
        }
    )
    policy: dict[str, Any] = {"continuity": {}}
    if rng.random() < 0.4:
        policy["continuity"]["max_moved_share"] = float(pick([0.1, 0.25, 0.5]))
    if rng.random() < 0.4:
        policy["continuity"]["move_only_on_departure"] = ["private"]
    if rng.random() < 0.3:
        policy["continuity"]["handover"] = "none"
    branches = pd.DataFrame(TREE, columns=["branch_id", "parent_id", "level"])
    return customers.astype(str), rms.astype(str), branches, policy


def run(n_banks: int, seed: int, backends: list[str]) -> dict[str, Any]:
    from allocator import allocate
    from allocator.checker import check_plan
    from allocator.errors import InputError, PlanBreachError
    from allocator.validation import load_instance

    rng = np.random.default_rng(seed)
    codes: collections.Counter[str] = collections.Counter()
    out = {"banks": 0, "rejected_locks": 0, "breaches": 0, "false_reasons": 0, "reasons": 0}
    examples: list[str] = []
    t0 = time.perf_counter()
    for i in range(n_banks):
        customers, rms, branches, policy = draw_bank(rng)
        backend = backends[i % len(backends)]
        try:
            inst = load_instance(customers, rms, branches, policy=policy)
            plan = allocate(inst, policy=policy, backend=backend, time_limit=10, workers=1, seed=0)
        except InputError:
            out["rejected_locks"] += 1  # conflicting locks: explained rejections
            continue
        except PlanBreachError as exc:
            out["breaches"] += 1
            examples.append(f"bank {i} ({backend}): {exc}")
            continue
        out["banks"] += 1
        report = check_plan(plan.instance, plan.assignments, plan.policy, reasons=True,
                            solve=plan.kpis["solve"])  # fmt: skip
        bad = [v for v in report.violations if v.rule == "reason"]
        out["false_reasons"] += len(bad)
        examples += [f"bank {i} ({backend}): {v}" for v in bad[:3]]
        for value in plan.assignments["reason_code"]:
            for code in str(value).split(";"):
                if code:
                    codes[code] += 1
                    out["reasons"] += 1
    out["seconds"] = round(time.perf_counter() - t0, 1)
    out["codes"] = dict(codes.most_common())
    out["examples"] = examples[:10]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--banks", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--backends", default="milp,cpsat,flow,greedy,lns,decompose")
    ap.add_argument("--smoke", action="store_true", help="30 banks (CI)")
    args = ap.parse_args(argv)
    from allocator.backends import available_backends

    backends = [b for b in args.backends.split(",") if b in available_backends()]
    n = 30 if args.smoke else args.banks
    result = run(n, args.seed, backends)
    print(f"# reason_bench: {n} banks, seed {args.seed}, backends {','.join(backends)}")
    print(f"# machine: {platform.machine()}, python {platform.python_version()}")
    for key in ("banks", "rejected_locks", "breaches", "reasons", "false_reasons", "seconds"):
        print(f"{key}: {result[key]}")
    print("codes:", ", ".join(f"{k} {v}" for k, v in result["codes"].items()))
    for line in result["examples"]:
        print("  !", line)
    return 0 if result["false_reasons"] == 0 and result["breaches"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
