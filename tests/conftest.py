"""Shared fixtures. Helpers live in ``tinybank.py`` (importable: pytest puts tests/ on the path)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest
from tinybank import TREE, frames

from allocator.instance import Instance


@pytest.fixture
def bank() -> Callable[..., Instance]:
    """``bank(rms=[...], customers=[...])`` -> a validated Instance on the standard tree."""
    from allocator.validation import load_instance

    def build(
        rms: Sequence[dict[str, Any]],
        customers: Sequence[dict[str, Any]],
        tree: Sequence[tuple[str, str, str]] = TREE,
        policy: Any = None,
    ) -> Instance:
        c, r, b = frames(rms, customers, tree)
        return load_instance(c, r, b, policy=policy)

    return build
