"""The neighbourhood search: a plan improved by exact CP-SAT sub-solves of related RMs.

Each step frees the customers of a few *related* RMs -- related by the LP reduced costs: RM
``r'`` is close to a set ``S`` when customers on ``S`` can move to ``r'`` at a small LP loss --
and solves that sub-problem exactly with CP-SAT (:func:`allocator.lns.neighbourhood.solve_sub`),
hinted with the current plan. Very large-scale neighbourhood search of this kind
(Mitrovic-Minic & Punnen, 2008) is among the strongest heuristics for the GAP, and the
sub-problems are small enough to be solved to optimality in a fraction of a second.

- The neighbourhood size adapts: it grows while sub-solves finish proven-optimal within their
  budget and shrinks when they time out.
- A missing required customer seeds most neighbourhoods, and enters the sub-problem with a bonus
  that makes placing it worth more than any change of value there (feasibility first).
- With two workers, two neighbourhoods on *disjoint* RM sets are solved at once in two threads
  (CP-SAT releases the GIL) and both results applied: they cannot interfere.

Every sub-solve is one CP-SAT worker with a deterministic time limit, and neighbourhoods come
from a seeded generator, so for a given seed and worker count the sequence of plans is
reproducible. With one worker and a :class:`~allocator.lns.budget.WorkBudget`, how far along it
the search goes is reproducible too: it stops when the counted work is done, and the
neighbourhood size adapts to CP-SAT's deterministic time rather than to wall seconds. With two
workers the wall clock stops it, as far along as the machine got.
This search serves every problem; on problems without side rules the tabu and MIP phases
(:mod:`allocator.lns.mip`) run first and it continues from their plan.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt

from allocator.lns.budget import WorkBudget
from allocator.lns.neighbourhood import SubProblem, SubResult, cut, ranges, solve_sub
from allocator.lns.relaxation import Relaxation
from allocator.lns.settings import LnsSettings
from allocator.problem import Problem
from allocator.solution import Progress, SolveControl

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class _Stopper:
    """Interrupts the running sub-solves when the caller sets the stop event.

    A CP-SAT solve only stops when asked through its own solver object, so each sub-solve
    registers its solver in a slot while it runs, and a watcher thread relays the caller's stop.
    """

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
        """The callback a sub-solve in ``slot`` calls with its solver (None when done)."""

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
        """End the watcher thread."""
        self.done.set()


class NeighbourhoodSearch:
    """State of one LNS run: the plan, the guidance, the adaptive neighbourhood size.

    :func:`allocator.lns.search.lns_search` makes one, gives it a guide (:meth:`set_guide`) and
    a start (:meth:`set_plan`), and calls :meth:`run`; the tabu and MIP phases, when they run
    first, hand their plan back through :meth:`set_plan`.
    """

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
        work: WorkBudget | None = None,
    ):
        self.p = problem
        self.deadline = deadline
        #: deterministic work to spend (one worker): the search stops on it, not the clock
        self.work = work
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
        """Make ``a`` the current plan, with the per-customer pairs, the missing required
        customers and the value every later step reads."""
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
        """The first RM of a neighbourhood: mostly one a missing required customer could
        have (so it gets placed), else the next of a shuffled cycle over all RMs (so every RM
        is visited)."""
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
        """One sub-problem per worker, on disjoint RMs and customers (a group touched by one
        is kept out of the others), so their results can all be applied."""
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
        """Seconds to the deadline."""
        return self.deadline - time.monotonic()

    def out_of_time(self) -> bool:
        """The search must stop: its work is done (deterministic), or the deadline is near."""
        if self.work is not None:
            return self.work.done()
        return self.remaining() <= 0.02

    def charge(self, sub: SubProblem, res: SubResult) -> None:
        """Count a sub-solve's work: CP-SAT's deterministic time and the building of it."""
        if self.work is not None:
            built = self.s.sub_overhead + self.s.sub_overhead_per_pair * sub.problem.n_pairs
            self.work.charge(res.work + built)

    def quick(self, res: SubResult, det: float) -> bool:
        """A sub-solve well within its limit (the neighbourhood may grow): measured in CP-SAT's
        deterministic time when the search is deterministic, else in wall seconds."""
        if self.work is not None:
            return res.work < 0.5 * max(det, 0.05)
        return res.seconds < 0.5 * max(det, 0.05) + 0.05

    def limits(self, whole: bool) -> tuple[float, float]:
        """(deterministic time, wall seconds) of the next sub-solve: the whole problem gets all
        that is left; the wall limit is a safety net near the deadline."""
        left = max(self.remaining(), 0.01)
        if self.work is not None:
            det = (
                self.work.left() if whole else min(self.s.sub_deterministic_time, self.work.left())
            )
            return max(det, 0.001), left
        if whole:
            return left * 10, left
        return self.s.sub_deterministic_time, min(self.s.sub_wall_time, left)

    def report(self) -> None:
        """Report the plan's value and the bound, once no required customer is missing
        (before that the plan is not valid, and its value no answer)."""
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
                if self.out_of_time():
                    return optimal, False
                if self.missing == 0 and self.value >= self.bound:
                    return True, False
                subs = self.neighbourhoods()
                if not subs:
                    return optimal, False
                seeds = [int(x) for x in self.rng.integers(0, 2**31 - 1, len(subs))]
                det, wall = self.limits(subs[0].whole)
                if subs[0].whole:
                    # the whole problem: all the time left and every worker, to prove it
                    results = [
                        solve_sub(
                            subs[0],
                            seeds[0],
                            det,
                            wall,
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
                    self.charge(sub, res)
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
                    quick = self.quick(res, det)
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
