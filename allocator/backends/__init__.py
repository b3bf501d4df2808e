"""Backends: every one solves the same :class:`~allocator.problem.Problem`.

Each is a thin adapter: a formulation (:mod:`allocator.formulations`), an engine
(:mod:`allocator.engines`) and the stage loop (:mod:`allocator.staging`), or an algorithm package
(:mod:`allocator.flow`, :mod:`allocator.lns`, :mod:`allocator.heuristics`). No backend imports
another backend. ``auto`` (:mod:`allocator.backends.auto`) solves with the one the size calls for
-- after ``flow`` as the incumbent when that is an exact one -- reaching them only through the
registry (:func:`from_name`, :func:`~allocator.backends.registry.pick_backend`).
"""

from __future__ import annotations

from allocator.backends.base import Backend, Capability, Progress, SolveControl, register
from allocator.backends.registry import (
    AUTO_ORDER,
    available_backends,
    choose_backend,
    from_name,
    registered,
)

registered()  # importing the package registers the built-in backends

__all__ = [
    "AUTO_ORDER",
    "Backend",
    "Capability",
    "Progress",
    "SolveControl",
    "available_backends",
    "choose_backend",
    "from_name",
    "register",
    "registered",
]
