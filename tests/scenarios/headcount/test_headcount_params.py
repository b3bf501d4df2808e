"""How to plan, validated together: rule names, modes, budgets and limits."""

from __future__ import annotations

import pytest

from allocator.errors import InputError
from scenarios.headcount.params import PlanParams
from scenarios.headcount.rules import RULE_NAMES


def test_enforce_all_and_lists() -> None:
    assert PlanParams.build(enforce="all").enforce == RULE_NAMES
    assert PlanParams.build(enforce="assistants, rm_share").enforce == ("rm_share", "assistants")


def test_every_bad_field_is_reported() -> None:
    with pytest.raises(InputError) as info:
        PlanParams.build(enforce=["lobby"], mode="cheapest", budget=-1)
    assert {i.file for i in info.value.issues} == {"enforce", "mode", "budget"}
    assert "unknown rule" in str(info.value)
