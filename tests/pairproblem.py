"""A solver-neutral :class:`~allocator.problem.Problem` written by hand, pair by pair.

The backend tests state tiny problems as lists of eligible pairs; this one builder serves them
all (importable: pytest puts tests/ on the path).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from allocator.problem import Problem

Pair = tuple[int, int, int, int]  # customer, rm, weight, value
ALL_STAGES = ("cover_value", "continuity", "balance")


def problem(
    n_customers: int,
    capacity: Sequence[int],
    pairs: Iterable[Pair],
    *,
    required: Iterable[int] = (),
    groups: Sequence[Sequence[int]] = (),
    exclusive: Iterable[int] = (),
    current: dict[int, int] | None = None,
    klass: Sequence[int] | None = None,
    stages: tuple[str, ...] = ALL_STAGES,
) -> Problem:
    """A Problem from pairs ``(customer, rm, weight, value)`` (any order; duplicates once);
    today's RMs are also the hint."""
    arr = np.array(sorted(set(pairs)), dtype=np.int64).reshape(-1, 4)
    group = np.full(n_customers, -1, dtype=np.int32)
    for g, members in enumerate(groups):
        group[list(members)] = g
    cur = np.full(n_customers, -1, dtype=np.int32)
    for c, r in (current or {}).items():
        cur[c] = r
    req = np.zeros(n_customers, dtype=bool)
    req[list(required)] = True
    excl = np.zeros(n_customers, dtype=bool)
    excl[list(exclusive)] = True
    return Problem(
        customer_ids=np.array([f"c{i}" for i in range(n_customers)], dtype=object),
        rm_ids=np.array([f"r{i}" for i in range(len(capacity))], dtype=object),
        pair_customer=arr[:, 0].astype(np.int32),
        pair_rm=arr[:, 1].astype(np.int32),
        pair_weight=arr[:, 2].copy(),
        pair_value=arr[:, 3].copy(),
        capacity=np.asarray(capacity, dtype=np.int64),
        required=req,
        group=group,
        exclusive=excl,
        current=cur,
        hint=cur.copy(),
        klass=None if klass is None else np.asarray(klass, dtype=np.int32),
        stages=stages,
    )
