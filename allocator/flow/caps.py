"""Move caps (``Problem.move_cap``): at most so many of an RM's customers today leave it.

A cap counts customers, and the flow counts workload units, so a cap is no arc capacity of the
flow: the LP bounds ignore caps (a relaxation stays a relaxation without them), and the plans
are brought within the caps here -- the least valuable moves beyond an RM's cap are undone (the
customer loses the new RM; :func:`allocator.flow.restore.restore` then puts whoever fits back on
today's RM, which moves nobody). Dropping a moved customer breaks no other rule: a customer
without an RM splits no group and shares no one-to-one RM. The start plan
(:func:`allocator.heuristics.start.book_start`) keeps the caps too, so every plan the flow
returns does.
"""

from __future__ import annotations

import numpy as np

from allocator.flow.state import FlowState, Ints


def within_caps(state: FlowState, a: Ints) -> Ints | None:
    """``a`` with the least valuable moves beyond each RM's cap undone; ``a`` itself when it is
    within the caps, None when only a required customer's move could be undone."""
    p = state.problem
    if not p.has_move_caps:
        return a
    assert p.move_cap is not None
    moved = np.flatnonzero((p.current >= 0) & (a >= 0) & (a != p.current))
    frm = p.current[moved].astype(np.int64)
    cap = p.move_cap[frm]
    over = np.bincount(frm, minlength=p.n_rms) > np.where(p.move_cap >= 0, p.move_cap, 2**62)
    if not over[frm].any():
        return a
    value = p.pair_value[state.lookup(moved, a[moved])]
    # per RM of origin, the moves kept: required customers first, then the most valuable
    order = np.lexsort((moved, -value, ~p.required[moved], frm))
    moved, frm, cap = moved[order], frm[order], cap[order]
    rank = np.arange(moved.shape[0]) - np.searchsorted(frm, frm)
    undo = (cap >= 0) & (rank >= cap)
    if p.required[moved[undo]].any():
        return None
    out = a.copy()
    out[moved[undo]] = -1
    return out
