"""A solver-neutral :class:`~allocator.problem.Problem` written by hand, pair by pair.

The backend tests state tiny problems as lists of eligible pairs; this one builder serves them
all, :func:`random_problems` draws them for Hypothesis, and :func:`optimum` is the truth they
are held to: every assignment enumerated (importable: pytest puts tests/ on the path).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import numpy.typing as npt
from hypothesis import strategies as st

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


@st.composite
def random_problems(
    draw: st.DrawFn,
    *,
    customers: int,
    most_weight: int,
    most_capacity: int,
    flags: Sequence[str],
) -> tuple[Problem, bool]:
    """A random tiny problem whose customers weigh the same on every RM (the flow's premise),
    and whether it has side rules.

    Each customer draws one of ``flags``: ``excl`` (one-to-one), ``g0``/``g1`` (a member of
    that group), ``lock`` (held by today's RM when it has one: that pair only, required, as the
    compiler makes held locks) or ``none``.
    """
    n_c = draw(st.integers(1, customers))
    n_r = draw(st.integers(1, 3))
    weights = draw(st.lists(st.integers(1, most_weight), min_size=n_c, max_size=n_c))
    cells = draw(
        st.lists(
            st.tuples(
                st.integers(0, n_c - 1), st.integers(0, n_r - 1), st.sampled_from([10, 100, 1000])
            ),
            max_size=n_c * n_r,
            unique_by=lambda t: (t[0], t[1]),
        )
    )
    capacity = draw(st.lists(st.integers(0, most_capacity), min_size=n_r, max_size=n_r))
    drawn = draw(st.lists(st.sampled_from(list(flags)), min_size=n_c, max_size=n_c))
    current = {c: r for c, r, _ in cells if draw(st.booleans())}
    locked = {c for c, f in enumerate(drawn) if f == "lock" and c in current}
    cells = [(c, r, v) for c, r, v in cells if c not in locked or r == current[c]]
    groups = [[c for c, f in enumerate(drawn) if f == g] for g in ("g0", "g1")]
    p = problem(
        n_c,
        capacity,
        [(c, r, weights[c], v) for c, r, v in cells],
        groups=[g for g in groups if len(g) >= 2],
        exclusive=[c for c, f in enumerate(drawn) if f == "excl"],
        required=sorted(locked),
        current={c: r for c, r in current.items() if (c, r) in {(a, b) for a, b, _ in cells}},
    )
    return p, any(f in ("excl", "g0", "g1") for f in drawn)
