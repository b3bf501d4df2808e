"""Deterministic work: what a single-worker LNS measures instead of the clock.

Why: a search that stops when the wall clock says so finds a different plan whenever the machine
is a little faster or slower -- one run in four differed on a time-limited ``--workers 1`` solve
(issue 13) -- and a planner re-running last quarter's allocation with the same seed must get
the same plan. With one worker every phase of the LNS can count its work instead: CP-SAT's
*deterministic time* (a function of the model, the seed and the limits alone), tabu iterations,
and a fixed charge per sub-problem for building it. A :class:`WorkBudget` adds these up and says
when the work the time limit buys is done; the wall clock stays as a safety net only, and when it
fires first (a machine much slower than the calibration), the run says so in the log.

One work unit is about one second of one quiet core (CP-SAT's own scale); the time limit buys
``LnsSettings.work_rate`` units per second.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass
class WorkBudget:
    """Work units to spend, and the wall-clock deadline that is only a safety net.

    Attributes
    ----------
    units : float
        The work the search may do.
    deadline : float
        ``time.monotonic()`` after which the search stops whatever the work done (a run stopped
        this way is not reproducible; :attr:`wall_cut` says so).
    spent : float
        Work done so far.
    wall_cut : bool
        The wall clock stopped the search before the work was done.
    """

    units: float
    deadline: float
    spent: float = 0.0
    wall_cut: bool = False

    def left(self) -> float:
        """Work units still to spend (never negative)."""
        return max(self.units - self.spent, 0.0)

    def charge(self, units: float) -> None:
        """Count ``units`` of work done."""
        self.spent += max(float(units), 0.0)

    def wall_left(self) -> float:
        """Seconds to the safety deadline."""
        return self.deadline - time.monotonic()

    def done(self) -> bool:
        """Whether the work is done -- or the wall clock ran out first (then logged once)."""
        if self.spent >= self.units - 1e-12:
            return True
        if self.wall_left() <= 0.02:
            if not self.wall_cut:
                log.warning(
                    "lns: the wall clock stopped a deterministic search at %.0f%% of its work "
                    "(a slow or busy machine): this run is not reproducible; a longer time "
                    "limit or a lower LnsSettings.work_rate makes it so",
                    100.0 * self.spent / max(self.units, 1e-9),
                )
            self.wall_cut = True
            return True
        return False
