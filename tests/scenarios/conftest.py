"""Fixtures of the scenario tests: a small named bank, built in code so the tests do not depend
on the generator's choices, and kept small (a few hundred customers) so every solve takes well
under a second on a CI machine.

    HO (head_office) > P1 (province) > C0 (city) > S1 (subbranch) > O1, O2 (outlets)
                                                 > S2 (subbranch) > O3 (outlet)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tinybank import CUSTOMER_COLUMNS, RM_COLUMNS

from allocator.allocation import allocate
from allocator.instance import Instance
from allocator.io import write_instance
from allocator.policy import Policy, default_policy
from allocator.synth import branch_rows
from allocator.validation import load_instance
from scenarios.run import BankRun

BRANCHES = branch_rows("HO>P1>C0>S1>O1", "HO>P1>C0>S1>O2", "HO>P1>C0>S2>O3")

RMS = [
    # rm_id, line, grade, certifications, branch_id, unit, capacity
    ("R_O1A", "retail", "rm", "", "O1", "outlet", 40),
    ("R_O1B", "retail", "rm", "", "O1", "outlet", 40),
    ("R_O2A", "retail", "rm", "", "O2", "outlet", 40),
    ("R_O3A", "retail", "rm", "", "O3", "outlet", 40),
    ("R_S1M", "retail", "rm", "", "S1", "outlet", 40),
    ("V_S1A", "retail", "senior", "AFP", "S1", "vip_center", 40),
    ("V_S1B", "retail", "senior", "AFP", "S1", "vip_center", 40),
    ("W_C0A", "retail", "senior", "CFP", "C0", "wealth_center", 80),
    ("K_C0S", "corporate", "senior", "", "C0", "marketing", 30),
    ("K_S1I", "corporate", "intermediate", "", "S1", "outlet", 30),
    ("K_O1R", "corporate", "rm", "", "O1", "outlet", 30),
    ("K_P1R", "corporate", "rm", "", "P1", "marketing", 30),
]


def build_bank(n_customers: int = 240, seed: int = 0) -> Instance:
    """A small bank whose capacity is tight, so scenarios visibly change coverage."""
    rng = np.random.default_rng(seed)
    outlets = np.array(["O1", "O2", "O3"])
    rows = []
    rm_by_outlet = {"O1": ["R_O1A", "R_O1B"], "O2": ["R_O2A"], "O3": ["R_O3A"]}
    for i in range(n_customers):
        branch = str(rng.choice(outlets))
        if rng.random() < 0.8:
            aum = float(rng.choice([50_000, 250_000, 800_000, 7_000_000], p=[0.3, 0.45, 0.2, 0.05]))
            if aum == 250_000:
                current = str(rng.choice(rm_by_outlet[branch]))
            elif aum == 800_000:
                current = str(rng.choice(["V_S1A", "V_S1B"])) if branch != "O3" else ""
            elif aum == 7_000_000:
                current = "W_C0A"
            else:
                current = ""
            rows.append((f"C{i:04d}", "retail", branch, aum, 0.0, "", "", current))
        else:
            contrib = float(rng.choice([100_000, 4_000_000, 12_000_000], p=[0.8, 0.15, 0.05]))
            lt = str(rng.choice(["", "city", "province"], p=[0.8, 0.15, 0.05]))
            rows.append((f"C{i:04d}", "corporate", branch, 0.0, contrib, lt, "", ""))
    customers = pd.DataFrame(rows, columns=CUSTOMER_COLUMNS[:8])  # no locks in this bank
    rms = pd.DataFrame(RMS, columns=RM_COLUMNS[:7])  # every RM active
    branches = pd.DataFrame(BRANCHES, columns=["branch_id", "parent_id", "level"])
    return load_instance(customers, rms, branches)


@pytest.fixture(scope="session")
def small_bank() -> Instance:
    """The named bank above (240 customers, 12 RMs). Never mutated: edits are pure."""
    return build_bank()


@pytest.fixture(scope="session")
def policy() -> Policy:
    return default_policy()


@pytest.fixture(scope="session")
def baseline_run(small_bank: Instance, policy: Policy) -> BankRun:
    """The small bank solved once (one thread, proven optimal), shared by the scenario tests."""
    plan = allocate(small_bank, policy=policy, time_limit=30, seed=0, workers=1)
    assert plan.kpis["solve"]["status"] == "optimal"
    return BankRun(small_bank, policy, plan)


@pytest.fixture(scope="session")
def bank_dir(small_bank: Instance, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small bank written as contract v1 CSV files (for specs and CLI tests)."""
    out = tmp_path_factory.mktemp("bank")
    write_instance(small_bank, out)
    return out
