"""One interface for every backend (after linopy): capability flags, ``is_available()``, a
registry with ``from_name()``. Every backend solves the same :class:`~allocator.problem.Problem`
and returns a :class:`~allocator.solution.Solution`; the checker verifies whatever comes out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from allocator.problem import Problem

# Progress and SolveControl live with the other solve types (the searches under allocator.lns
# use them without importing the backends); they are re-exported here for the backends
from allocator.solution import Progress as Progress
from allocator.solution import Solution, SolveControl, SolveOptions


class Backend(ABC):
    """Base class of the backends.

    Capability flags say what a backend honours; ``auto`` selection and the tests read them.
    """

    name: ClassVar[str]
    #: honours groups and one-to-one customers
    side_rules: ClassVar[bool] = True
    #: proves optimality (reports a real bound) rather than a heuristic answer
    exact: ClassVar[bool] = True
    #: starts from ``Problem.hint``
    warm_start: ClassVar[bool] = False
    #: size (eligible pairs) up to which the backend is a sensible choice
    max_pairs: ClassVar[int] = 10**6

    @classmethod
    def is_available(cls) -> bool:
        """Whether the backend's solver can be loaded in this environment."""
        return True

    @abstractmethod
    def solve(
        self, problem: Problem, options: SolveOptions, control: SolveControl | None = None
    ) -> Solution:
        """Solve ``problem`` within ``options.time_limit`` seconds."""


_REGISTRY: dict[str, type[Backend]] = {}


def register(cls: type[Backend]) -> type[Backend]:
    """Class decorator adding a backend to the registry under ``cls.name``."""
    _REGISTRY[cls.name] = cls
    return cls


def registered() -> dict[str, type[Backend]]:
    """Every registered backend class by name (imports the built-in ones)."""
    import allocator.backends  # noqa: F401  (registers the built-ins)

    return dict(_REGISTRY)


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
