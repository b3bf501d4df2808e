"""What the final plan does with each RM, and what the solve proved, computed once for every
reason (vectorised: no Python object per customer)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from allocator.compile import Compiled
from allocator.problem import Problem
from allocator.solution import Solution, SolutionStatus, Termination

Ints = npt.NDArray[np.int64]
#: ``owner`` of an RM that is dedicated to nobody
NO_OWNER = np.iinfo(np.int64).min


@dataclass
class Facts:
    """The plan's RMs and the solve's proofs.

    Attributes
    ----------
    a : numpy.ndarray
        RM per customer (-1: none).
    load : numpy.ndarray
        Workload per RM (the problem's integer units).
    unit : numpy.ndarray
        Per customer, its unit: its group, or ``-1 - c`` outside a group.
    owner : numpy.ndarray
        Per RM, the unit of the one-to-one customer it is dedicated to (:data:`NO_OWNER`).
    units_on : numpy.ndarray
        Per RM, how many distinct units it serves.
    group_rm : numpy.ndarray
        Per group, the RM serving it (-1: none).
    group_served : numpy.ndarray
        Per group, how many members have an RM.
    moved_out : numpy.ndarray
        Per RM, how many of its customers today it lost to other RMs.
    book_load : numpy.ndarray
        Per RM, the workload of its customers today who could stay.
    newcomer_value : numpy.ndarray
        Per RM, the highest value of a customer it serves who was not its customer today.
    cover_optimal, continuity_optimal : bool
        Whether those stages are proven optimal.
    termination : Termination
        Why the solve stopped.
    """

    a: Ints
    load: Ints
    unit: Ints
    owner: Ints
    units_on: Ints
    group_rm: Ints
    group_served: Ints
    moved_out: Ints
    book_load: Ints
    newcomer_value: Ints
    value: Ints
    cover_optimal: bool
    continuity_optimal: bool
    termination: Termination

    @classmethod
    def of(cls, compiled: Compiled, solution: Solution) -> Facts:
        p: Problem = compiled.problem
        a = np.asarray(solution.assignment, dtype=np.int64)
        n, m = p.n_customers, p.n_rms
        unit = np.where(p.group >= 0, p.group.astype(np.int64), -1 - np.arange(n, dtype=np.int64))
        on, idx = p.chosen_pairs(a)
        value = np.zeros(n, dtype=np.int64)
        value[on] = p.pair_value[idx]
        load = np.bincount(a[on], weights=p.pair_weight[idx], minlength=m).astype(np.int64)
        owner = np.full(m, NO_OWNER, dtype=np.int64)
        excl = on[p.exclusive[on]]
        owner[a[excl]] = unit[excl]
        pairs = np.unique(np.stack([a[on], unit[on]]), axis=1) if on.size else np.zeros((2, 0))
        units_on = np.bincount(pairs[0].astype(np.int64), minlength=m).astype(np.int64)
        group_rm = np.full(p.n_groups, -1, dtype=np.int64)
        members = on[p.group[on] >= 0]
        group_rm[p.group[members]] = a[members]
        group_served = np.bincount(p.group[members], minlength=p.n_groups).astype(np.int64)
        keep = np.flatnonzero(p.current >= 0)
        weight = _customer_weight(p)
        book_load = np.bincount(p.current[keep], weights=weight[keep], minlength=m).astype(np.int64)
        new = on[p.current[on] != a[on]]
        newcomer_value = np.full(m, np.iinfo(np.int64).min, dtype=np.int64)
        np.maximum.at(newcomer_value, a[new], value[new])
        stage = {s.name: s.status for s in solution.stages}
        return cls(
            a=a,
            load=load,
            unit=unit,
            owner=owner,
            units_on=units_on,
            group_rm=group_rm,
            group_served=group_served,
            moved_out=p.moved_out(a),
            book_load=book_load,
            newcomer_value=newcomer_value,
            value=value,
            cover_optimal=stage.get("cover_value") == SolutionStatus.OPTIMAL,
            continuity_optimal=stage.get("continuity") == SolutionStatus.OPTIMAL,
            termination=solution.termination,
        )


def _customer_weight(p: Problem) -> Ints:
    """Each customer's workload (the same on all its pairs in a compiled bank; its first pair's
    otherwise), 0 without pairs."""
    out = np.zeros(p.n_customers, dtype=np.int64)
    ptr = p.customer_ptr
    has = ptr[1:] > ptr[:-1]
    out[has] = p.pair_weight[ptr[:-1][has]]
    return out


def customer_value(p: Problem) -> Ints:
    """Each customer's value (its first pair's; 0 without pairs)."""
    out = np.zeros(p.n_customers, dtype=np.int64)
    ptr = p.customer_ptr
    has = ptr[1:] > ptr[:-1]
    out[has] = p.pair_value[ptr[:-1][has]]
    return out


customer_weight = _customer_weight
