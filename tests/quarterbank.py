"""A small bank for a quarter's review: two outlets whose RMs are over capacity today.

Tree H0 > P0 > C0 > S1 > {O1, O2}. Outlet O1: RM R1 (capacity 4) serves eight mid-tier customers
today, R2 (capacity 10) two; outlet O2: R3 (capacity 2) serves four, R4 (capacity 10) one. Every
plan moves four of R1's customers to R2 and two of R3's to R4: six moves, four in O1 and two in
O2, whatever the backend.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from allocator.synth import branch_rows

BRANCHES = branch_rows("H0>P0>C0>S1>O1", "H0>P0>C0>S1>O2")
RMS = [("R1", "O1", 4), ("R2", "O1", 10), ("R3", "O2", 2), ("R4", "O2", 10)]
BOOK = [("O1", "R1")] * 8 + [("O1", "R2")] * 2 + [("O2", "R3")] * 4 + [("O2", "R4")]


def frames() -> dict[str, pd.DataFrame]:
    customers = pd.DataFrame(
        [
            {
                "customer_id": f"K{i + 1:02d}",
                "segment": "retail",
                "branch_id": branch,
                "aum": 300_000 + 1_000 * i,
                "annual_contribution": 0,
                "current_rm_id": rm,
                "locked": "false",
            }
            for i, (branch, rm) in enumerate(BOOK)
        ]
    )
    rms = pd.DataFrame(
        [
            {
                "rm_id": rm,
                "line": "retail",
                "grade": "rm",
                "certifications": "",
                "branch_id": branch,
                "unit": "outlet",
                "capacity": capacity,
                "active": "true",
            }
            for rm, branch, capacity in RMS
        ]
    )
    branches = pd.DataFrame(BRANCHES, columns=["branch_id", "parent_id", "level"])
    return {"customers": customers, "rms": rms, "branches": branches}


def write(folder: Path) -> dict[str, Path]:
    """The bank as CSV files in ``folder``; their paths by table."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, frame in frames().items():
        out[name] = folder / f"{name}.csv"
        frame.to_csv(out[name], index=False)
    return out
