"""The exact *core* MIP: HiGHS on the pairs that LP reduced costs cannot rule out.

Why: for any plan ``x``, LP duality gives ``value(x) <= LP - sum(loss[p] * x[p])`` (``loss`` the
reduced costs of :mod:`allocator.lns.relaxation`). A plan better than an incumbent of value ``v``
therefore uses only pairs with ``loss <= LP - v - 1`` (values are integers). On the GAP the LP is
within ~0.1% of the optimum, so once the tabu search has a good incumbent this *core* holds a few
pairs per customer instead of all of them, and HiGHS's branch and bound on it -- started from the
incumbent -- proves in seconds what it cannot prove on the full model in a minute. When the core
would be too large it is cut to the pairs of least loss: the MIP is then a (very) large
neighbourhood of the incumbent rather than a proof.

Only for problems without groups or one-to-one customers (the caller checks): the core MIP has
the assignment and capacity rows only.

Beside the tabu search the two cooperate through a :class:`PlanExchange`: every plan HiGHS
improves on goes to the tabu search (which continues from it), and every better plan the tabu
search finds is handed to HiGHS in its user-solution callback (a better incumbent prunes more of
its tree). A plan better than the core's starting incumbent uses only core pairs (the duality
argument above), so it can always be handed over while the core is exact.
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from allocator.highs import highs_threads
from allocator.lns.relaxation import Relaxation, set_core_matrix
from allocator.problem import Problem

IntArray = npt.NDArray[np.int64]


class PlanExchange:
    """The best plan found so far by searches running side by side (thread-safe).

    Each search :meth:`offer` s its improvements and asks for :meth:`newer` plans found by the
    others; ``version`` counts accepted offers so a search takes each plan once.
    """

    def __init__(self, plan: IntArray, value: float):
        self._lock = threading.Lock()
        self.plan = plan.copy()
        self.value = float(value)
        self.version = 0
        self.source = ""

    def offer(self, plan: IntArray, value: float, source: str) -> bool:
        """Keep ``plan`` if it is strictly better than the best so far; True if it was kept."""
        with self._lock:
            if value <= self.value:
                return False
            self.plan = plan.copy()
            self.value = float(value)
            self.version += 1
            self.source = source
            return True

    def newer(self, version: int, source: str) -> tuple[IntArray, float, int] | None:
        """The best plan if it is newer than ``version`` and came from another search than
        ``source``: (plan, value, version); None otherwise."""
        with self._lock:
            if self.version <= version or self.source == source:
                return None
            return self.plan.copy(), self.value, self.version


@dataclass(frozen=True)
class CoreResult:
    """What the core MIP found.

    Attributes
    ----------
    assignment : numpy.ndarray of int64 or None
        Best plan (None when HiGHS found nothing at least as good as the incumbent).
    value : int
        Its cover value (``-inf`` as float when there is none).
    proven : bool
        The core was exact and HiGHS proved its optimum: ``value`` is the global optimum.
    bound : float
        A global upper bound on the cover value (``inf`` unless the core was exact).
    pairs : int
        Columns of the core MIP.
    exact : bool
        Whether the core held every pair an improving plan could use.
    """

    assignment: IntArray | None
    value: float
    proven: bool
    bound: float
    pairs: int
    exact: bool


def core_pairs(
    problem: Problem, relax: Relaxation, incumbent: IntArray, value: int, max_pairs: int
) -> tuple[IntArray, bool]:
    """Pair indices of the core, and whether it is exact (see the module docstring)."""
    slack = relax.objective - value - 1.0
    tol = 1e-6 * max(1.0, abs(relax.objective))
    keep = relax.loss <= slack + tol
    exact = True
    if int(keep.sum()) > max_pairs:
        exact = False
        cut = np.partition(relax.loss, max_pairs - 1)[max_pairs - 1]
        keep = relax.loss <= cut
    # every customer keeps its incumbent pair (and at least its cheapest one)
    assigned = np.flatnonzero(incumbent >= 0)
    inc_pairs = problem.pair_index(assigned, incumbent[assigned])
    keep[inc_pairs] = True
    return np.flatnonzero(keep).astype(np.int64), exact


def solve_core(
    problem: Problem,
    relax: Relaxation,
    incumbent: IntArray | None,
    value: int,
    time_limit: float,
    stop: threading.Event,
    max_pairs: int = 12_000,
    on_improve: Callable[[int], None] | None = None,
    threads: int = 1,
    exchange: PlanExchange | None = None,
    heuristic_effort: float = 0.3,
) -> CoreResult:
    """Solve the core MIP with HiGHS (one thread), started from ``incumbent``.

    Without an incumbent the model is the whole problem and HiGHS starts from nothing: the
    *full MIP* that runs beside the core MIP on small problems (:mod:`allocator.lns.mip`),
    i.e. textbook HiGHS, whose own branching finds other plans than the core MIP's.

    Parameters
    ----------
    problem : Problem
        Without side rules.
    relax : Relaxation
        An optimal LP relaxation of ``problem``.
    incumbent : numpy.ndarray of int64 or None
        A feasible plan; ``value`` its cover value. None: every pair, no start (``value``
        unused).
    time_limit : float
        Seconds.
    stop : threading.Event
        Interrupts HiGHS (its best plan is kept).
    max_pairs : int
        Largest core; above it the core is cut to the pairs of least loss (no proof then).
    on_improve : callable, optional
        Called with the value of each improving plan HiGHS finds.
    threads : int
        HiGHS threads (1 when a tabu search runs beside it).
    exchange : PlanExchange, optional
        Shared with a search running beside HiGHS: HiGHS's improving plans are offered to it,
        and its better plans are handed to HiGHS (source ``"mip"`` is HiGHS's own).
    heuristic_effort : float
        HiGHS's ``mip_heuristic_effort`` (its default 0.05): the share of its work spent on
        primal heuristics (RINS, RENS, ...). The core MIP is mostly an improver of the tabu
        search's plan, so it gets more (``LnsSettings.core_heuristic_effort``).
    """
    import highspy

    if not relax.ok or problem.n_pairs == 0:
        return CoreResult(None, -math.inf, False, math.inf, 0, False)
    if incumbent is None:
        cols, exact = np.arange(problem.n_pairs, dtype=np.int64), True
    else:
        cols, exact = core_pairs(problem, relax, incumbent, value, max_pairs)
    n_c, n_r = problem.n_customers, problem.n_rms
    pc = problem.pair_customer[cols].astype(np.int64)
    n = cols.size
    inf = highspy.kHighsInf
    covered = np.zeros(n_c, dtype=bool)
    covered[pc] = True

    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = n_c + n_r
    lp.col_cost_ = problem.pair_value[cols].astype(np.float64)
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.ones(n)
    lp.row_lower_ = np.concatenate(
        [np.where(problem.required & covered, 1.0, -inf), np.full(n_r, -inf)]
    ).astype(np.float64)
    lp.row_upper_ = np.concatenate([np.ones(n_c), problem.capacity.astype(np.float64)])
    set_core_matrix(lp, pc, problem.pair_rm[cols], problem.pair_weight[cols], n_c, n_r)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    lp.sense_ = highspy.ObjSense.kMaximize

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("time_limit", max(float(time_limit), 0.01))
    h.setOptionValue("mip_heuristic_effort", float(heuristic_effort))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1.0 - 1e-6)  # integer values: < 1 apart is proven
    h.passModel(lp)
    pos = np.full(problem.n_pairs, -1, dtype=np.int64)
    pos[cols] = np.arange(n)
    if incumbent is not None:
        x0 = np.zeros(n)
        assigned = np.flatnonzero(incumbent >= 0)
        x0[pos[problem.pair_index(assigned, incumbent[assigned])]] = 1.0
        h.setSolution(n, np.arange(n, dtype=np.int32), x0)

    def interrupt(event: Any) -> None:
        if stop.is_set():
            event.interrupt()

    taken = [0]  # the exchange's version last handed to HiGHS

    def improving(event: Any) -> None:
        value = round(event.data_out.objective_function_value)
        if exchange is not None:
            with contextlib.suppress(Exception):
                xs = np.asarray(event.data_out.mip_solution, dtype=np.float64)
                if xs.shape == (n,):
                    chosen = cols[xs > 0.5]
                    a = np.full(n_c, -1, dtype=np.int64)
                    a[problem.pair_customer[chosen]] = problem.pair_rm[chosen]
                    if problem.cover_value(a) == value and not problem.violations(a):
                        exchange.offer(a, value, "mip")
        if on_improve is not None:
            with contextlib.suppress(Exception):  # a progress hook must not break the solve
                on_improve(value)

    def user_solution(event: Any) -> None:
        if exchange is None:
            return
        got = exchange.newer(taken[0], "mip")
        if got is None:
            return
        plan, value, version = got
        taken[0] = version
        if value <= event.data_out.mip_primal_bound + 0.5:
            return
        on = np.flatnonzero(plan >= 0)
        at = pos[problem.pair_index(on, plan[on])]
        if (at < 0).any():  # uses pairs a cut core left out
            return
        x = np.zeros(n)
        x[at] = 1.0
        with contextlib.suppress(Exception):
            event.data_in.setSolution(x)

    h.cbMipInterrupt.subscribe(interrupt)
    h.cbMipImprovingSolution.subscribe(improving)
    if exchange is not None:
        h.cbMipUserSolution.subscribe(user_solution)
    # the process-wide HiGHS scheduler is shared with the other HiGHS runs (allocator.highs)
    with highs_threads(max(1, int(threads))) as granted:
        h.setOptionValue("threads", int(granted))
        h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    has = int(info.primal_solution_status) == int(highspy.kSolutionStatusFeasible)
    out: IntArray | None = None
    best = -math.inf
    if has:
        xv = np.asarray(h.getSolution().col_value)
        chosen = cols[xv > 0.5]
        a = np.full(n_c, -1, dtype=np.int64)
        a[problem.pair_customer[chosen]] = problem.pair_rm[chosen]
        if not problem.violations(a):
            out = a
            best = float(problem.cover_value(a))
    proven = bool(exact and status == highspy.HighsModelStatus.kOptimal and out is not None)
    bound = math.inf
    if exact and math.isfinite(info.mip_dual_bound) and abs(info.mip_dual_bound) < 1e30:
        bound = math.floor(float(info.mip_dual_bound) + 1e-6)
    if proven:
        bound = best
    return CoreResult(out, best, proven, bound, int(n), exact)
