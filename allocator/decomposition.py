"""Split a problem into independent parts and put their solutions back together.

Two customers interact only through an RM they could both get, or a group they share. The
connected components of the bipartite eligibility graph (customers and RMs, one edge per eligible
pair, the members of a group joined to each other) are therefore independent problems: no hard
rule crosses them, and the lexicographic objective separates --

- cover value and moves are sums over customers, so a plan is optimal for them exactly when
  every part's plan is (and the dropped-customers tie-break is a sum too);
- the largest utilisation is a max over RMs, and every RM lies in one part, so the global value
  is the max of the parts' values. Minimising each part's max independently is exact for the
  max: the part holding the global max cannot do better, and the others do no harm.

The line split (DESIGN.md) falls out: corporate and retail customers never share an RM, so they
never share a component.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from allocator.problem import Problem, trivial_bound
from allocator.solution import Solution, SolutionStatus, StageResult, Termination

Ints = npt.NDArray[np.int64]

#: weakest first: the merged status is the weakest of the parts
_STATUS_ORDER = (
    SolutionStatus.INFEASIBLE,
    SolutionStatus.NO_SOLUTION,
    SolutionStatus.FEASIBLE,
    SolutionStatus.OPTIMAL,
)
_TERMINATION_ORDER = (
    Termination.ERROR,
    Termination.INTERRUPTED,
    Termination.TIME_LIMIT,
    Termination.CONVERGED,
)


# ------------------------------------------------------------------------------------------------
# components
# ------------------------------------------------------------------------------------------------
def _edges(problem: Problem) -> tuple[Ints, Ints]:
    """Graph edges over nodes ``0..C-1`` (customers) and ``C..C+R-1`` (RMs): one per pair, and
    a chain through the members of each group that have pairs."""
    n = problem.n_customers
    src = [problem.pair_customer.astype(np.int64)]
    dst = [n + problem.pair_rm.astype(np.int64)]
    has_pairs = np.diff(problem.customer_ptr) > 0
    members = np.flatnonzero((problem.group >= 0) & has_pairs)
    if members.size > 1:
        order = members[np.argsort(problem.group[members], kind="stable")]
        same = problem.group[order[1:]] == problem.group[order[:-1]]
        src.append(order[:-1][same])
        dst.append(order[1:][same])
    return np.concatenate(src), np.concatenate(dst)


def _labels(n_nodes: int, u: Ints, v: Ints) -> Ints:
    """Component label (the smallest node) of every node: min-label hooking with pointer
    jumping, vectorised; O(E log V) work, no Python loop per node or edge."""
    label = np.arange(n_nodes, dtype=np.int64)
    while True:
        lu, lv = label[u], label[v]
        low = np.minimum(lu, lv)
        new = label.copy()
        np.minimum.at(new, lu, low)
        np.minimum.at(new, lv, low)
        while True:  # pointer jumping to the roots
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, label):
            return label
        label = new


def components(problem: Problem) -> list[Ints]:
    """The customers of each connected component of the eligibility graph.

    Customers of one group are joined (a group must share one RM). Customers without any pair
    belong to no component: no backend can give them an RM.

    Returns
    -------
    list of numpy.ndarray of int64
        Sorted customer indices per component, ordered by each component's first customer.
    """
    n = problem.n_customers
    u, v = _edges(problem)
    label = _labels(n + problem.n_rms, u, v)
    has_pairs = np.diff(problem.customer_ptr) > 0
    cust = np.flatnonzero(has_pairs)
    if cust.size == 0:
        return []
    lab = label[cust]
    order = np.lexsort((cust, lab))
    sorted_lab = lab[order]
    cuts = np.flatnonzero(sorted_lab[1:] != sorted_lab[:-1]) + 1
    parts = np.split(cust[order], cuts)
    parts.sort(key=lambda a: int(a[0]))
    return [np.asarray(a, dtype=np.int64) for a in parts]


# ------------------------------------------------------------------------------------------------
# subproblems
# ------------------------------------------------------------------------------------------------
def subproblem(problem: Problem, customer_idx: npt.ArrayLike) -> tuple[Problem, Ints]:
    """The problem restricted to some customers and the RMs they have pairs with.

    Parameters
    ----------
    problem
        The whole problem.
    customer_idx
        Customers to keep (a component, or a union of components: the result is then exact).

    Returns
    -------
    (Problem, numpy.ndarray of int64)
        The subproblem, re-indexed (customers in the order given, RMs ascending), with the same
        rules, stages and weight scale; and the original index of each of its RMs. A group cut
        down to one member is no group; a hint to an RM outside the part is dropped.
    """
    cust = np.asarray(customer_idx, dtype=np.int64)
    ptr = problem.customer_ptr
    counts = ptr[cust + 1] - ptr[cust]
    pos = np.repeat(ptr[cust] - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
    rm_idx = np.unique(problem.pair_rm[pos]).astype(np.int64)
    rm_map = np.full(problem.n_rms, -1, dtype=np.int64)
    rm_map[rm_idx] = np.arange(rm_idx.size)
    # sorted by customer then RM as Problem requires: customers keep the given order, and the
    # RM map is increasing, so each customer's RMs stay ascending
    new_c = np.repeat(np.arange(cust.size), counts)
    new_r = rm_map[problem.pair_rm[pos]]

    def remap(values: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]:
        v = values[cust].astype(np.int64)
        return np.where(v >= 0, rm_map[np.maximum(v, 0)], -1).astype(np.int32)

    klass = problem.klass[cust].copy() if problem.klass is not None else None
    sub = Problem(
        customer_ids=problem.customer_ids[cust],
        rm_ids=problem.rm_ids[rm_idx],
        pair_customer=new_c.astype(np.int32),
        pair_rm=new_r.astype(np.int32),
        pair_weight=problem.pair_weight[pos],
        pair_value=problem.pair_value[pos],
        capacity=problem.capacity[rm_idx],
        required=problem.required[cust],
        group=_regroup(problem.group[cust]),
        exclusive=problem.exclusive[cust],
        current=remap(problem.current),
        hint=remap(problem.hint),
        klass=klass,
        weight_scale=problem.weight_scale,
        stages=problem.stages,
        # a customer's RM today is one of its pairs, so it lies in the customer's part
        move_cap=problem.move_cap[rm_idx] if problem.move_cap is not None else None,
    )
    return sub, rm_idx


def _regroup(group: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]:
    """Dense group indices of the groups with two or more members here; -1 for the rest."""
    out = np.full(group.shape[0], -1, dtype=np.int32)
    member = group >= 0
    if not member.any():
        return out
    _, dense, sizes = np.unique(group[member], return_inverse=True, return_counts=True)
    real = sizes[dense] >= 2
    _, dense2 = np.unique(dense[real], return_inverse=True)
    idx = np.flatnonzero(member)
    out[idx[real]] = dense2.astype(np.int32)
    return out


# ------------------------------------------------------------------------------------------------
# merging
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Part:
    """A solved part: which customers and RMs of the whole problem it holds, and its solution."""

    customer_idx: Ints
    rm_idx: Ints
    solution: Solution
    problem: Problem


def weakest_status(statuses: Sequence[SolutionStatus]) -> SolutionStatus:
    """The weakest status of the parts (infeasible < no solution < feasible < optimal)."""
    if not statuses:
        return SolutionStatus.OPTIMAL
    return min(statuses, key=_STATUS_ORDER.index)


def weakest_termination(terminations: Sequence[Termination]) -> Termination:
    """Why the whole stopped: an error, else a stop request, else a time limit, else converged."""
    if not terminations:
        return Termination.CONVERGED
    return min(terminations, key=_TERMINATION_ORDER.index)


def part_bound(part: Problem, stage: str, bound: float | None) -> float:
    """A part's bound on ``stage``, never weaker than the part's trivial bound (which it is when
    the part has none): an inner solver stopped early may report a cover bound above the largest
    cover possible, and a sum of such bounds is no bound worth reporting (issue 13)."""
    trivial = trivial_bound(part, stage)
    if bound is None or math.isnan(bound):
        return trivial
    return min(bound, trivial) if stage == "cover_value" else max(bound, trivial)


def _merge_stage(problem: Problem, parts: Sequence[Part], stage: str, a: Ints) -> StageResult:
    """One stage of the whole: the objective recomputed on the merged assignment (it equals the
    sum, or for balance the max, of the parts'), bounds summed (max for balance), each capped by
    the part's trivial bound, the weakest status; a part that did not reach the stage
    contributes its trivial bound and makes the stage merely feasible."""
    results = [(part, part.solution.stage(stage)) for part in parts]
    bounds = [
        part_bound(part.problem, stage, r.bound if r is not None else None) for part, r in results
    ]
    statuses = [r.status if r is not None else SolutionStatus.FEASIBLE for _, r in results]
    bound = max(bounds, default=0.0) if stage == "balance" else float(sum(bounds))
    value = problem.stage_value(stage, a)
    bound = max(bound, value) if stage == "cover_value" else min(bound, value)
    seconds = max((r.seconds for _, r in results if r is not None), default=0.0)
    status = weakest_status(statuses)
    return StageResult(stage, value, bound, status, seconds)


def merge(
    problem: Problem,
    parts: Sequence[Part],
    backend: str = "decompose",
    seconds: float = 0.0,
) -> Solution:
    """The solution of the whole problem from the solutions of its parts.

    Parameters
    ----------
    problem
        The whole problem (customers in no part stay unassigned).
    parts
        The solved parts; their customers must not overlap.
    backend, seconds
        Recorded on the merged solution.

    Returns
    -------
    Solution
        The assignment put together; per stage, the objective of the merged assignment (cover
        value and moves are the sums of the parts', the largest utilisation their max) with
        bounds combined the same way; the weakest status and termination of the parts.
    """
    a = np.full(problem.n_customers, -1, dtype=np.int64)
    for part in parts:
        local = np.asarray(part.solution.assignment, dtype=np.int64)
        a[part.customer_idx] = np.where(local >= 0, part.rm_idx[np.maximum(local, 0)], -1)
    statuses = [part.solution.status for part in parts]
    status = weakest_status(statuses)
    termination = weakest_termination([part.solution.termination for part in parts])
    if status in (SolutionStatus.INFEASIBLE, SolutionStatus.NO_SOLUTION):
        empty = np.full(problem.n_customers, -1, dtype=np.int64)
        return Solution(empty, status, termination, [], backend, seconds)
    reached = [s for s in problem.stages if any(p.solution.stage(s) for p in parts) or not parts]
    stages = [_merge_stage(problem, parts, s, a) for s in reached]
    if status == SolutionStatus.OPTIMAL and len(stages) < len(problem.stages):
        status = SolutionStatus.FEASIBLE
    return Solution(a, status, termination, stages, backend, seconds)
