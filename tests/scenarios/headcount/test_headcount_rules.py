"""Staffing rules as data: the shipped file loads, overrides merge over it, bad values and
unknown rule names are input errors."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest

from allocator.contract import UNITS
from allocator.errors import InputError
from scenarios.headcount.rules import (
    RULE_NAMES,
    StaffingRules,
    Unit,
    enforced_rules,
    load_rules,
)


def test_shipped_rules_load(rules: StaffingRules) -> None:
    assert rules.assistants_per == 6 and rules.packing_margin
    assert set(rules.line_units) == {"retail", "corporate"}


def test_units_are_the_contracts() -> None:
    assert set(get_args(Unit)) == set(UNITS)


def test_an_override_merges_key_by_key(rules: StaffingRules) -> None:
    merged = load_rules({"assistants_per": 2, "candidate_branches": {"outlet": {"levels": []}}})
    assert merged.assistants_per == 2 and merged.rm_share_min == rules.rm_share_min
    assert merged.candidate_branches["outlet"].levels == []
    assert merged.candidate_branches["marketing"] == rules.candidate_branches["marketing"]


def test_an_override_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("vip_center_min_staff: 4\n")
    assert load_rules(path).vip_center_min_staff == 4


def test_certifications_are_read_as_the_contract_reads_them() -> None:
    rules = load_rules(
        {"wealth_center_certifications": [" cfp", "CFP"], "hire_certifications": ["", "afp; cpb"]}
    )
    assert rules.wealth_center_certifications == ["CFP"]
    assert rules.hire_certifications == ["", "AFP;CPB"]


@pytest.mark.parametrize(
    "override", [{"rm_share_min": 1.5}, {"assistants_per": 0}, {"line_units": {"cash": []}}]
)
def test_bad_rules(override: dict[str, object]) -> None:
    with pytest.raises(InputError, match="staffing rules"):
        load_rules(override)


def test_enforced_rules() -> None:
    assert enforced_rules(["assistants", "assistants"]) == {"assistants"}
    assert enforced_rules(RULE_NAMES) == set(RULE_NAMES)
    with pytest.raises(InputError, match="unknown rule"):
        enforced_rules(["lobby"])
