"""Customers pooled into the hubs of a flow network, each with the arcs its *kind* allows.

Every flow of a solve (the bound LPs, the final flow, the balance flow) is built the same way:
customers of one kind, workload and pin pool into one hub, and what a customer may do in that
flow -- any RM, only RMs nobody else holds, only its group's RM -- is said by its kind, so one
builder serves them all.
"""

from __future__ import annotations

import numpy as np

from allocator.flow.network import Hubs, first_of_keys, group_into_hubs
from allocator.flow.state import Bools, FlowState, Ints

#: any RM not reserved for a unit
POOLED = 0
#: a one-to-one customer: also no RM busy with a held lock
ONE_TO_ONE = 1
#: only the RM its unit was given (``pin``)
PINNED = 2
#: pooled, its value raised by the bonus: the LP seats required customers first
REQUIRED = 3
#: one-to-one and gated: the RM's gate lets one such customer through
DEDICATED = 4


def build_hubs(
    state: FlowState,
    customers: Ints,
    kind: Ints,
    weight: Ints,
    pin: Ints,
    reserved: Ints,
    busy: Bools,
    bonus: int,
    anchor: Ints | None = None,
) -> Hubs:
    """Pool ``customers`` into hubs and give each hub the arcs its kind allows.

    Parameters
    ----------
    state : FlowState
    customers : numpy.ndarray of int64
        The customers of the flow (sorted).
    kind : numpy.ndarray of int64
        Per customer: :data:`POOLED`, :data:`ONE_TO_ONE`, :data:`PINNED`, :data:`REQUIRED` or
        :data:`DEDICATED`.
    weight : numpy.ndarray of int64
        Per customer: its workload in this flow (strengthened for one-to-one customers).
    pin : numpy.ndarray of int64
        Per customer: the only RM a pinned customer may have (-1 for the others).
    reserved : numpy.ndarray of int64
        Per RM: the unit it is reserved for (-1: none); nobody else gets an arc to it.
    busy : numpy.ndarray of bool
        Per RM: holds a locked customer (no one-to-one customer may have it).
    bonus : int
        Added to the value of a required customer's arcs.
    anchor : numpy.ndarray of int64, optional
        Per customer of the problem: the RM its keep node keeps (``state.anchor`` by default;
        ``problem.current`` where the flow must count true moves).

    Returns
    -------
    Hubs
    """
    p = state.problem
    hub, reps = first_of_keys(kind, state.klass[customers], weight, pin)
    rep_c = customers[reps]
    owner, idx = state.pairs_of(rep_c)
    rm = p.pair_rm[idx].astype(np.int64)
    val = p.pair_value[idx].astype(np.int64)
    hk = kind[reps][owner]
    keep = reserved[rm] < 0
    keep &= ((hk != ONE_TO_ONE) & (hk != DEDICATED)) | ~busy[rm]
    pinned = hk == PINNED
    keep = np.where(pinned, rm == pin[reps][owner], keep)
    val = np.where(hk == REQUIRED, val + bonus, val)
    owner, rm, val = owner[keep], rm[keep], val[keep]
    arc_ptr = np.zeros(reps.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=reps.shape[0]), out=arc_ptr[1:])
    cur = (state.anchor if anchor is None else anchor)[customers].astype(np.int64)
    gated = kind == DEDICATED
    return group_into_hubs(hub, customers, weight, cur, (arc_ptr, rm, val), gated, reps)


def gated_hub(hubs: Hubs) -> Bools:
    """The gated hubs of ``hubs`` as a mask (all False when none are)."""
    if hubs.gated is None:
        return np.zeros(hubs.n, dtype=bool)
    return hubs.gated
