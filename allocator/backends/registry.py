"""Which backends exist, which load here, and which one ``auto`` picks."""

from __future__ import annotations

import importlib

from allocator.backends.base import Backend, registry
from allocator.problem import Problem

#: the built-in backends, by module under ``allocator.backends``
BUILTIN = ("greedy", "cpsat", "milp", "flow", "decompose", "lns", "auto")
#: the backends ``auto`` picks from, in order (each up to its ``max_pairs``)
AUTO_ORDER = ("milp", "cpsat", "flow")


def registered() -> dict[str, type[Backend]]:
    """Every registered backend class by name (the built-ins are imported on first call; a
    built-in whose module is missing is skipped)."""
    for module in BUILTIN:
        try:
            importlib.import_module(f"allocator.backends.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"allocator.backends.{module}":
                raise
    return registry()


def available_backends() -> list[str]:
    """Names of the registered backends whose solver loads here."""
    return [name for name, cls in registered().items() if cls.is_available()]


def from_name(name: str) -> Backend:
    """An instance of the backend called ``name``.

    Raises
    ------
    ValueError
        For an unknown or unavailable backend; the message lists the available ones.
    """
    classes = registered()
    if name not in classes or not classes[name].is_available():
        raise ValueError(
            f"unknown or unavailable backend {name!r}; available: {available_backends()}"
        )
    return classes[name]()


def choose_backend(problem: Problem, name: str = "auto") -> Backend:
    """The backend to use: ``name`` itself; ``auto`` is the meta-backend of
    :mod:`allocator.backends.auto`, which solves with :func:`pick_backend`'s choice and, where
    that is an exact backend, runs ``flow`` first as the incumbent it never returns worse than.
    """
    if name != "auto" or "auto" not in registered():
        return from_name(name) if name != "auto" else pick_backend(problem)
    return from_name("auto")


def pick_backend(problem: Problem) -> Backend:
    """The backend the problem's size calls for: the first available backend of
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
    available = {n: c for n, c in registered().items() if c.is_available()}
    for candidate in AUTO_ORDER:
        cls = available.get(candidate)
        if cls is not None and problem.n_pairs <= cls.max_pairs:
            return cls()
    fitting = sorted(
        (c for n, c in available.items() if n in AUTO_ORDER), key=lambda c: -c.max_pairs
    )
    return fitting[0]() if fitting else from_name("greedy")
