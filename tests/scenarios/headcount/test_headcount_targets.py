"""Coverage targets: parsed and checked against the policy; tiers the allocator serves first are
implied."""

from __future__ import annotations

import pytest

from allocator.errors import InputError
from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.headcount.targets import implied_targets, parse_targets

TARGETS = {"private": 1.0, "high": 1.0, "mid": 0.95}


@pytest.mark.parametrize(
    "text,match",
    [
        ("platinum=1", "unknown tier"),
        ("ordinary=0.5", "pooled"),
        ("mid=1.5", "share"),
        ("mid=abc", "share"),
        ("", "no target"),
    ],
)
def test_bad_targets(text: str, match: str, policy: Policy) -> None:
    with pytest.raises(InputError, match=match):
        parse_targets(text, policy)


def test_targets_parse(policy: Policy) -> None:
    assert parse_targets("private=1.0, high=1,mid=0.95", policy) == TARGETS
    assert parse_targets({"mid": 0.5}, policy) == {"mid": 0.5}


def test_higher_priority_tiers_of_the_line_are_implied(
    small_bank: Instance, policy: Policy
) -> None:
    implied = implied_targets({"mid": 0.9}, policy, small_bank)
    assert {"private", "high"} <= set(implied) and set(implied.values()) == {1.0}
    assert not any(policy.tiers[t].line == "corporate" for t in implied if t in policy.tiers)
    assert implied_targets(TARGETS, policy, small_bank).keys().isdisjoint(TARGETS)
