"""The RM hire grid: where the hiring options let each unit hire, serving grades only, priced,
and in an order that does not depend on Python's string hashing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.headcount.profiles import PROFILE_COLUMNS, candidate_profiles
from scenarios.headcount.rules import StaffingRules


def test_candidates_follow_the_hiring_options(
    small_bank: Instance, policy: Policy, rules: StaffingRules, salaries: pd.DataFrame
) -> None:
    cands = candidate_profiles(small_bank, policy, rules, salaries)
    assert list(cands.columns) == [*PROFILE_COLUMNS, "cost"]
    assert cands["cost"].gt(0).all() and not cands.duplicated(list(PROFILE_COLUMNS)).any()
    at = cands.groupby("unit")["branch_id"].agg(set).to_dict()
    assert at["vip_center"] == {"S1"} and at["wealth_center"] == {"C0"}  # where they exist
    assert at["outlet"] == {"O1", "O2", "O3", "S1", "S2"}
    assert at["marketing"] == {"C0", "P1", "HO"}
    assert set(cands["grade"]) == set(rules.hire_grades)  # no junior-grade filler
    wealth = cands[cands["unit"] == "wealth_center"]
    assert set(wealth["certifications"]) == {"AFP", "CFP"}


def test_unpriced_profiles_are_dropped(
    small_bank: Instance, policy: Policy, rules: StaffingRules, salaries: pd.DataFrame
) -> None:
    retail_only = salaries[salaries["line"] == "retail"]
    cands = candidate_profiles(small_bank, policy, rules, retail_only)
    assert set(cands["line"]) == {"retail"}


def test_candidates_do_not_depend_on_string_hashing() -> None:
    """With rules enforced the candidate list was built by looping over sets, so its order (and
    the solver's choice among equally cheap plans) changed with ``PYTHONHASHSEED``."""
    script = (
        "from scenarios.headcount.plan import plan_headcount\n"
        "from tests.scenarios.conftest import build_bank\n"
        "p = plan_headcount(build_bank(), {'mid': 1.0}, enforce='all', time_limit=30)\n"
        "print(p.hires.to_csv())\n"
    )
    root = str(Path(__file__).resolve().parents[3])
    outputs = set()
    for seed in ("1", "2"):
        tests = str(Path(root) / "tests")  # the shared test helpers (tinybank) live there
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": f"{root}{os.pathsep}{tests}"}
        done = subprocess.run(
            [sys.executable, "-c", script],
            env=env,
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1


def test_a_profile_must_serve_some_tier_where_it_sits(policy: Policy) -> None:
    from scenarios.headcount.profiles import can_serve

    assert can_serve("retail", "rm", "AFP", "vip_center", policy)
    assert not can_serve("retail", "rm", "", "vip_center", policy)  # VIP tiers want AFP/CFP
    assert can_serve("retail", "rm", "", "outlet", policy)  # mid
    assert can_serve("corporate", "assistant", "", "outlet", policy)  # subbranch has no grade
