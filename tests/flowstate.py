"""A :class:`~allocator.flow.state.FlowState` over a tiny problem written pair by pair, for the
tests of the flow phases (importable: pytest puts tests/ on the path)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pairproblem

from allocator.flow.hubs import POOLED, build_hubs
from allocator.flow.network import Hubs
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


def pooled(s: FlowState) -> Hubs:
    """Every customer of ``s`` in hubs of the pooled kind: no pins, no reserved or busy RMs."""
    n = s.problem.n_customers
    cust = np.arange(n, dtype=np.int64)
    none = np.full(n, -1, dtype=np.int64)
    m = s.problem.n_rms
    return build_hubs(
        s, cust, np.full(n, POOLED), s.weight[cust], none, np.full(m, -1), np.zeros(m, bool), 0
    )
