"""What a backend returns: the assignment, and an honest account of how good it is and why the
solver stopped (after Pyomo's split of *termination* from *solution status*)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt


class SolutionStatus(StrEnum):
    """What the solution is."""

    OPTIMAL = "optimal"  # every stage proven optimal
    FEASIBLE = "feasible"  # a valid assignment, optimality not proven
    INFEASIBLE = (
        "infeasible"  # proven: no assignment meets the hard rules (e.g. required customers)
    )
    NO_SOLUTION = "no_solution"  # stopped before any valid assignment was found


class Termination(StrEnum):
    """Why the solver stopped."""

    CONVERGED = "converged"  # proved what it could (optimal or infeasible)
    TIME_LIMIT = "time_limit"
    INTERRUPTED = "interrupted"  # stopped by the caller (cancel)
    ERROR = "error"


@dataclass(frozen=True)
class StageResult:
    """One objective stage of a lexicographic solve.

    ``objective`` and ``bound`` are in the stage's natural sense: cover value (maximise; bound is an
    upper bound), moves (minimise; bound is a lower bound), max utilisation (minimise; a ratio).
    """

    name: str
    objective: float
    bound: float
    status: SolutionStatus
    seconds: float

    @property
    def gap(self) -> float:
        """Relative gap |bound - objective| / max(|objective|, 1e-9); 0 when proven optimal."""
        if self.status == SolutionStatus.OPTIMAL:
            return 0.0
        return abs(self.bound - self.objective) / max(abs(self.objective), 1e-9)


@dataclass(frozen=True)
class Progress:
    """A best-so-far report during a solve (objective and bound in the stage's sense)."""

    stage: str
    objective: float
    bound: float
    seconds: float


@dataclass
class SolveControl:
    """How a caller watches and stops a running solve.

    Attributes
    ----------
    stop : threading.Event
        Set it to stop the solve; the backend returns its best solution so far
        (``Termination.INTERRUPTED``).
    on_progress : callable, optional
        Called with a :class:`Progress` whenever the backend improves (may be called often; keep
        it cheap).
    """

    stop: threading.Event = field(default_factory=threading.Event)
    on_progress: Callable[[Progress], None] | None = None

    def report(self, progress: Progress) -> None:
        if self.on_progress is not None:
            self.on_progress(progress)


@dataclass
class Solution:
    """An assignment with its stages, status and termination.

    Attributes
    ----------
    assignment : numpy.ndarray of int64, shape (C,)
        RM index per customer, -1 for none.
    status, termination
        What the solution is, and why the solver stopped.
    stages : list of StageResult
        One entry per objective stage solved, in order.
    backend : str
        Name of the backend that produced it.
    seconds : float
        Wall time of the whole solve.
    timings : dict of str to float
        Seconds per phase, for backends that time their phases (benchmarks read them).
    """

    assignment: npt.NDArray[np.int64]
    status: SolutionStatus
    termination: Termination
    stages: list[StageResult] = field(default_factory=list)
    backend: str = ""
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @classmethod
    def empty(
        cls,
        n_customers: int,
        status: SolutionStatus,
        termination: Termination,
        backend: str,
        seconds: float = 0.0,
    ) -> Solution:
        """Nobody assigned: no plan was found, or none exists (``status`` says which)."""
        none = np.full(n_customers, -1, dtype=np.int64)
        return cls(none, status, termination, [], backend, seconds)

    def stage(self, name: str) -> StageResult | None:
        """The result of stage ``name``, if it was solved."""
        return next((s for s in self.stages if s.name == name), None)
