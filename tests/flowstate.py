"""A :class:`~allocator.flow.state.FlowState` over a tiny problem written pair by pair, for the
tests of the flow phases (importable: pytest puts tests/ on the path)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

import pairproblem

from allocator.flow.state import Clock, FlowState

Pair = tuple[int, int, int]  # customer, rm, value (the customer's weight is given apart)


def state_of(
    weights: Sequence[int], capacity: Sequence[int], pairs: Iterable[Pair], **rules: Any
) -> FlowState:
    """A fresh FlowState (an hour to go) of the problem of ``(customer, rm, value)`` pairs,
    ``weights[c]`` customer c's workload on every RM (the flow's premise); ``rules`` as
    :func:`pairproblem.problem`."""
    p = pairproblem.problem(
        len(weights), capacity, [(c, r, weights[c], v) for c, r, v in pairs], **rules
    )
    clock = Clock(time.monotonic() + 3600.0, threading.Event(), lambda *_: None)
    return FlowState.create(p, clock, continuity=True, balance=True)
