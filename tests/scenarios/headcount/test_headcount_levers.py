"""The levers as data: the shipped file loads, overrides merge key by key, bad values are input
errors, and levers can be switched off."""

from __future__ import annotations

import pytest

from allocator.errors import InputError
from scenarios.headcount.levers import load_levers


def test_shipped_levers() -> None:
    levers = load_levers()
    assert levers.certify.certifications["CFP"].lead_quarters == 2
    assert levers.redeploy.from_roles == ["counter", "back_office"]
    assert levers.transfer.scope_level == "city"


def test_an_override_merges() -> None:
    levers = load_levers({"certify": {"certifications": {"afp": {"cost": 1, "lead_quarters": 0}}}})
    assert levers.certify.certifications["AFP"].cost == 1  # names read as the contract reads them
    assert "CFP" in levers.certify.certifications


@pytest.mark.parametrize(
    "override",
    [
        {"role_salaries": {"counter": -1}},
        {"redeploy": {"max_share": 2}},
        {"transfer": {"cost": "x"}},
    ],
)
def test_bad_levers(override: dict[str, object]) -> None:
    with pytest.raises(InputError, match="levers"):
        load_levers(override)


def test_switched_off() -> None:
    off = load_levers().without("certify", "transfer")
    assert not off.certify.enabled and not off.transfer.enabled and off.redeploy.enabled
