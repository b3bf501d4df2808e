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
for _module in ("greedy", "cpsat", "milp", "flow", "decompose"):
    try:
        importlib.import_module(f"allocator.backends.{_module}")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"allocator.backends.{_module}":
            raise


def choose_backend(problem: Problem, name: str = "auto") -> Backend:
    """The backend to use: ``name`` itself, or for ``auto`` the first available exact backend
    whose ``max_pairs`` takes the problem (and that honours side rules the problem has), falling
    back to the one built for the largest size."""
    if name != "auto":
        return from_name(name)
    has_side_rules = bool(problem.exclusive.any() or (problem.group >= 0).any())
    classes = [c for c in registered().values() if c.is_available() and c.name != "greedy"]
    preference = ["decompose", "cpsat", "milp", "flow"]
    classes.sort(key=lambda c: preference.index(c.name) if c.name in preference else 99)
    for cls in classes:
        if problem.n_pairs <= cls.max_pairs and (cls.side_rules or not has_side_rules):
            return cls()
    fitting = sorted(classes, key=lambda c: -c.max_pairs)
    return fitting[0]() if fitting else from_name("greedy")


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
