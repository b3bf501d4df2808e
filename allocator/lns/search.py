"""The LNS loop: an LP-guided start, repair, then improvement by exact sub-solves on both cores.

Why this shape (measured on the Yagiura GAP types C-E, up to 80 x 1600):

- the LP relaxation is within ~0.1% of the optimum and its basic solution leaves only about one
  customer per RM fractional, so *rounding it* (keeping the integral part) is a plan within a
  fraction of a percent, missing a few dozen required customers;
- those are placed by the same neighbourhood solves that improve the plan later: a missing
  required customer enters a sub-problem with a bonus that makes placing it worth more than any
  change of value there (feasibility first, lexicographically);
- improvement frees the customers of a few *related* RMs -- related by the LP reduced costs: RM
  ``r'`` is close to ``S`` when customers on ``S`` can move to ``r'`` at a small LP loss -- and
  solves that sub-problem exactly with CP-SAT, hinted with the current plan. Very large-scale
  neighbourhood search of this kind (Mitrovic-Minic & Punnen, 2008) is among the strongest
  heuristics for the GAP, and the sub-problems are small enough to be solved to optimality in
  a fraction of a second;
- the neighbourhood size adapts: it grows while sub-solves finish proven-optimal within their
  budget and shrinks when they time out;
- with two workers, two neighbourhoods on *disjoint* RM sets are solved at once in two threads
  (CP-SAT releases the GIL) and both results applied: they cannot interfere.

Every sub-solve is one CP-SAT worker with a deterministic time limit, and neighbourhoods come
from a seeded generator, so for a given seed and worker count the sequence of plans is
reproducible; only how far along it the wall-clock limit stops the search depends on the machine.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from allocator.lns import localsearch
from allocator.lns.coremip import CoreResult, PlanExchange
from allocator.lns.neighbourhood import SubProblem, SubResult, cut, ranges, solve_sub
from allocator.lns.relaxation import Relaxation, solve_relaxation
from allocator.problem import Problem
from allocator.solution import Progress, SolveControl

IntArray = npt.NDArray[np.int64]
#: HiGHS's own default ``mip_heuristic_effort``: the full MIP runs as textbook HiGHS does
HIGHS_HEURISTIC_EFFORT = 0.05
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class LnsSettings:
    """Tuning knobs of the search (the defaults are the measured best on GAP types C-E).

    Attributes
    ----------
    lp_share : float
        Most of the time budget the LP relaxation may take (it usually takes far less).
    sub_deterministic_time : float
        CP-SAT deterministic time per sub-solve (about seconds of one fast core).
    sub_wall_time : float
        Wall-clock cap per sub-solve (a safety net; the deterministic limit normally binds).
    initial_free : int
        Free customers of the first neighbourhoods.
    min_free, max_free : int
        Range of the adaptive neighbourhood size.
    grow, shrink : float
        Factors applied to the neighbourhood size after a proven-optimal (quick) or a timed-out
        sub-solve.
    greedy_max_customers : int
        Also try the greedy rule as a start up to this many customers (it loops in Python:
        about 0.4 s per 10^5 bank customers). Without it a 10^5-customer bank started from the
        rounded LP alone and ended 7.3 % below the greedy plan (benchmarks/RESULTS.md).
    cpsat_params : dict
        Extra CP-SAT parameters for the sub-solves.
    tabu : bool
        Use the compiled tabu search (:mod:`allocator.lns.localsearch`) on problems without
        side rules when numba is installed; otherwise the CP-SAT neighbourhood search runs.
    tabu_round : float
        Seconds between checks of the clock, the stop event and progress.
    tabu_sync_rounds : int
        Every this many rounds the two searches (two workers) continue from the better plan.
    tabu_stall : int
        Iterations without a new best plan after which a search is kicked (diversified).
    tabu_min_pairs : int
        Below this many pairs the exact model alone is quicker than any search.
    tabu_first_share, tabu_first_max, tabu_first_per_pair : float
        The tabu search runs alone for this share of the time, at most ``tabu_first_max``
        seconds and at most 1 s + ``tabu_first_per_pair`` s per pair; then the exact core MIP
        (:mod:`allocator.lns.coremip`) starts from its plan, beside it.
    core_max_pairs : int
        Largest core MIP; a larger core is cut to the pairs of least reduced cost (no proof).
        Small on purpose: one HiGHS thread makes no progress in a minute on a 50,000-pair core,
        while a core cut to 12,000 pairs is a neighbourhood it searches well (d60900 at 60 s:
        1.09 % above the best known with 60,000, 0.25 % with 12,000 and 0.26 % with 6,000).
    mip_alone_max_pairs : int
        Up to this many pairs the core MIP runs alone, with every worker, after the first tabu
        phase (HiGHS is strong there and the tabu search only takes its CPU).
    core_heuristic_effort : float
        HiGHS's ``mip_heuristic_effort`` in the core MIP (HiGHS's default is 0.05). At 60 s,
        0.05 / 0.3 / 0.7 gave d40400 0.49 / 0.55 / 0.61 %, d20200 0.46 / 0.34 / 0.39 %, d20400
        0.25 / 0.20 / 0.19 %, d20100 0.86 / 0.86 % (one run each, quiet machine): a small gain
        in sum, within the run-to-run spread of single instances.
    full_mip : bool
        On problems up to ``mip_alone_max_pairs`` pairs, with two workers, run textbook HiGHS
        on the whole problem (HiGHS's defaults, no start plan) on the second core beside the
        core MIP, each on one thread, the better plan kept (a portfolio; without it HiGHS's
        second thread idles, its MIP being mostly serial). Handing the full MIP's plans to the
        core MIP made it worse (d10200 12,448 against 12,446), so they do not trade plans.
        Quiet machine, 60 s, without / with: d10100 6,368 / 6,353 and d20100 6,238 / 6,229
        (textbook HiGHS's values: its branching finds them, the core MIP's does not), d10200
        12,446 / 12,446, e20100 8,443 / 8,447 (one run each).
    """

    lp_share: float = 0.4
    sub_deterministic_time: float = 0.4
    sub_wall_time: float = 4.0
    initial_free: int = 60
    min_free: int = 8
    max_free: int = 100_000
    grow: float = 1.06
    shrink: float = 0.85
    greedy_max_customers: int = 1_000_000
    cpsat_params: dict[str, Any] = field(default_factory=dict)
    tabu: bool = True
    tabu_round: float = 0.5
    tabu_sync_rounds: int = 6
    tabu_stall: int = 4000
    tabu_min_pairs: int = 200
    tabu_first_share: float = 0.25
    tabu_first_max: float = 15.0
    tabu_first_per_pair: float = 1e-4
    core_max_pairs: int = 12_000
    mip_alone_max_pairs: int = 3_000
    core_heuristic_effort: float = 0.3
    full_mip: bool = True


@dataclass
class LnsResult:
    """Outcome of :func:`lns_search` for the cover-value stage.

    Attributes
    ----------
    assignment : numpy.ndarray of int64
        Best plan found; it may leave required customers unassigned only if ``feasible`` is
        False.
    feasible : bool
        No hard rule is broken (every required customer placed).
    value : int
        Cover value of ``assignment``.
    bound : float
        Proven upper bound on the cover value (``inf`` when none is known).
    optimal, infeasible : bool
        Proven optimal / proven infeasible.
    interrupted : bool
        Stopped by ``SolveControl.stop``.
    iterations, improvements : int
        Sub-solves run and sub-solves that improved the plan.
    relaxation : Relaxation or None
    """

    assignment: IntArray
    feasible: bool
    value: int
    bound: float
    optimal: bool
    infeasible: bool
    interrupted: bool
    iterations: int = 0
    improvements: int = 0
    relaxation: Relaxation | None = None
    log: list[str] = field(default_factory=list)


# -- starts --------------------------------------------------------------------------------------
def sanitise(problem: Problem, assignment: npt.ArrayLike) -> IntArray:
    """``assignment`` with every broken rule undone by unassigning customers.

    Only *missing required customers* may remain afterwards (the repair places them): ineligible
    pairs, overloaded RMs (dropping the customers of least value per unit of weight), split
    groups (keeping the RM most of the group's members have) and one-to-one customers sharing
    their RM are all removed.
    """
    a = np.asarray(assignment, dtype=np.int64).copy()
    if a.shape != (problem.n_customers,):
        return np.full(problem.n_customers, -1, dtype=np.int64)
    a[(a < -1) | (a >= problem.n_rms)] = -1
    assigned = np.flatnonzero(a >= 0)
    idx = problem.pair_index(assigned, a[assigned])
    a[assigned[idx < 0]] = -1
    # groups: the RM most members are on wins
    g = problem.group
    members = np.flatnonzero((g >= 0) & (a >= 0))
    if members.size:
        key = g[members].astype(np.int64) * (problem.n_rms + 1) + a[members]
        uniq, counts = np.unique(key, return_counts=True)
        grp = uniq // (problem.n_rms + 1)
        order = np.lexsort((-counts, grp))
        first = np.ones(order.size, dtype=bool)
        first[1:] = grp[order][1:] != grp[order][:-1]
        keep_rm = np.full(problem.n_groups, -1, dtype=np.int64)
        keep_rm[grp[order][first]] = (uniq % (problem.n_rms + 1))[order][first]
        a[members[a[members] != keep_rm[g[members]]]] = -1
    # one-to-one: an RM serving an exclusive customer and another unit loses its exclusives
    excl = np.flatnonzero(problem.exclusive & (a >= 0))
    if excl.size:
        n = problem.n_customers
        unit = np.where(g >= 0, g, n + np.arange(n))
        served = np.flatnonzero(a >= 0)
        pairs = np.unique(np.stack([a[served], unit[served]], axis=1), axis=0)
        units_per_rm = np.bincount(pairs[:, 0], minlength=problem.n_rms)
        bad = excl[units_per_rm[a[excl]] > 1]
        a[bad] = -1
    # capacity
    assigned = np.flatnonzero(a >= 0)
    if assigned.size:
        idx = problem.pair_index(assigned, a[assigned])
        w = problem.pair_weight[idx]
        loads = np.bincount(a[assigned], weights=w, minlength=problem.n_rms)
        for r in np.flatnonzero(loads > problem.capacity):
            on = np.flatnonzero(a[assigned] == r)
            density = problem.pair_value[idx[on]] / np.maximum(w[on], 1)
            excess = loads[r] - problem.capacity[r]
            for j in on[np.argsort(density, kind="stable")]:
                if excess <= 0:
                    break
                a[assigned[j]] = -1
                excess -= w[j]
    return a


def rounded_lp(problem: Problem, relax: Relaxation) -> IntArray:
    """The integral part of the LP solution: each customer whose LP value is (nearly) 1 on one
    pair gets that RM; the rest stay unassigned."""
    a = np.full(problem.n_customers, -1, dtype=np.int64)
    if not relax.ok:
        return a
    one = np.flatnonzero(relax.x > 1.0 - 1e-6)
    a[problem.pair_customer[one]] = problem.pair_rm[one]
    return a


# -- the search ----------------------------------------------------------------------------------
class _Stopper:
    """Interrupts the running sub-solves when the caller sets the stop event."""

    def __init__(self, stop: threading.Event):
        self.stop = stop
        self.lock = threading.Lock()
        self.active: dict[int, Any] = {}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        while not self.done.is_set():
            if self.stop.wait(0.05):
                with self.lock:
                    for solver in self.active.values():
                        solver.stop_search()
                if self.done.wait(0.05):
                    return

    def register(self, slot: int) -> Callable[[Any], None]:
        def reg(solver: Any) -> None:
            with self.lock:
                if solver is None:
                    self.active.pop(slot, None)
                else:
                    self.active[slot] = solver
                    if self.stop.is_set():
                        solver.stop_search()

        return reg

    def close(self) -> None:
        self.done.set()


class _Search:
    """State of one LNS run (see :func:`lns_search`)."""

    def __init__(
        self,
        problem: Problem,
        deadline: float,
        seed: int,
        workers: int,
        control: SolveControl | None,
        settings: LnsSettings,
        t0: float,
        stage: str,
    ):
        self.p = problem
        self.deadline = deadline
        self.workers = max(1, min(int(workers), 2))
        self.control = control
        self.s = settings
        self.t0 = t0
        self.stage = stage
        self.rng = np.random.default_rng(seed)
        self.stop = control.stop if control is not None else threading.Event()
        self.side_rules = bool(problem.exclusive.any() or (problem.group >= 0).any())
        self.target = float(settings.initial_free)
        self.iterations = 0
        self.improvements = 0
        self.log: list[str] = []
        self.bound = math.inf
        self.proven_infeasible = False
        ptr = problem.customer_ptr
        self.has_pairs = ptr[1:] > ptr[:-1]
        self.rm_has_pairs = np.bincount(problem.pair_rm, minlength=problem.n_rms) > 0
        self.usable_rm = self.rm_has_pairs & (problem.capacity >= 0)
        self._cycle: list[int] = []

    # -- guidance ---------------------------------------------------------------------------
    def set_guide(self, relax: Relaxation | None) -> None:
        """Per-pair loss (LP reduced cost, else the value given up against the customer's best
        pair) and its scale ``tau``: the typical loss of a customer's second-best pair."""
        p = self.p
        ptr = p.customer_ptr
        if relax is not None and relax.ok:
            loss = relax.loss.copy()
        else:
            best = np.zeros(p.n_customers, dtype=np.int64)
            has = self.has_pairs
            if p.n_pairs:
                best[has] = np.maximum.reduceat(p.pair_value, ptr[:-1][has])
            loss = (best[p.pair_customer] - p.pair_value).astype(np.float64)
        self.loss = loss
        # second-smallest loss per customer with >= 2 pairs, as the scale of "a plausible move"
        counts = np.diff(ptr)
        multi = np.flatnonzero(counts >= 2)
        if multi.size and p.n_pairs:
            order = np.lexsort((loss, p.pair_customer))
            sorted_loss = loss[order]
            second = sorted_loss[ptr[multi] + 1] - sorted_loss[ptr[multi]]
            pos = second[second > 1e-9]
            tau = float(np.median(pos)) if pos.size else 1.0
        else:
            tau = 1.0
        self.tau = max(tau, 1e-6)
        # loss of the cheapest pair of each customer (the reference of an unassigned one)
        self.min_loss = np.zeros(p.n_customers)
        if p.n_pairs:
            has = self.has_pairs
            self.min_loss[has] = np.minimum.reduceat(loss, ptr[:-1][has])

    # -- state ------------------------------------------------------------------------------
    def set_plan(self, a: IntArray) -> None:
        self.a = a.copy()
        assigned = np.flatnonzero(a >= 0)
        self.pair_of = np.full(self.p.n_customers, -1, dtype=np.int64)
        self.pair_of[assigned] = self.p.pair_index(assigned, a[assigned])
        self.missing = int((self.p.required & (a < 0)).sum())
        self.value = int(self.p.pair_value[self.pair_of[assigned]].sum())

    def cur_loss(self) -> FloatArray:
        """Loss of each customer's current pair (its cheapest pair's loss when unassigned)."""
        out = self.min_loss.copy()
        on = self.pair_of >= 0
        out[on] = self.loss[self.pair_of[on]]
        return out

    # -- neighbourhoods ---------------------------------------------------------------------
    def _seed_rm(self, avail: BoolArray) -> int | None:
        p, rng = self.p, self.rng
        missing = np.flatnonzero(p.required & (self.a < 0) & self.has_pairs)
        if missing.size and rng.random() < 0.8:
            c = int(missing[rng.integers(missing.size)])
            sl = p.pairs_of(c)
            rms = p.pair_rm[sl].astype(np.int64)
            ok = avail[rms]
            if ok.any():
                key = self.loss[sl][ok] / self.tau + rng.exponential(1.0, int(ok.sum()))
                return int(rms[ok][np.argmin(key)])
        for _ in range(2):
            while self._cycle:
                r = self._cycle.pop()
                if avail[r]:
                    return r
            order = np.flatnonzero(self.usable_rm)
            self._cycle = [int(r) for r in rng.permutation(order)]
        cands = np.flatnonzero(avail)
        return int(cands[rng.integers(cands.size)]) if cands.size else None

    def _grow(self, in_s: BoolArray, avail: BoolArray) -> int | None:
        """Pick an RM outside ``S`` that customers on ``S`` can move to at a small loss."""
        p, rng = self.p, self.rng
        attached = np.flatnonzero((self.a >= 0) & in_s[np.maximum(self.a, 0)])
        if attached.size > 400:
            attached = rng.choice(attached, 400, replace=False)
        ptr = p.customer_ptr
        pidx = ranges(ptr[attached], ptr[attached + 1])
        rms = p.pair_rm[pidx].astype(np.int64)
        ok = avail[rms] & ~in_s[rms]
        pidx, rms = pidx[ok], rms[ok]
        if pidx.size == 0:
            cands = np.flatnonzero(avail & ~in_s)
            return int(cands[rng.integers(cands.size)]) if cands.size else None
        ref = self.cur_loss_cache[p.pair_customer[pidx]]
        rel = np.maximum(self.loss[pidx] - ref, 0.0) / self.tau
        weight = np.exp(-np.minimum(rel, 50.0))
        per_rm = np.bincount(rms, weights=weight, minlength=p.n_rms)
        total = per_rm.sum()
        if total <= 0:
            cands = np.flatnonzero(per_rm > 0) if (per_rm > 0).any() else np.unique(rms)
            return int(cands[rng.integers(cands.size)])
        return int(rng.choice(p.n_rms, p=per_rm / total))

    def choose(self, excluded_rms: BoolArray) -> tuple[IntArray, IntArray | None] | None:
        """A neighbourhood: RMs ``S`` and (for problems without side rules) the customers on
        ``S`` to free, about ``target`` customers in all."""
        p, rng = self.p, self.rng
        avail = self.usable_rm & ~excluded_rms
        if not avail.any():
            return None
        seed = self._seed_rm(avail)
        if seed is None:
            return None
        in_s = np.zeros(p.n_rms, dtype=bool)
        in_s[seed] = True
        target = int(self.target)
        count = np.bincount(self.a[self.a >= 0], minlength=p.n_rms)
        n_avail = int(avail.sum())
        if self.side_rules:
            k_max = n_avail
        else:
            per_rm = max(1.0, p.n_customers / max(1, int(self.usable_rm.sum())))
            hi = max(per_rm, 4.0)
            q = math.exp(rng.uniform(math.log(min(4.0, hi)), math.log(hi)))
            k_max = int(min(n_avail, max(2, math.ceil(target / q))))
        size = int(count[seed])
        while int(in_s.sum()) < k_max and (size < target or not self.side_rules):
            r = self._grow(in_s, avail)
            if r is None:
                break
            in_s[r] = True
            size += int(count[r])
            if self.side_rules and size >= target:
                break
        rm_set = np.flatnonzero(in_s).astype(np.int64)
        if self.side_rules:
            return rm_set, None
        on = np.flatnonzero((self.a >= 0) & in_s[np.maximum(self.a, 0)])
        if on.size <= target:
            return rm_set, on
        # free the customers most likely to move: smallest loss of an alternative inside S
        ptr = p.customer_ptr
        pidx = ranges(ptr[on], ptr[on + 1])
        rms = p.pair_rm[pidx]
        cust = p.pair_customer[pidx]
        ok = in_s[rms] & (rms != self.a[cust])
        best_alt = np.full(p.n_customers, np.inf)
        np.minimum.at(best_alt, cust[ok], self.loss[pidx[ok]])
        rel = (best_alt[on] - self.cur_loss_cache[on]) / self.tau
        key = rel + rng.exponential(1.0, on.size)
        chosen = on[np.argsort(key, kind="stable")[:target]]
        return rm_set, np.sort(chosen)

    def neighbourhoods(self) -> list[SubProblem]:
        p = self.p
        self.cur_loss_cache = self.cur_loss()
        out: list[SubProblem] = []
        used_rms = np.zeros(p.n_rms, dtype=bool)
        used_cust = np.zeros(p.n_customers, dtype=bool)
        for _ in range(self.workers):
            pick = self.choose(used_rms)
            if pick is None:
                break
            rm_set, free = pick
            sub = cut(p, self.a, rm_set, free, exclude=used_cust if out else None)
            if sub.customers.size == 0:
                continue
            out.append(sub)
            used_rms[sub.rms] = True
            used_cust[sub.customers] = True
            g = p.group[sub.customers]
            if (g >= 0).any():
                touched = np.zeros(max(p.n_groups, 1), dtype=bool)
                touched[g[g >= 0]] = True
                used_cust |= (p.group >= 0) & touched[np.maximum(p.group, 0)]
            if sub.whole:
                break
        return out

    # -- applying ---------------------------------------------------------------------------
    def apply(self, sub: SubProblem, res: SubResult) -> bool:
        """Take the sub-solve's plan if it is at least as good; True if strictly better."""
        if res.assignment is None or res.score < sub.score:
            return False
        new = self.a.copy()
        sa = res.assignment
        new[sub.customers] = np.where(sa >= 0, sub.rms[np.maximum(sa, 0)], -1)
        if res.score == sub.score and np.array_equal(new, self.a):
            return False
        self.set_plan(new)
        return res.score > sub.score

    # -- main loop --------------------------------------------------------------------------
    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def report(self) -> None:
        if self.control is not None and self.missing == 0:
            self.control.report(
                Progress(self.stage, float(self.value), self.bound, time.monotonic() - self.t0)
            )

    def run(self) -> tuple[bool, bool]:
        """Improve ``self.a`` until the deadline, a stop, or a proof; returns (optimal,
        interrupted)."""
        stopper = _Stopper(self.stop)
        pool = ThreadPoolExecutor(max_workers=self.workers) if self.workers > 1 else None
        optimal = False
        try:
            while True:
                if self.stop.is_set():
                    return optimal, True
                left = self.remaining()
                if left <= 0.02:
                    return optimal, False
                if self.missing == 0 and self.value >= self.bound:
                    return True, False
                subs = self.neighbourhoods()
                if not subs:
                    return optimal, False
                seeds = [int(x) for x in self.rng.integers(0, 2**31 - 1, len(subs))]
                wall = min(self.s.sub_wall_time, max(left, 0.01))
                det = self.s.sub_deterministic_time
                if subs[0].whole:
                    # the whole problem: all the time left and every worker, to prove it
                    results = [
                        solve_sub(
                            subs[0],
                            seeds[0],
                            max(left, 0.01) * 10,
                            max(left, 0.01),
                            stopper.register(0),
                            self.s.cpsat_params,
                            workers=self.workers,
                        )
                    ]
                elif pool is None or len(subs) == 1:
                    results = [
                        solve_sub(
                            subs[0], seeds[0], det, wall, stopper.register(0), self.s.cpsat_params
                        )
                    ]
                else:
                    futures = [
                        pool.submit(
                            solve_sub, sub, sd, det, wall, stopper.register(i), self.s.cpsat_params
                        )
                        for i, (sub, sd) in enumerate(zip(subs, seeds, strict=True))
                    ]
                    results = [f.result() for f in futures]
                improved = False
                for sub, res in zip(subs, results, strict=True):
                    self.iterations += 1
                    if self.apply(sub, res):
                        improved = True
                        self.improvements += 1
                    if res.status == "optimal" and sub.whole and not self.stop.is_set():
                        optimal = self.missing == 0
                        if res.assignment is not None and optimal:
                            self.bound = min(self.bound, float(self.value))
                        elif res.assignment is not None and self.missing:
                            # the whole problem placed as many required customers as it can
                            self.proven_infeasible = True
                            return False, False
                    quick = res.seconds < 0.5 * max(det, 0.05) + 0.05
                    if res.status == "optimal" and quick:
                        self.target = min(self.target * self.s.grow, float(self.s.max_free))
                    elif res.status != "optimal":
                        self.target = max(self.target * self.s.shrink, float(self.s.min_free))
                    elif res.status == "optimal":
                        self.target = min(
                            self.target * math.sqrt(self.s.grow), float(self.s.max_free)
                        )
                if improved:
                    self.report()
                if optimal:
                    return True, False
        finally:
            stopper.close()
            if pool is not None:
                pool.shutdown(wait=True)


def _tabu_phase(
    problem: Problem,
    start: IntArray,
    loss: FloatArray,
    deadline: float,
    seed: int,
    workers: int,
    control: SolveControl | None,
    settings: LnsSettings,
    bound: float,
    t0: float,
    stage: str,
    extra_stop: threading.Event | None = None,
    best_so_far: list[float] | None = None,
    exchange: PlanExchange | None = None,
) -> tuple[IntArray | None, bool]:
    """Run one or two tabu searches (two threads) until ``deadline`` or ``extra_stop``;
    returns the best feasible plan (None if none was found) and whether the caller's stop event
    interrupted. ``best_so_far`` (one value, shared with other searches) keeps progress reports
    monotone; through ``exchange`` the searches trade plans with the core MIP beside them (each
    round they offer their best and continue from a better plan the MIP found)."""
    stop = control.stop if control is not None else threading.Event()
    extra = extra_stop if extra_stop is not None else threading.Event()
    shared = best_so_far if best_so_far is not None else [-math.inf]
    n = max(1, min(int(workers), 2))
    # two differently tuned searches: diversity is worth more than two copies of one
    budgets = [40_000.0, 100_000.0]
    searches = [
        localsearch.TabuSearch.create(
            problem, start, loss, seed=seed + 7919 * k, swap_budget=budgets[k % 2]
        )
        for k in range(n)
    ]
    best: IntArray | None = None
    best_value = -math.inf
    pool = ThreadPoolExecutor(max_workers=n) if n > 1 else None
    rounds = 0
    taken = 0  # the exchange's version last taken
    try:
        while not stop.is_set() and not extra.is_set():
            left = deadline - time.monotonic()
            if left <= 0.01:
                break
            span = min(settings.tabu_round, left)

            def work(ts: localsearch.TabuSearch, span: float = span) -> None:
                ts.run_for(span, chunk=50, stall=settings.tabu_stall)

            if pool is None:
                work(searches[0])
            else:
                list(pool.map(work, searches))
            rounds += 1
            improved = False
            for ts in searches:
                if ts.has_best and ts.best_value > best_value:
                    best_value = ts.best_value
                    best = ts.best
                    improved = True
            if exchange is not None:
                if best is not None:
                    exchange.offer(best, best_value, "tabu")
                got = exchange.newer(taken, "tabu")
                if got is not None:
                    taken = got[2]
                    if got[1] > best_value:
                        best, best_value = got[0], int(got[1])
                        for ts in searches:
                            ts.restart(best)
            if improved and best_value > shared[0]:
                shared[0] = best_value
                if control is not None:
                    control.report(Progress(stage, float(best_value), bound, time.monotonic() - t0))
            if best is not None and best_value >= bound:
                break
            if n > 1 and rounds % settings.tabu_sync_rounds == 0 and best is not None:
                for ts in searches:
                    if not ts.has_best or ts.best_value < best_value:
                        ts.restart(best)
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    return best, stop.is_set()


class _MipRun:
    """One :func:`~allocator.lns.coremip.solve_core` in a thread of its own.

    It has its own stop event (so one MIP can stop the other when it proves the optimum), which
    the caller's stop event also sets.
    """

    def __init__(
        self,
        name: str,
        caller_stop: threading.Event,
        solve: Callable[[threading.Event], CoreResult],
    ):
        self.stop = threading.Event()
        self.done = threading.Event()
        self.result: CoreResult | None = None  # None until done, or if HiGHS raised
        self._caller_stop = caller_stop
        self._solve = solve
        self._thread = threading.Thread(target=self._run, daemon=True, name=name)
        self._thread.start()
        threading.Thread(target=self._forward, daemon=True).start()

    def _run(self) -> None:
        try:
            self.result = self._solve(self.stop)
        finally:
            self.done.set()

    def _forward(self) -> None:
        while not self.done.is_set():
            if self._caller_stop.wait(0.05):
                self.stop.set()
                return

    @property
    def proven(self) -> bool:
        """Done, with the optimum proven."""
        return self.done.is_set() and self.result is not None and self.result.proven

    def finish(self) -> CoreResult | None:
        """Stop HiGHS (its best plan is kept) and return the result."""
        self.stop.set()
        self._thread.join()
        return self.result


def _pure_phase(
    problem: Problem,
    start: IntArray,
    relax: Relaxation,
    loss: FloatArray,
    deadline: float,
    seed: int,
    workers: int,
    control: SolveControl | None,
    settings: LnsSettings,
    t0: float,
    stage: str,
) -> tuple[IntArray | None, bool, bool, float]:
    """Problems without side rules: tabu search, then the exact core MIP beside it.

    On small problems (``mip_alone_max_pairs``) the core MIP runs without the tabu search, and,
    with two workers, the *full MIP* (textbook HiGHS on the whole problem) beside it from the
    start: HiGHS's own branching on the full model reaches other plans than on the core.

    Returns the best plan (None if none), whether the caller stopped it, whether the plan is
    proven optimal, and the best proven bound found on the way (``inf`` if none).
    """
    from allocator.lns.coremip import solve_core

    stop = control.stop if control is not None else threading.Event()
    shared = [-math.inf]

    reporting = threading.Lock()  # two HiGHS threads may report at once

    def report(v: int) -> None:
        with reporting:
            if v > shared[0]:
                shared[0] = float(v)
                if control is not None:
                    control.report(Progress(stage, float(v), relax.bound, time.monotonic() - t0))

    # small problems: HiGHS alone with every thread beats sharing the cores with the tabu search
    # (measured on the 100- and 200-job Yagiura D instances)
    small = problem.n_pairs <= settings.mip_alone_max_pairs
    alone_mip = small or workers <= 1
    full: _MipRun | None = None
    if small and workers >= 2 and settings.full_mip:
        full = _MipRun(
            "lns-full-mip",
            stop,
            lambda s: solve_core(
                problem,
                relax,
                None,
                0,
                deadline - time.monotonic(),
                s,
                on_improve=report,
                heuristic_effort=HIGHS_HEURISTIC_EFFORT,
            ),
        )
    tabu_workers = workers - 1 if full is not None else workers
    full_done = full.done if full is not None else None

    def tabu(
        begin: IntArray, until: float, k: int, n: int, **kw: Any
    ) -> tuple[IntArray | None, bool]:
        return _tabu_phase(
            problem,
            begin,
            loss,
            until,
            seed + k,
            n,
            control,
            settings,
            relax.bound,
            t0,
            stage,
            best_so_far=shared,
            **kw,
        )

    def better(a: IntArray | None, b: IntArray | None) -> IntArray | None:
        if a is None or (b is not None and problem.cover_value(b) > problem.cover_value(a)):
            return b
        return a

    def with_full(
        plan: IntArray | None, interrupted: bool, proven: bool, bound: float
    ) -> tuple[IntArray | None, bool, bool, float]:
        if full is None:
            return plan, interrupted, proven, bound
        res = full.finish()
        if res is None:
            return plan, interrupted, proven, bound
        plan = better(plan, res.assignment)
        if res.proven and plan is not None and problem.cover_value(plan) >= res.value:
            proven = True
        return plan, interrupted, proven, min(bound, res.bound)

    now = time.monotonic()
    # the tabu search alone first: it stalls sooner on small problems, where the MIP is strong
    alone = min(
        settings.tabu_first_share * (deadline - now),
        settings.tabu_first_max,
        1.0 + settings.tabu_first_per_pair * problem.n_pairs,
    )
    plan, interrupted = tabu(start, now + alone, 0, tabu_workers, extra_stop=full_done)
    if full is not None and full.proven:
        return with_full(plan, interrupted, False, math.inf)
    if plan is None or interrupted or deadline - time.monotonic() <= 0.05:
        if plan is None and not interrupted:
            plan, interrupted = tabu(start, deadline, 1, tabu_workers, extra_stop=full_done)
        return with_full(plan, interrupted, False, math.inf)
    value = problem.cover_value(plan)
    if value >= relax.bound:
        return with_full(plan, False, True, float(value))
    exchange = None if alone_mip else PlanExchange(plan, value)

    core = _MipRun(
        "lns-core-mip",
        stop,
        lambda s: solve_core(
            problem,
            relax,
            plan,
            value,
            deadline - time.monotonic(),
            s,
            settings.core_max_pairs,
            report,
            threads=max(1, workers) if alone_mip and full is None else 1,
            exchange=exchange,
            heuristic_effort=settings.core_heuristic_effort,
        ),
    )
    plan2: IntArray | None = None
    if not alone_mip:
        # the tabu search goes on in this thread until the MIP proves or time runs out
        plan2, interrupted = tabu(plan, deadline, 1, 1, extra_stop=core.done, exchange=exchange)
    else:
        while not core.done.wait(0.05):
            if full is not None and full.proven:
                core.stop.set()
        interrupted = stop.is_set()
    res = core.finish()
    if full is not None and core.proven:
        full.stop.set()
    proven, bound = False, math.inf
    best = better(plan, plan2)
    assert best is not None
    if res is not None:
        bound = res.bound
        best = better(best, res.assignment)
        assert best is not None
        proven = res.proven and problem.cover_value(best) >= res.value
        more_time = not interrupted and time.monotonic() < deadline
        if not proven and not (full is not None and full.proven) and more_time:
            # the MIP ended early without a proof (a cut core): the tabu search may go on
            more, interrupted = tabu(best, deadline, 2, tabu_workers, extra_stop=full_done)
            best = better(best, more)
    return with_full(best, interrupted, proven, bound)


def lns_search(
    problem: Problem,
    time_limit: float,
    seed: int = 0,
    workers: int = 2,
    control: SolveControl | None = None,
    start: npt.ArrayLike | None = None,
    settings: LnsSettings | None = None,
    stage: str = "cover_value",
    t0: float | None = None,
) -> LnsResult:
    """Maximise the cover value of ``problem`` by LP-guided large neighbourhood search.

    Parameters
    ----------
    problem : Problem
    time_limit : float
        Seconds for everything (LP, start, search).
    seed : int
        Seed of the neighbourhood choice and of the CP-SAT sub-solves.
    workers : int
        Sub-solves run at once (1 or 2).
    control : SolveControl, optional
        Stop event (the best plan so far is returned) and progress callback.
    start : array-like, optional
        A plan to start from as well (e.g. today's book); it is sanitised first.
    settings : LnsSettings, optional
    stage : str
        Name used in progress reports.
    t0 : float, optional
        ``time.monotonic()`` at which the caller's solve started (for progress seconds).

    Returns
    -------
    LnsResult
    """
    settings = settings or LnsSettings()
    now = time.monotonic()
    t0 = now if t0 is None else t0
    deadline = now + time_limit
    search = _Search(problem, deadline, seed, workers, control, settings, t0, stage)
    n_c = problem.n_customers
    ptr = problem.customer_ptr
    if (problem.required & (ptr[1:] == ptr[:-1])).any():
        empty = np.full(n_c, -1, dtype=np.int64)
        return LnsResult(empty, False, 0, math.inf, False, True, False)

    want_tabu = settings.tabu and localsearch.HAVE_NUMBA and not search.side_rules
    if want_tabu:
        localsearch.ready(0.0)  # start compiling (or loading) the kernel beside the LP
    relax = solve_relaxation(problem, settings.lp_share * time_limit, threads=1)
    search.log.append(f"lp {relax.status} bound {relax.bound} in {relax.seconds:.2f} s")
    if relax.status == "infeasible":
        empty = np.full(n_c, -1, dtype=np.int64)
        return LnsResult(empty, False, 0, math.inf, False, True, False, relaxation=relax)
    search.bound = relax.bound
    search.set_guide(relax)

    candidates: list[IntArray] = []
    if relax.ok:
        candidates.append(sanitise(problem, rounded_lp(problem, relax)))
    if start is not None:
        candidates.append(sanitise(problem, start))
    if n_c <= settings.greedy_max_customers or not candidates:
        from allocator.heuristics.greedy import greedy_assignment

        candidates.append(sanitise(problem, greedy_assignment(problem)))

    def rank(a: IntArray) -> tuple[int, int]:
        assigned = np.flatnonzero(a >= 0)
        value = int(problem.pair_value[problem.pair_index(assigned, a[assigned])].sum())
        return int((problem.required & (a < 0)).sum()), -value

    best = min(candidates, key=rank)
    search.set_plan(best)
    search.log.append(f"start missing {search.missing} value {search.value}")
    search.report()
    interrupted = False
    use_tabu = (
        want_tabu
        and problem.n_pairs >= settings.tabu_min_pairs
        and relax.ok
        and localsearch.ready(min(2.0, 0.1 * max(deadline - time.monotonic(), 0.0)))
    )
    proven = False
    if use_tabu:
        plan, interrupted, proven, core_bound = _pure_phase(
            problem,
            search.a,
            relax,
            search.loss,
            deadline,
            seed,
            workers,
            control,
            settings,
            t0,
            stage,
        )
        if plan is not None and rank(plan) < rank(search.a):
            search.set_plan(plan)
        search.bound = min(search.bound, core_bound)
        search.log.append(f"tabu + core MIP: value {search.value}, missing {search.missing}")
    optimal = proven
    if not interrupted and not proven:
        optimal, interrupted = search.run()
    search.log.append(
        f"lns {search.iterations} sub-solves, {search.improvements} improving, "
        f"final size {search.target:.0f}"
    )
    feasible = search.missing == 0
    return LnsResult(
        assignment=search.a,
        feasible=feasible,
        value=search.value,
        bound=search.bound,
        optimal=optimal and feasible,
        infeasible=search.proven_infeasible,
        interrupted=interrupted,
        iterations=search.iterations,
        improvements=search.improvements,
        relaxation=relax,
        log=search.log,
    )
