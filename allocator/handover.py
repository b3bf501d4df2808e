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
from allocator.problem import Problem

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
    value = p.pair_value[p.customer_ptr[todo]]  # a customer's value is the same on all its pairs
    order = todo[np.argsort(-value, kind="stable")].tolist()
    # a relocation frees room elsewhere, perhaps at another customer's home branch: repeat
    # until nobody moves (each pass only adds customers at home, so it ends)
    while any([_to_home(p, a, seats, c, home, rm_branch) for c in order]):
        pass
    return a


def _to_home(p: Problem, a: Ints, seats: Seats, c: int, home: Ints, rm_branch: Ints) -> bool:
    """Move customer ``c`` to an RM of its hand-over branch if one can take it; whether it
    moved."""
    s, e = int(p.customer_ptr[c]), int(p.customer_ptr[c + 1])
    rms, w = p.pair_rm[s:e], p.pair_weight[s:e]
    near = np.flatnonzero(rm_branch[rms] == home[c])
    was = int(a[c])
    if near.size == 0 or (was >= 0 and rm_branch[was] == home[c]):
        return False
    w_was = int(w[int(np.flatnonzero(rms == was)[0])]) if was >= 0 else 0
    if was >= 0:
        seats.unseat(c, was, w_was)
    fits = seats.fits(c, rms[near], w[near])
    if not fits.any():
        if was >= 0:
            seats.seat(c, was, w_was)
        return False
    cand = near[fits]
    room = p.capacity[rms[cand]] - seats.load[rms[cand]]
    j = int(cand[np.argmax(room)])
    a[c] = int(rms[j])
    seats.seat(c, a[c], int(w[j]))
    return True
