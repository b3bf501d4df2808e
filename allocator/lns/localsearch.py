"""A tabu search on shift and swap moves with adaptive capacity penalties (the GAP's classic).

Why it is here: exact sub-solves (:mod:`allocator.lns.neighbourhood`) are strong but cost tens
of milliseconds each from Python; on a 1,600-customer GAP the plan needs thousands of small
corrections first. A compiled local search makes millions of move evaluations a second and finds
them. The design follows the tabu searches that set the GAP records (Diaz & Fernandez 2001;
Yagiura, Ibaraki & Glover 2004), simplified:

- *strategic oscillation*: capacity may be exceeded, at a price ``alpha[r]`` per unit of excess
  on RM ``r``; the price of an RM rises while it is overloaded and decays while the plan is
  feasible, so the search crosses the border of feasibility where the good plans are;
- moves: *shift* one customer to another RM (or, for an optional customer, out / in) and *swap*
  the RMs of two customers; every iteration takes the best non-tabu move (a move leading to a
  feasible plan better than the best one is always allowed);
- candidate lists from the LP: a customer considers only its ``k`` pairs of smallest reduced
  cost, which cuts the neighbourhood by an order of magnitude with almost no loss;
- tabu: a customer may not return to the RM it left for a random tenure.

It handles problems *without* groups or one-to-one customers (the caller checks); required
customers are always assigned, optional ones may be left out.

The kernel is compiled with numba when it is installed (``nogil``, so two searches run on two
cores); without numba the same code runs as plain Python, correct but about 100x slower.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from allocator.problem import Problem

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

try:  # numba is optional: the kernel is plain Python that numba compiles
    from numba import njit as _njit

    HAVE_NUMBA = True

    def _compile(fn: Callable[..., Any]) -> Callable[..., Any]:
        return _njit(cache=True, nogil=True)(fn)  # type: ignore[no-any-return]

except ImportError:  # pragma: no cover - exercised where numba is missing
    HAVE_NUMBA = False

    def _compile(fn: Callable[..., Any]) -> Callable[..., Any]:
        return fn


# indices into the int64 ``state`` array of a search
_IT, _RNG, _TOT_EXC, _COST, _BEST, _LAST_BEST_IT = 0, 1, 2, 3, 4, 5
_NO_BEST = np.iinfo(np.int64).max
#: customers x RMs up to which the pair lookup is a dense table (8 bytes each)
DENSE_LOOKUP_MAX = 8_000_000


@_compile
def _rand(state: IntArray) -> int:
    """A 63-bit linear congruential generator whose whole state is ``state[_RNG]`` (the same
    numbers compiled or not: only the low 63 bits are kept)."""
    x = (state[_RNG] * 6364136223846793005 + 1442695040888963407) & 0x7FFFFFFFFFFFFFFF
    state[_RNG] = x
    return x >> 24


@_compile
def _find(ptr: IntArray, prm: IntArray, c: int, r: int) -> int:
    """Pair index of (customer ``c``, RM ``r``), -1 when there is none (binary search)."""
    lo = ptr[c]
    hi = ptr[c + 1]
    while lo < hi:
        mid = (lo + hi) >> 1
        if prm[mid] < r:
            lo = mid + 1
        else:
            hi = mid
    if lo < ptr[c + 1] and prm[lo] == r:
        return lo
    return -1


@_compile
def _excess(load: int, cap: int) -> int:
    return load - cap if load > cap else 0


@_compile
def _move_customer(
    c: int,
    q: int,
    ptr: IntArray,
    prm: IntArray,
    pw: IntArray,
    cost: IntArray,
    cap: IntArray,
    cur: IntArray,
    load: IntArray,
    mstart: IntArray,
    members: IntArray,
    mcount: IntArray,
    mpos: IntArray,
    state: IntArray,
) -> None:
    """Give customer ``c`` pair ``q`` (-1: unassign), updating loads, members and the totals."""
    p = cur[c]
    if p >= 0:
        r = prm[p]
        before = _excess(load[r], cap[r])
        load[r] -= pw[p]
        state[_TOT_EXC] += _excess(load[r], cap[r]) - before
        state[_COST] -= cost[p]
        # remove c from r's member list (swap with the last)
        k = mpos[c]
        last = members[mstart[r] + mcount[r] - 1]
        members[mstart[r] + k] = last
        mpos[last] = k
        mcount[r] -= 1
    if q >= 0:
        s = prm[q]
        before = _excess(load[s], cap[s])
        load[s] += pw[q]
        state[_TOT_EXC] += _excess(load[s], cap[s]) - before
        state[_COST] += cost[q]
        members[mstart[s] + mcount[s]] = c
        mpos[c] = mcount[s]
        mcount[s] += 1
    cur[c] = q


@_compile
def _tabu_chunk(
    ptr: IntArray,
    prm: IntArray,
    pw: IntArray,
    cost: IntArray,
    cptr: IntArray,
    cand: IntArray,
    is_cand: npt.NDArray[np.bool_],
    lookup: IntArray,
    required: npt.NDArray[np.bool_],
    cap: IntArray,
    mstart: IntArray,
    members: IntArray,
    mcount: IntArray,
    mpos: IntArray,
    cur: IntArray,
    load: IntArray,
    alpha: FloatArray,
    tabu: IntArray,
    state: IntArray,
    best_cur: IntArray,
    n_iter: int,
    tenure_lo: int,
    tenure_span: int,
    alpha_up: float,
    alpha_down: float,
    alpha_min: float,
    swap_stride: int,
) -> None:
    """Run ``n_iter`` tabu iterations, mutating the search state in place."""
    n_c = cur.shape[0]
    n_r = cap.shape[0]
    for _ in range(n_iter):
        it = state[_IT]
        best_delta = np.inf
        best_kind = -1  # 0 shift (c, q); 1 swap (c, q, c2, q2)
        bc = -1
        bq = -1
        bc2 = -1
        bq2 = -1
        ties = 0
        tot = state[_TOT_EXC]
        cur_cost = state[_COST]
        best_val = state[_BEST]
        for c in range(n_c):
            p = cur[c]
            r = -1
            w = 0
            cp = 0
            dr = 0.0
            er = 0
            if p >= 0:
                r = prm[p]
                w = pw[p]
                cp = cost[p]
                e0 = _excess(load[r], cap[r])
                e1 = _excess(load[r] - w, cap[r])
                er = e1 - e0
                dr = alpha[r] * er
                if not required[c]:  # drop an optional customer
                    delta = -cp + dr
                    if delta < best_delta - 1e-9:
                        ties = 1
                        best_delta = delta
                        best_kind = 0
                        bc = c
                        bq = -1
            for k in range(cptr[c], cptr[c + 1]):
                q = cand[k]
                s = prm[q]
                if s == r:
                    continue
                e0 = _excess(load[s], cap[s])
                e1 = _excess(load[s] + pw[q], cap[s])
                delta = cost[q] - cp + dr + alpha[s] * (e1 - e0)
                if delta > best_delta + 1e-9:
                    continue
                if tabu[q] > it:
                    new_exc = tot + er + e1 - e0
                    if not (new_exc == 0 and cur_cost + cost[q] - cp < best_val):
                        continue
                if delta < best_delta - 1e-9:
                    ties = 1
                else:
                    ties += 1
                    if _rand(state) % ties != 0:
                        continue
                best_delta = delta
                best_kind = 0
                bc = c
                bq = q
            # swaps cost (candidates x customers per RM) each: only every swap_stride-th
            # customer tries them, a different slice each iteration
            if swap_stride <= 0 or p < 0 or (c + it) % swap_stride != 0:
                continue
            # swaps of c with a customer on one of c's candidate RMs
            for k in range(cptr[c], cptr[c + 1]):
                q = cand[k]
                s = prm[q]
                if s == r:
                    continue
                base = mstart[s]
                for j in range(mcount[s]):
                    c2 = members[base + j]
                    dense = lookup.shape[0] > 1
                    q2 = lookup[c2 * n_r + r] if dense else _find(ptr, prm, c2, r)
                    if q2 < 0 or not is_cand[q2]:
                        continue
                    p2 = cur[c2]
                    nr = load[r] - w + pw[q2]
                    ns = load[s] - pw[p2] + pw[q]
                    er0 = _excess(load[r], cap[r])
                    es0 = _excess(load[s], cap[s])
                    er1 = _excess(nr, cap[r])
                    es1 = _excess(ns, cap[s])
                    dcost = cost[q] + cost[q2] - cp - cost[p2]
                    delta = dcost + alpha[r] * (er1 - er0) + alpha[s] * (es1 - es0)
                    if delta > best_delta + 1e-9:
                        continue
                    if tabu[q] > it or tabu[q2] > it:
                        new_exc = tot + er1 - er0 + es1 - es0
                        if not (new_exc == 0 and cur_cost + dcost < best_val):
                            continue
                    if delta < best_delta - 1e-9:
                        ties = 1
                    else:
                        ties += 1
                        if _rand(state) % ties != 0:
                            continue
                    best_delta = delta
                    best_kind = 1
                    bc = c
                    bq = q
                    bc2 = c2
                    bq2 = q2
        if best_kind < 0:
            state[_IT] += 1
            continue
        tenure = tenure_lo + (_rand(state) % tenure_span if tenure_span > 0 else 0)
        if best_kind == 0:
            p = cur[bc]
            if p >= 0:
                tabu[p] = it + tenure
            _move_customer(
                bc, bq, ptr, prm, pw, cost, cap, cur, load, mstart, members, mcount, mpos, state
            )
        else:
            p = cur[bc]
            p2 = cur[bc2]
            tabu[p] = it + tenure
            tabu[p2] = it + tenure
            _move_customer(
                bc, -1, ptr, prm, pw, cost, cap, cur, load, mstart, members, mcount, mpos, state
            )
            _move_customer(
                bc2, bq2, ptr, prm, pw, cost, cap, cur, load, mstart, members, mcount, mpos, state
            )
            _move_customer(
                bc, bq, ptr, prm, pw, cost, cap, cur, load, mstart, members, mcount, mpos, state
            )
        # penalties: while the plan is infeasible the overloaded RMs get dearer; while it is
        # feasible every RM gets cheaper (to a floor), which tempts the search across the border
        if state[_TOT_EXC] > 0:
            for r in range(n_r):
                if load[r] > cap[r]:
                    alpha[r] *= alpha_up
        else:
            for r in range(n_r):
                a = alpha[r] * alpha_down
                alpha[r] = a if a > alpha_min else alpha_min
            if state[_COST] < state[_BEST]:
                state[_BEST] = state[_COST]
                state[_LAST_BEST_IT] = it
                for c in range(n_c):
                    best_cur[c] = cur[c]
        state[_IT] += 1


@dataclass
class TabuSearch:
    """A tabu search on one problem, run in chunks so the caller keeps the clock.

    Build it with :meth:`create`; call :meth:`run` as often as wanted; :attr:`best` is the best
    feasible plan found (RM per customer) and :attr:`best_value` its cover value.
    """

    problem: Problem
    arrays: dict[str, Any]
    state: IntArray
    tenure: tuple[int, int]
    alpha_up: float
    alpha_down: float
    alpha_min: float
    swap_stride: int
    scale: float = 1.0
    last_kick: int = 0

    @classmethod
    def create(
        cls,
        problem: Problem,
        start: IntArray,
        loss: FloatArray | None = None,
        candidates: int = 10,
        seed: int = 0,
        swaps: bool = True,
        swap_budget: float = 40_000.0,
        alpha_up: float = 1.05,
        alpha_down: float = 0.995,
        alpha_floor: float = 0.05,
        tenure: tuple[int, int] | None = None,
    ) -> TabuSearch:
        """Set up a search from ``start`` (missing required customers are inserted where they
        cost least, overloading if need be).

        Parameters
        ----------
        problem : Problem
            Without groups or one-to-one customers.
        start : numpy.ndarray of int64
            RM per customer, -1 for none; must have no violation other than missing required
            customers.
        loss : numpy.ndarray of float64, optional
            Per-pair LP reduced cost; each customer considers its ``candidates`` pairs of least
            loss (least cost when None).
        candidates : int
            Candidate-list length per customer.
        seed : int
        swaps : bool
            Also try swap moves (the shift-only search is faster per iteration).
        swap_budget : float
            About how many swaps one iteration evaluates (a rotating slice of the customers
            tries them), which bounds the time per iteration on large problems.
        """
        p = problem
        ptr = p.customer_ptr.astype(np.int64)
        prm = p.pair_rm.astype(np.int64)
        pw = p.pair_weight.astype(np.int64)
        cost = -p.pair_value.astype(np.int64)
        cap = p.capacity.astype(np.int64)
        n_c, n_r = p.n_customers, p.n_rms
        key = loss if loss is not None else cost.astype(np.float64)
        # candidate list: per customer its `candidates` pairs of least key
        order = np.lexsort((key, p.pair_customer))
        counts = np.diff(ptr)
        rank = np.arange(p.n_pairs) - np.repeat(ptr[:-1], counts)
        take = order[rank < candidates]
        cand = np.sort(take)  # customer-major, then RM (pairs are sorted by customer then RM)
        ccounts = np.minimum(counts, candidates)
        cptr = np.zeros(n_c + 1, dtype=np.int64)
        np.cumsum(ccounts, out=cptr[1:])
        # members per RM, sized by the pairs of that RM
        rm_pairs = np.bincount(prm, minlength=n_r)
        mstart = np.zeros(n_r + 1, dtype=np.int64)
        np.cumsum(rm_pairs, out=mstart[1:])
        members = np.zeros(max(int(mstart[-1]), 1), dtype=np.int64)
        mcount = np.zeros(n_r, dtype=np.int64)
        mpos = np.zeros(n_c, dtype=np.int64)
        cur = np.full(n_c, -1, dtype=np.int64)
        load = np.zeros(n_r, dtype=np.int64)
        state = np.zeros(8, dtype=np.int64)
        state[_RNG] = (int(seed) * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E5) & 0x7FFFFFFFFFFFFFFF
        state[_BEST] = _NO_BEST
        assigned = np.flatnonzero(start >= 0)
        pidx = p.pair_index(assigned, start[assigned])
        for c, q in zip(assigned.tolist(), pidx.tolist(), strict=True):
            _move_customer(
                c, q, ptr, prm, pw, cost, cap, cur, load, mstart, members, mcount, mpos, state
            )
        # insert missing required customers where cost + overload is least
        scale = float(np.abs(cost).mean() + 1.0) / float(max(pw.mean(), 1.0))
        for c in np.flatnonzero(p.required & (start < 0)).tolist():
            s, e = int(ptr[c]), int(ptr[c + 1])
            if s == e:
                continue
            over = np.maximum(load[prm[s:e]] + pw[s:e] - cap[prm[s:e]], 0)
            q = s + int(np.argmin(cost[s:e] + scale * over))
            _move_customer(
                c, q, ptr, prm, pw, cost, cap, cur, load, mstart, members, mcount, mpos, state
            )
        alpha = np.full(n_r, scale, dtype=np.float64)
        is_cand = np.zeros(p.n_pairs, dtype=np.bool_)
        is_cand[cand] = True
        # a dense (customer, RM) -> pair table makes a swap's second pair one memory read
        if n_c * n_r <= DENSE_LOOKUP_MAX:
            lookup = np.full(n_c * n_r, -1, dtype=np.int64)
            lookup[p.pair_customer.astype(np.int64) * n_r + prm] = np.arange(p.n_pairs)
        else:
            lookup = np.full(1, -1, dtype=np.int64)
        arrays = dict(
            ptr=ptr,
            prm=prm,
            pw=pw,
            cost=cost,
            cptr=cptr,
            cand=cand.astype(np.int64),
            is_cand=is_cand,
            lookup=lookup,
            required=p.required.astype(np.bool_),
            cap=cap,
            mstart=mstart,
            members=members,
            mcount=mcount,
            mpos=mpos,
            cur=cur,
            load=load,
            alpha=alpha,
            tabu=np.zeros(p.n_pairs, dtype=np.int64),
            best_cur=np.full(n_c, -1, dtype=np.int64),
        )
        if state[_TOT_EXC] == 0:
            state[_BEST] = state[_COST]
            arrays["best_cur"][:] = cur
        if tenure is None:
            # short tenures won on the Yagiura C-E sets (5-15 against 20-60 and 60-160)
            tenure = (5, 10)
        swap_work = float(cand.size) * n_c / max(n_r, 1)
        stride = max(1, math.ceil(swap_work / swap_budget)) if swaps else 0
        return cls(
            p, arrays, state, tenure, alpha_up, alpha_down, scale * alpha_floor, stride, scale
        )

    def _move(self, c: int, q: int) -> None:
        """Give customer ``c`` pair ``q`` (-1: unassign), keeping the search state in step."""
        a = self.arrays
        _move_customer(
            c,
            q,
            a["ptr"],
            a["prm"],
            a["pw"],
            a["cost"],
            a["cap"],
            a["cur"],
            a["load"],
            a["mstart"],
            a["members"],
            a["mcount"],
            a["mpos"],
            self.state,
        )

    def run(self, iterations: int) -> None:
        """Run ``iterations`` more iterations (releases the GIL when compiled)."""
        a = self.arrays
        _tabu_chunk(
            a["ptr"],
            a["prm"],
            a["pw"],
            a["cost"],
            a["cptr"],
            a["cand"],
            a["is_cand"],
            a["lookup"],
            a["required"],
            a["cap"],
            a["mstart"],
            a["members"],
            a["mcount"],
            a["mpos"],
            a["cur"],
            a["load"],
            a["alpha"],
            a["tabu"],
            self.state,
            a["best_cur"],
            int(iterations),
            int(self.tenure[0]),
            int(self.tenure[1]),
            float(self.alpha_up),
            float(self.alpha_down),
            float(self.alpha_min),
            int(self.swap_stride),
        )

    def run_for(self, seconds: float, chunk: int = 200, stall: int = 0) -> None:
        """Run until ``seconds`` have passed (checked between chunks of iterations); with
        ``stall`` > 0, :meth:`kick` the search whenever the best plan has not improved for that
        many iterations."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.run(chunk)
            if stall > 0 and self.iterations - max(self.last_kick, self.last_best_it) > stall:
                self.kick()

    def run_steps(self, iterations: int, chunk: int = 200, stall: int = 0) -> None:
        """Run ``iterations`` more iterations in chunks, kicking on a stall as :meth:`run_for`
        does: the same work whatever the clock (the deterministic search counts it)."""
        end = self.iterations + int(iterations)
        while self.iterations < end:
            self.run(min(chunk, end - self.iterations))
            if stall > 0 and self.iterations - max(self.last_kick, self.last_best_it) > stall:
                self.kick()

    @property
    def last_best_it(self) -> int:
        return int(self.state[_LAST_BEST_IT])

    def kick(self, share: float = 0.02) -> None:
        """Diversify: go back to the best plan, move a few random customers to a random
        candidate RM, reset the penalties and the tabu list."""
        a = self.arrays
        self.last_kick = self.iterations
        if self.has_best:
            self.restart(self.best)
        n_c = self.problem.n_customers
        rng = np.random.default_rng(int(self.state[_RNG]) & 0xFFFFFFFF)
        cptr, cand = a["cptr"], a["cand"]
        k = max(2, int(share * n_c))
        for c in rng.choice(n_c, size=min(k, n_c), replace=False).tolist():
            s, e = int(cptr[c]), int(cptr[c + 1])
            if e - s < 2:
                continue
            q = int(cand[s + int(rng.integers(e - s))])
            if q == int(a["cur"][c]):
                continue
            self._move(c, q)
        a["alpha"][:] = self.scale
        a["tabu"][:] = 0

    @property
    def iterations(self) -> int:
        return int(self.state[_IT])

    @property
    def has_best(self) -> bool:
        return int(self.state[_BEST]) != _NO_BEST

    @property
    def best(self) -> IntArray:
        """Best feasible plan (RM per customer); all -1 before one is found."""
        bc = self.arrays["best_cur"]
        out = np.full(self.problem.n_customers, -1, dtype=np.int64)
        on = bc >= 0
        out[on] = self.arrays["prm"][bc[on]]
        return out

    @property
    def best_value(self) -> int:
        """Cover value of :attr:`best` (meaningless unless :attr:`has_best`)."""
        return -int(self.state[_BEST])

    def restart(self, plan: IntArray) -> None:
        """Continue from ``plan`` (a feasible plan, e.g. improved elsewhere), keeping the
        penalties and tabu state."""
        a = self.arrays
        p = self.problem
        cur = a["cur"]
        assigned = np.flatnonzero(plan >= 0)
        target = np.full(p.n_customers, -1, dtype=np.int64)
        target[assigned] = p.pair_index(assigned, plan[assigned])
        for c in np.flatnonzero(target != cur).tolist():
            self._move(c, -1)
        for c in np.flatnonzero(target != cur).tolist():
            self._move(c, int(target[c]))
        if self.state[_TOT_EXC] == 0 and self.state[_COST] < self.state[_BEST]:
            self.state[_BEST] = self.state[_COST]
            a["best_cur"][:] = cur


# -- compilation ----------------------------------------------------------------------------------
_warm_lock = threading.Lock()
_warm_done = threading.Event()
_warm_started = False


def _warm() -> None:
    from allocator.problem import Problem as _P

    try:
        tiny = _P(
            customer_ids=np.array(["a", "b"], dtype=object),
            rm_ids=np.array(["x", "y"], dtype=object),
            pair_customer=np.array([0, 0, 1, 1], dtype=np.int32),
            pair_rm=np.array([0, 1, 0, 1], dtype=np.int32),
            pair_weight=np.array([1, 1, 1, 1], dtype=np.int64),
            pair_value=np.array([1, 2, 2, 1], dtype=np.int64),
            capacity=np.array([1, 1], dtype=np.int64),
            required=np.array([True, False]),
            group=np.full(2, -1, dtype=np.int32),
            exclusive=np.zeros(2, dtype=bool),
            current=np.full(2, -1, dtype=np.int32),
            hint=np.full(2, -1, dtype=np.int32),
            stages=("cover_value",),
        )
        ts = TabuSearch.create(tiny, np.array([0, -1], dtype=np.int64))
        ts.run(2)
    finally:
        _warm_done.set()


def ready(timeout: float) -> bool:
    """Whether the compiled kernel can be used, waiting at most ``timeout`` seconds.

    The first call starts compiling in a background thread (numba loads its on-disk cache in
    well under a second, but a first compilation takes 5-20 s): a short solve must not pay it, so
    the caller falls back to the CP-SAT neighbourhood search until the kernel is ready.
    """
    global _warm_started
    if not HAVE_NUMBA:
        return False
    with _warm_lock:
        if not _warm_started:
            _warm_started = True
            threading.Thread(target=_warm, daemon=True, name="lns-numba-warm-up").start()
    return _warm_done.wait(max(timeout, 0.0))
