"""Backends: every one solves the same :class:`~allocator.problem.Problem`.

Importing this package registers the built-in backends; ``auto`` picks one by size and features
(:func:`choose_backend`).
"""

from __future__ import annotations

import importlib

from allocator.backends.base import (
    Backend,
    Progress,
    SolveControl,
    available_backends,
    from_name,
    register,
    registered,
)
from allocator.problem import Problem

# built-ins register themselves on import; optional ones may be missing while being built
for _module in ("greedy", "cpsat", "milp", "flow", "decompose", "lns"):
    try:
        importlib.import_module(f"allocator.backends.{_module}")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"allocator.backends.{_module}":
            raise


def choose_backend(problem: Problem, name: str = "auto") -> Backend:
    """The backend to use: ``name`` itself, or for ``auto`` the first available backend of
    :data:`AUTO_ORDER` whose ``max_pairs`` takes the problem, falling back to the one built for
    the largest size.

    Why this order (measured, benchmarks/RESULTS.md): HiGHS through ``milp`` proves all three
    stages of the 2,000-customer sample bank in 0.4 s where CP-SAT with 2 workers needs the
    time limit for its balance stage, and it proves the cover optimum of a 10^4-customer bank
    (8,782 pairs); from 20,000 customers (87,257 pairs) on, ``flow`` (min-cost-flow relaxation
    plus exact repair, with the LP bound) reaches more cover value in a second than HiGHS in a
    minute, and it takes province scale (10^6 customers in under 20 s). CP-SAT is the exact
    fallback where highspy is missing. ``decompose`` and ``lns`` are chosen by name.
    """
    if name != "auto":
        return from_name(name)
    available = {n: c for n, c in registered().items() if c.is_available()}
    for candidate in AUTO_ORDER:
        cls = available.get(candidate)
        if cls is not None and problem.n_pairs <= cls.max_pairs:
            return cls()
    fitting = sorted(
        (c for n, c in available.items() if n in AUTO_ORDER), key=lambda c: -c.max_pairs
    )
    return fitting[0]() if fitting else from_name("greedy")


#: the backends ``auto`` tries, in order (each up to its ``max_pairs``)
AUTO_ORDER = ("milp", "cpsat", "flow")


__all__ = [
    "Backend",
    "Progress",
    "SolveControl",
    "available_backends",
    "choose_backend",
    "from_name",
    "register",
    "registered",
]
