"""The MILP backends: ``milp`` (HiGHS through highspy, CBC when highspy does not load) and
``milp-cbc`` (CBC through PuLP).

Thin adapters: the formulation is :mod:`allocator.formulations.milp_model`, the solvers are
:mod:`allocator.engines.highs` and :mod:`allocator.engines.cbc`, the steps of each stage
:class:`~allocator.engines.mip.MilpStageEngine` and the stage loop
:func:`allocator.staging.run_stages` (cover value, then continuity, then the largest utilisation,
each holding the best value found before).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from allocator.backends.base import Backend, Capability, SolveControl, register
from allocator.engines.cbc import CbcEngine, cbc_available
from allocator.engines.highs import HighsEngine, highs_available
from allocator.engines.mip import MilpStageEngine, MipEngine
from allocator.formulations.milp_model import MilpModel, build_model
from allocator.heuristics.start import warm_start
from allocator.params import SolveOptions, StageBudget
from allocator.problem import Problem
from allocator.solution import Solution, SolutionStatus, Termination
from allocator.staging import run_stages

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MilpSettings:
    """The MILP backends' own settings (``settings: {milp: {...}}``).

    Attributes
    ----------
    aggregate : bool
        Count interchangeable customers with one integer column per (class, RM) instead of one
        binary per (customer, RM) (:mod:`allocator.formulations.classes`). Exact either way; on
        by default because it removes the symmetry HiGHS otherwise branches on. ``False`` keeps
        the plain model (for comparison: benchmarks/exact_bench.py).
    """

    aggregate: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.aggregate, bool):
            raise ValueError(f"aggregate must be true or false, got {self.aggregate!r}")


EngineFactory = Callable[[MilpModel, SolveOptions, SolveControl | None, float], MipEngine]
_CAPABILITIES = frozenset({Capability.SIDE_RULES, Capability.EXACT, Capability.WARM_START})


def solve_milp(
    problem: Problem,
    options: SolveOptions,
    control: SolveControl | None,
    factory: EngineFactory,
    name: str,
    settings: MilpSettings | None = None,
) -> Solution:
    """Build the MILP of ``problem`` and solve its stages with the engine ``factory`` makes."""
    t0 = time.monotonic()
    model = build_model(problem, aggregate=(settings or MilpSettings()).aggregate)
    if model.infeasible_required:
        return Solution.empty(
            problem.n_customers,
            SolutionStatus.INFEASIBLE,
            Termination.CONVERGED,
            name,
            time.monotonic() - t0,
        )
    engine = factory(model, options, control, t0)
    return run_stages(
        problem,
        MilpStageEngine(model, engine, name),
        start=warm_start(problem, options.warm_start),
        time_limit=options.time_limit,
        control=control,
        budget=options.staging or StageBudget(),
        name=name,
        t0=t0,
    )


@register
class MilpBackend(Backend):
    """HiGHS (through highspy): exact, every side rule, staged objective, MIP start.

    Falls back to CBC when highspy does not load (the solution's ``backend`` then reads
    ``milp(cbc)``).
    """

    name = "milp"
    capabilities = _CAPABILITIES
    settings_type = MilpSettings
    #: where ``auto`` stops picking HiGHS (benchmarks/RESULTS.md, "Bank scale"): at 8,782 pairs
    #: it proves the cover optimum and keeps more of today's book than ``flow``; at 87,257 pairs
    #: (20,000 customers) it ended 0.1 % below the flow plan after 36 s, and at 180,202 pairs
    #: 0.14 % below after 114 s against a 60 s limit, where ``flow`` takes 0.3 s and 1.1 s.
    #: Aggregated (issue 17) it proves 8,782 pairs in all three stages within 7-13 s and the
    #: cover value of 87,257 pairs in about 4 s (the moves too; not the balance in 30 s). The
    #: limit now takes a harsh 10^4-customer bank (38,260 pairs), where it ends 0.8 % from its
    #: bound but 730 above the flow plan's cover; ``auto`` runs ``flow`` first, so choosing the
    #: MILP can cost time within the limit, never plan quality
    max_pairs = 40_000

    @classmethod
    def is_available(cls) -> bool:
        return highs_available() or cbc_available()

    def solve(
        self, problem: Problem, options: SolveOptions, control: SolveControl | None = None
    ) -> Solution:
        settings = self.settings(options)
        if highs_available():
            return solve_milp(problem, options, control, HighsEngine, self.name, settings)
        log.warning("highspy does not load here: solving with CBC")
        return solve_milp(problem, options, control, CbcEngine, f"{self.name}(cbc)", settings)


@register
class MilpCbcBackend(Backend):
    """CBC through PuLP: exact, every side rule, staged objective, MIP start (``-mips``)."""

    name = "milp-cbc"
    capabilities = _CAPABILITIES
    settings_type = MilpSettings
    max_pairs = 100_000

    @classmethod
    def is_available(cls) -> bool:
        return cbc_available()

    def solve(
        self, problem: Problem, options: SolveOptions, control: SolveControl | None = None
    ) -> Solution:
        return solve_milp(problem, options, control, CbcEngine, self.name, self.settings(options))
