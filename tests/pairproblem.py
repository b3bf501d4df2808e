"""A solver-neutral :class:`~allocator.problem.Problem` written by hand, pair by pair.

The backend tests state tiny problems as lists of eligible pairs; this one builder serves them
all, and :func:`optimum` is the truth they are held to: every assignment enumerated
(importable: pytest puts tests/ on the path).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import numpy.typing as npt

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


def assignments(p: Problem) -> Iterator[npt.NDArray[np.int64]]:
    """Every assignment of a tiny problem, valid or not: each customer to the RM of one of its
    pairs, or to nobody."""
    options = [[-1, *p.pair_rm[p.pairs_of(c)].tolist()] for c in range(p.n_customers)]
    for choice in itertools.product(*options):
        yield np.array(choice, dtype=np.int64)


def valid_plans(p: Problem) -> list[npt.NDArray[np.int64]]:
    """Every assignment of a tiny problem that breaks no hard rule."""
    return [a for a in assignments(p) if not p.violations(a)]


def optimum(p: Problem) -> tuple[int, int, int, float] | None:
    """(cover value, moves, dropped, max utilisation) of the lexicographic optimum of a tiny
    problem, by enumeration; ``None`` when no assignment is valid."""
    best: tuple[int, int, int, float] | None = None
    for a in valid_plans(p):
        key = (-p.cover_value(a), p.moves(a), p.dropped(a), p.max_utilisation(a))
        if best is None or key < best:
            best = key
    return None if best is None else (-best[0], best[1], best[2], best[3])
