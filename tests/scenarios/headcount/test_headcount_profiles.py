"""Candidate hires: the coverage grid where the rules let each unit hire, the extra profiles an
enforced rule needs, priced; roles for the rules."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.headcount.profiles import (
    PROFILE_COLUMNS,
    candidate_profiles,
    profile_roles,
)
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
    assert set(cands["grade"]) == set(rules.hire_grades)  # no assistants for coverage
    wealth = cands[cands["unit"] == "wealth_center"]
    assert set(wealth["certifications"]) == {"AFP", "CFP"}


def test_enforced_rules_add_profiles(
    small_bank: Instance, policy: Policy, rules: StaffingRules, salaries: pd.DataFrame
) -> None:
    plain = candidate_profiles(small_bank, policy, rules, salaries)
    more = candidate_profiles(small_bank, policy, rules, salaries, ["assistants"])
    assert not (plain["grade"] == "assistant").any()
    assert set(more.loc[more["grade"] == "assistant", "branch_id"]) >= set(
        small_bank.rms["branch_id"]
    )


def test_unpriced_profiles_are_dropped(
    small_bank: Instance, policy: Policy, rules: StaffingRules, salaries: pd.DataFrame
) -> None:
    retail_only = salaries[salaries["line"] == "retail"]
    cands = candidate_profiles(small_bank, policy, rules, retail_only)
    assert set(cands["line"]) == {"retail"}


def test_roles(policy: Policy, rules: StaffingRules) -> None:
    profiles = pd.DataFrame(
        {"certifications": ["", "AFP", "CFP"], "grade": ["assistant", "rm", "senior"]}
    )
    roles = profile_roles(profiles, policy, rules)
    assert roles.to_dict(orient="list") == {
        "wc_cert": [False, True, True],
        "vip_cert": [False, True, True],
        "assistant": [True, False, False],
    }


def test_candidates_do_not_depend_on_string_hashing() -> None:
    """With rules enforced the candidate list was built by looping over sets, so its order (and
    the solver's choice among equally cheap plans) changed with ``PYTHONHASHSEED``."""
    import os
    import subprocess
    import sys

    script = (
        "from scenarios.headcount import candidate_profiles, load_rules, RULE_NAMES\n"
        "from scenarios.compare import load_salaries\n"
        "from allocator.policy import default_policy\n"
        "from tests.scenarios.conftest import build_bank\n"
        "c = candidate_profiles(build_bank(), default_policy(), load_rules(),\n"
        "                       load_salaries('default'), RULE_NAMES)\n"
        "print(c.to_csv())\n"
    )
    root = str(Path(__file__).resolve().parents[3])
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": root}
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
