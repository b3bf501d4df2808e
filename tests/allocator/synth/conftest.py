"""Fixtures of the synth tests: generated banks shared by the test modules (generation is
deterministic, so one bank per session serves every test that only reads it)."""

from __future__ import annotations

import pytest

from allocator.instance import Instance
from allocator.synth import generate_bank


@pytest.fixture(scope="session")
def bank20k() -> Instance:
    """20,000 customers: big enough for every share to be measurable."""
    return generate_bank(20_000, 11)


@pytest.fixture(scope="session")
def small() -> Instance:
    """3,000 customers: for tests that only need a bank."""
    return generate_bank(3_000, 5)
