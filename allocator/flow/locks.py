"""Phase 1: the held locks, assigned before anything else.

A held lock (a required customer with one eligible pair) has no choice, so it is placed first
and its load comes off the capacities every later flow sees. It also constrains the side rules:
an RM holding a locked one-to-one customer is *reserved* for that customer's unit, and an RM
holding any locked customer is *busy* -- nobody else can have it to themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from allocator.flow.state import Bools, FlowState, Ints


@dataclass
class Locks:
    """The plan of the held locks and what it leaves for everybody else.

    Attributes
    ----------
    a : numpy.ndarray of int64
        RM per customer: the locked ones assigned, everybody else -1.
    fixed : numpy.ndarray of bool
        Per customer: a held lock.
    cap_left : numpy.ndarray of int64
        Per RM: capacity less the locks' load.
    reserved : numpy.ndarray of int64
        Per RM: the unit of the locked one-to-one customer it holds (-1: none).
    busy : numpy.ndarray of bool
        Per RM: holds a locked customer.
    unit_rm : numpy.ndarray of int64
        Per unit: the RM a locked member ties it to (-1: none yet).
    """

    a: Ints
    fixed: Bools
    cap_left: Ints
    reserved: Ints
    busy: Bools
    unit_rm: Ints


def hold_locks(state: FlowState) -> Locks | None:
    """Assign the held locks; None when they alone break a hard rule (no plan can hold)."""
    p = state.problem
    units = state.units
    a = np.full(p.n_customers, -1, dtype=np.int64)
    fixed = p.required & (state.deg == 1)
    a[fixed] = p.pair_rm[state.ptr[:-1][fixed]]
    if state.violations(a, required=False):
        return None
    cap_left = p.capacity - state.loads(a)
    # RMs a fixed one-to-one customer reserves for its unit; RMs holding any fixed customer
    reserved = np.full(p.n_rms, -1, dtype=np.int64)
    fx = np.flatnonzero(fixed & p.exclusive)
    reserved[a[fx]] = units.of[fx]
    busy = np.zeros(p.n_rms, dtype=bool)
    busy[a[fixed]] = True
    unit_rm = np.full(units.n, -1, dtype=np.int64)
    fu = np.flatnonzero(fixed & (units.of >= 0))
    unit_rm[units.of[fu]] = a[fu]
    return Locks(a=a, fixed=fixed, cap_left=cap_left, reserved=reserved, busy=busy, unit_rm=unit_rm)
