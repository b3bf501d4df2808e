"""The hand-over of a departed RM's customers (``continuity.handover: same_outlet_first``).

When an RM leaves, banks give the book to the same outlet first: the customer knows the place,
and the outlet keeps the relationship. As a hard rule (contract v1.1): a customer whose RM has
left or is inactive goes to an eligible RM of the leaver's own branch when one has room. The
pipeline applies it to every backend's plan: such a customer placed elsewhere (or nowhere) moves
to the leaver's branch when an RM there can take it. This never changes the cover value or the
moves (the customer's RM today is gone, so it is *reassigned*, never *moved*) -- only balance.

Group members are handed over with their group (a group shares one RM: one member cannot go
alone), so the rule concerns customers outside a group.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from allocator.compile import Compiled
from allocator.heuristics.greedy import Seats

Ints = npt.NDArray[np.int64]


def hand_over(compiled: Compiled, assignment: npt.ArrayLike) -> Ints:
    """``assignment`` with every departed RM's customer (outside a group) at an RM of the
    leaver's branch whenever one has room for it, most valuable customers first."""
    p = compiled.problem
    a = np.asarray(assignment, dtype=np.int64).copy()
    home = compiled.handover_branch
    rm_branch = compiled.rms.branch
    counts = np.diff(p.customer_ptr)
    todo = np.flatnonzero((home >= 0) & (p.group < 0) & (counts > 0))
    if todo.size == 0:
        return a
    at_home = (a[todo] >= 0) & (rm_branch[np.maximum(a[todo], 0)] == home[todo])
    todo = todo[~at_home]
    if todo.size == 0:
        return a
    seats = Seats(p, a)
    ptr = p.customer_ptr
    value = p.pair_value[ptr[todo]]  # a customer's value is the same on all its pairs
    for c in todo[np.argsort(-value, kind="stable")].tolist():
        s, e = int(ptr[c]), int(ptr[c + 1])
        rms, w = p.pair_rm[s:e], p.pair_weight[s:e]
        near = np.flatnonzero(rm_branch[rms] == home[c])
        if near.size == 0:
            continue
        was = int(a[c])
        if was >= 0:
            seats.unseat(c, was, int(w[int(np.flatnonzero(rms == was)[0])]))
        fits = seats.fits(c, rms[near], w[near])
        if fits.any():
            cand = near[fits]
            room = p.capacity[rms[cand]] - seats.load[rms[cand]]
            j = int(cand[np.argmax(room)])
            a[c] = int(rms[j])
            seats.seat(c, a[c], int(w[j]))
        elif was >= 0:
            seats.seat(c, was, int(w[int(np.flatnonzero(rms == was)[0])]))
    return a
