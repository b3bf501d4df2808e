"""Fixtures of the synth tests: generated banks shared by the test modules (generation is
deterministic, so one bank per session serves every test that only reads it)."""

from __future__ import annotations

import pytest

from allocator.instance import Instance
from allocator.synth import GeneratorConfig, generate_bank


@pytest.fixture(scope="session")
def bank20k() -> Instance:
    """20,000 customers: big enough for every share to be measurable."""
    return generate_bank(20_000, 11)


@pytest.fixture(scope="session")
def small() -> Instance:
    """3,000 customers: for tests that only need a bank."""
    return generate_bank(3_000, 5)


@pytest.fixture(scope="session")
def v11_bank() -> Instance:
    """100,000 customers of the v1.1 preset (20 sub-branches, 5 cities, 2 designated VIP
    centres): executives, assistants, composite RMs, last quarter's history, deposits,
    complaints."""
    return generate_bank(100_000, 9, config=GeneratorConfig.v11())


@pytest.fixture(scope="session")
def harsh_bank() -> Instance:
    """50,000 customers of the harsh preset."""
    return generate_bank(50_000, 11, config=GeneratorConfig.harsh())
