"""Fixtures of the headcount planner's tests (the small named bank and the policy come from
``tests/scenarios/conftest.py``): a one-VIP-centre bank whose shortfall a single hire fixes, and
the shipped staffing rules."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from allocator.instance import Instance
from allocator.validation import load_instance
from scenarios.compare import load_salaries
from scenarios.headcount import StaffingRules, load_rules


def build_tiny_bank(n_high: int, vip_capacity: float) -> Instance:
    """HO > P1 > C0 > S1 > O1; one senior AFP holder in S1's VIP centre; ``n_high`` high-tier
    customers (2 workload points each) at O1."""
    branches = pd.DataFrame(
        [
            ("HO", "", "head_office"),
            ("P1", "HO", "province"),
            ("C0", "P1", "city"),
            ("S1", "C0", "subbranch"),
            ("O1", "S1", "outlet"),
        ],
        columns=["branch_id", "parent_id", "level"],
    )
    rms = pd.DataFrame(
        [("V1", "retail", "senior", "AFP", "S1", "vip_center", vip_capacity)],
        columns=["rm_id", "line", "grade", "certifications", "branch_id", "unit", "capacity"],
    )
    customers = pd.DataFrame(
        {
            "customer_id": [f"H{i}" for i in range(n_high)],
            "segment": "retail",
            "branch_id": "O1",
            "aum": 800_000.0,
            "annual_contribution": 0.0,
        }
    )
    return load_instance(customers, rms, branches)


@pytest.fixture
def tiny_bank() -> Callable[[int, float], Instance]:
    """``tiny_bank(n_high, vip_capacity)`` -> the bank of :func:`build_tiny_bank`."""
    return build_tiny_bank


@pytest.fixture(scope="session")
def rules() -> StaffingRules:
    """The shipped staffing rules."""
    return load_rules()


@pytest.fixture(scope="session")
def salaries() -> pd.DataFrame:
    """The shipped (illustrative) salary table."""
    table = load_salaries("default")
    assert table is not None
    return table
