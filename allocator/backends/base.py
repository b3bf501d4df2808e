"""One interface for every backend (after linopy): a feature enum of what each honours,
``is_available()``, and a registry (:mod:`allocator.backends.registry`). Every backend solves the
same :class:`~allocator.problem.Problem` and returns a :class:`~allocator.solution.Solution`; the
checker verifies whatever comes out."""

from __future__ import annotations

import importlib
import time
from abc import ABC, abstractmethod
from enum import StrEnum
from typing import Any, ClassVar

from allocator.params import SolveOptions
from allocator.problem import Problem

# Progress and SolveControl live with the other solve types (the searches under allocator.lns
# use them without importing the backends); they are re-exported here for the backends
from allocator.solution import Progress as Progress
from allocator.solution import Solution, SolutionStatus, SolveControl, Termination


class Capability(StrEnum):
    """What a backend honours or offers (after linopy's ``solver_capabilities``): ``auto`` and
    the tests read these instead of one boolean attribute per feature."""

    #: honours groups and one-to-one customers
    SIDE_RULES = "side_rules"
    #: proves optimality (reports a real bound) rather than a heuristic answer
    EXACT = "exact"
    #: starts from ``Problem.hint``
    WARM_START = "warm_start"
    #: honours per-RM caps on moved customers (``Problem.move_cap``) natively
    MOVE_CAPS = "move_caps"


class Backend(ABC):
    """Base class of the backends.

    ``capabilities`` say what a backend honours; ``exact``, ``side_rules`` and ``warm_start`` are
    derived from them for readability. ``settings_type``, when set, is the dataclass of the
    backend's own settings (``SolveOptions.settings[name]`` is validated by building it).
    """

    name: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.SIDE_RULES})
    #: size (eligible pairs) up to which the backend is a sensible choice
    max_pairs: ClassVar[int] = 10**6
    settings_type: ClassVar[type | None] = None
    #: modules the backend's solver needs: it is available where they all import
    requires: ClassVar[tuple[str, ...]] = ()
    exact: ClassVar[bool]
    side_rules: ClassVar[bool]
    warm_start: ClassVar[bool]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.exact = Capability.EXACT in cls.capabilities
        cls.side_rules = Capability.SIDE_RULES in cls.capabilities
        cls.warm_start = Capability.WARM_START in cls.capabilities

    @classmethod
    def supports(cls, capability: Capability) -> bool:
        """Whether the backend has ``capability``."""
        return capability in cls.capabilities

    @classmethod
    def is_available(cls) -> bool:
        """Whether the backend's solver can be loaded in this environment: every module of
        ``requires`` imports (a backend whose test is more than that overrides this)."""
        try:
            for module in cls.requires:
                importlib.import_module(module)
        except ImportError:
            return False
        return True

    @classmethod
    def settings(cls, options: SolveOptions) -> Any:
        """This backend's settings from ``options.settings[name]`` (``None`` without a type).

        Raises
        ------
        ValueError
            For an unknown or bad setting; the message names the backend.
        """
        if cls.settings_type is None:
            return None
        try:
            return cls.settings_type(**dict(options.settings.get(cls.name, {})))
        except TypeError as exc:
            raise ValueError(f"settings.{cls.name}: {exc}") from exc

    @abstractmethod
    def solve(
        self, problem: Problem, options: SolveOptions, control: SolveControl | None = None
    ) -> Solution:
        """Solve ``problem`` within ``options.time_limit`` seconds."""

    def empty(
        self, problem: Problem, status: SolutionStatus, term: Termination, t0: float
    ) -> Solution:
        """A solution with nobody assigned (no plan found, or proven infeasible)."""
        return Solution.empty(problem.n_customers, status, term, self.name, time.monotonic() - t0)


_REGISTRY: dict[str, type[Backend]] = {}


def register(cls: type[Backend]) -> type[Backend]:
    """Class decorator adding a backend to the registry under ``cls.name``."""
    _REGISTRY[cls.name] = cls
    return cls


def registry() -> dict[str, type[Backend]]:
    """The backends registered so far (the built-ins register when
    :mod:`allocator.backends.registry` loads them)."""
    return dict(_REGISTRY)
