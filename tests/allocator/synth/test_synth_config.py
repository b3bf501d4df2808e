"""Tests of allocator.synth.config: a GeneratorConfig refuses what cannot make a bank."""

from __future__ import annotations

import pytest

from allocator.synth import GeneratorConfig


def test_config_validates_itself() -> None:
    with pytest.raises(ValueError, match="retail_share"):
        GeneratorConfig(retail_share=(0.9, 0.8))
    with pytest.raises(ValueError, match="group_size"):
        GeneratorConfig(group_size=(1, 3))


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"retail_tier_shares": {"private": (-0.1, 0.1)}}, "retail_tier_shares.private"),
        ({"outlets_per_subbranch": (3, 2)}, "outlets_per_subbranch"),
        ({"min_cities": 0}, "min_cities"),
        ({"target_utilisation": 1.5}, "target_utilisation"),
        ({"lock_budget": 0.0}, "lock_budget"),
    ],
)
def test_every_problem_is_named(bad: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        GeneratorConfig(**bad)  # type: ignore[arg-type]


def test_all_problems_are_reported_at_once() -> None:
    with pytest.raises(ValueError) as err:
        GeneratorConfig(retail_share=(0.9, 0.8), min_outlets=0)
    assert "retail_share" in str(err.value) and "min_outlets" in str(err.value)


def test_the_defaults_are_valid_and_frozen() -> None:
    cfg = GeneratorConfig()
    with pytest.raises(AttributeError):
        cfg.lock_share = 0.5  # type: ignore[misc]
