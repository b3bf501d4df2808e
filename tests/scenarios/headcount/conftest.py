"""Fixtures of the headcount planner's tests (the small named bank and the policy come from
``tests/scenarios/conftest.py``): a one-VIP-centre bank whose shortfall a single hire fixes, and
the shipped staffing rules."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from allocator.instance import Instance
from allocator.policy import Policy
from allocator.synth import branch_rows
from allocator.validation import load_instance
from scenarios.compare import load_salaries
from scenarios.headcount import StaffingRules, load_rules, load_staff
from scenarios.headcount.levers import Levers, load_levers
from scenarios.headcount.roster import Roster, build_roster

#: what the catalogue builders take before the enforced rules
LeverInputs = tuple[Instance, Policy, StaffingRules, Levers, Roster, pd.DataFrame]


def build_tiny_bank(n_high: int, vip_capacity: float) -> Instance:
    """HO > P1 > C0 > S1 > O1; one senior AFP holder in S1's VIP centre; ``n_high`` high-tier
    customers (2 workload points each) at O1."""
    branches = pd.DataFrame(
        branch_rows("HO>P1>C0>S1>O1"), columns=["branch_id", "parent_id", "level"]
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


#: staff of the small named bank (tests/scenarios/conftest.py) besides its RMs: S1's VIP centre
#: has 40 people, C0's wealth centre 8 certified managers, each outlet counters and a lobby
#: manager, except O3 (no lobby manager)
SMALL_STAFF = [
    ("S1", "vip_center", "marketing_manager", 2, "AFP"),
    ("S1", "vip_center", "wealth_manager", 3, ""),
    ("S1", "vip_center", "other", 33, ""),
    ("C0", "wealth_center", "marketing_manager", 2, "CFP"),
    ("C0", "wealth_center", "wealth_manager", 5, "AFP"),
    ("C0", "wealth_center", "lobby_manager", 1, "AFP"),
    ("O1", "outlet", "counter", 4, ""),
    ("O1", "outlet", "lobby_manager", 1, ""),
    ("O2", "outlet", "counter", 3, ""),
    ("O2", "outlet", "lobby_manager", 1, ""),
    ("O3", "outlet", "counter", 6, ""),
    ("O3", "outlet", "back_office", 2, ""),
]


@pytest.fixture
def small_staff() -> pd.DataFrame:
    """:data:`SMALL_STAFF` as a staff table (the new form of staff.csv)."""
    return pd.DataFrame(
        SMALL_STAFF, columns=["branch_id", "unit", "role", "count", "certifications"]
    )


@pytest.fixture
def roster(small_bank: Instance, small_staff: pd.DataFrame, rules: StaffingRules) -> Roster:
    """The small named bank's roster: its RMs and :data:`SMALL_STAFF` under the shipped rules,
    the starting point of most catalogue and effect tests."""
    return build_roster(small_bank, load_staff(small_staff), rules)


@pytest.fixture
def lever_inputs(
    small_bank: Instance,
    policy: Policy,
    rules: StaffingRules,
    roster: Roster,
    salaries: pd.DataFrame,
) -> LeverInputs:
    """The small named bank, the policy, the shipped rules and levers, its :func:`roster` and the
    salary table: the first six arguments of ``build_catalogue`` and ``redeploy_options``, in
    their order, so that a test of the options asks for one fixture and passes ``*lever_inputs``
    instead of repeating five fixtures and the call's head."""
    return small_bank, policy, rules, load_levers(), roster, salaries


@pytest.fixture
def vip_hire() -> dict[str, object]:
    """One hires.csv row (without count and costs): a retail RM with AFP hired into S1's VIP
    centre, the hire that serves the high tier of the small and the tiny bank; the action, words
    and verify tests each start from it."""
    return {
        "action": "hire",
        "role": "rm",
        "line": "retail",
        "grade": "rm",
        "certifications": "AFP",
        "branch_id": "S1",
        "unit": "vip_center",
    }
