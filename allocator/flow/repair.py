"""The exact repair: whole customers on a neighbourhood of RMs, as a small integer program.

Rounding a flow down to whole customers strands, on each arc with a fraction, less than one
customer's workload; on an RM that only such arcs reach, the loss is real (a private client of
8 points does not fit in 7 points). The repair re-decides, exactly, how many members of each hub
sit on each RM of a *neighbourhood*: every RM when the network is small (then the repair alone is
an exact solve of the problem without side rules), else the RMs where rounding bit -- an arc
with a fraction, or room left next to a hub with customers still unseated -- up to a size CP-SAT
closes in a second or two. The model is aggregated like the flow (one integer per hub arc, not
one Boolean per customer), starts from the rounded flow, and is solved in two stages like the
CP-SAT backend: cover value, then continuity (fewest moved, then fewest dropped, exactly).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from allocator.flow.network import Hubs

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

#: a network with at most this many hub arcs is repaired whole (exactly)
REPAIR_ALL_ARCS = 20_000
#: a neighbourhood takes RMs until it holds this many hub arcs
NEIGHBOURHOOD_ARCS = 20_000


@dataclass(frozen=True)
class RepairResult:
    """Seats per hub arc after the repair, and whether the neighbourhood was solved to optimum."""

    seats: Ints
    optimal: bool
    whole: bool  # the neighbourhood was the whole network


def neighbourhood(hubs: Hubs, bitten: Bools, seats: Ints, room: Ints) -> Bools:
    """RMs to repair: all of them for a small network, else where rounding bit (see module)."""
    n_rms = int(room.shape[0])
    if hubs.arc_rm.shape[0] <= REPAIR_ALL_ARCS:
        return np.ones(n_rms, dtype=bool)
    arc_hub = hubs.arc_hub
    unseated = np.diff(hubs.member_ptr) - np.bincount(arc_hub, weights=seats, minlength=hubs.n)
    wanting = (unseated[arc_hub] > 0) & (hubs.arc_value > 0) & (room[hubs.arc_rm] > 0)
    score = np.where(bitten, 2.0, 0.0)
    np.add.at(score, hubs.arc_rm[wanting], 1.0)
    arcs_of_rm = np.bincount(hubs.arc_rm, minlength=n_rms)
    order = np.argsort(-score, kind="stable")
    order = order[score[order] > 0]
    take = np.cumsum(arcs_of_rm[order]) <= NEIGHBOURHOOD_ARCS
    chosen = np.zeros(n_rms, dtype=bool)
    chosen[order[take]] = True
    return chosen


def exact_repair(
    hubs: Hubs,
    seats: Ints,
    room: Ints,
    chosen: Bools,
    *,
    continuity: bool,
    time_limit: float,
    seed: int = 0,
    workers: int = 1,
    drops: bool = True,
) -> RepairResult:
    """Re-decide the seats of the hub arcs into the ``chosen`` RMs.

    Parameters
    ----------
    hubs
        The pooled customers of the flow.
    seats
        Whole customers per hub arc after rounding (a feasible start).
    room
        Capacity per RM available to the hubs (what other customers leave).
    chosen
        The neighbourhood (RMs).
    continuity
        Solve the second stage (moves, then drops) as well.
    time_limit, seed, workers
        CP-SAT's budget for both stages together (deterministic time, with five times as much
        wall time as a guard) and its seed; ``workers`` is accepted for symmetry, but the repair
        runs one thread, for reproducibility.
    drops
        Run the third stage (fewest dropped, cover and moves held). A repair of a neighbourhood
        leaves it to :mod:`allocator.flow.reseat` and :mod:`allocator.flow.restore`, which
        settle drops over the whole plan in a fraction of the time; a repair of the whole
        network keeps it, for then its optimum is the proven lexicographic optimum.
    """
    from ortools.sat.python import cp_model

    arc_hub = hubs.arc_hub
    whole = bool(chosen.all())
    var_arcs = np.flatnonzero(chosen[hubs.arc_rm] & (hubs.arc_value > 0))
    if var_arcs.size == 0 or time_limit <= 0.05:
        return RepairResult(seats, False, whole)
    count = np.diff(hubs.member_ptr)
    w = hubs.weight
    fixed_seats = seats.copy()
    fixed_seats[var_arcs] = 0
    # arcs into chosen RMs that stay at 0 (value <= 0) keep their seats fixed at 0 as well
    fixed_seats[chosen[hubs.arc_rm]] = 0
    left_h = count - np.bincount(arc_hub, weights=fixed_seats, minlength=hubs.n).astype(np.int64)
    load_fixed = np.bincount(
        hubs.arc_rm, weights=fixed_seats * w[arc_hub], minlength=room.shape[0]
    ).astype(np.int64)
    cap = room - load_fixed

    m = cp_model.CpModel()
    upper = np.minimum(
        count[arc_hub[var_arcs]],
        np.maximum(cap[hubs.arc_rm[var_arcs]], 0) // w[arc_hub[var_arcs]],
    )
    x = [m.new_int_var(0, int(u), "") for u in upper.tolist()]
    start = np.minimum(seats[var_arcs], upper)
    vh = arc_hub[var_arcs]
    vr = hubs.arc_rm[var_arcs]
    by_hub: dict[int, list[int]] = {}
    for i, h in enumerate(vh.tolist()):
        by_hub.setdefault(h, []).append(i)
    for h, idx in by_hub.items():
        if len(idx) > 1 or count[h] > left_h[h]:
            m.add(sum(x[i] for i in idx) <= int(left_h[h]))
    by_rm: dict[int, list[int]] = {}
    for i, r in enumerate(vr.tolist()):
        by_rm.setdefault(r, []).append(i)
    for r, idx in by_rm.items():
        m.add(sum(int(w[vh[i]]) * x[i] for i in idx) <= int(cap[r]))
    value = sum(int(hubs.arc_value[a]) * x[i] for i, a in enumerate(var_arcs.tolist()))
    hints: list[tuple[Any, int]] = [(x[i], v) for i, v in enumerate(start.tolist())]

    # continuity: per touched hub, members kept on today's RM (k <= seats there) and movers
    # (members seated beyond the kept and the new ones: seating fills new members first)
    movers_terms: list[Any] = []
    kept_terms: list[Any] = []
    aux: list[Any] = []
    if continuity:
        n_rms = room.shape[0]
        mh = hubs.member_hub
        cur = hubs.member_current
        keepable_h = np.bincount(mh[cur >= 0], minlength=hubs.n)
        new_h = count - keepable_h
        akey = arc_hub * (n_rms + 1) + hubs.arc_rm
        kkey, kcount = np.unique(mh[cur >= 0] * (n_rms + 1) + cur[cur >= 0], return_counts=True)
        pos = np.minimum(np.searchsorted(akey, kkey), max(akey.shape[0] - 1, 0))
        reach = akey[pos] == kkey
        var_pos = np.full(hubs.arc_rm.shape[0], -1, dtype=np.int64)
        var_pos[var_arcs] = np.arange(var_arcs.shape[0])
        kept_of: dict[int, list[Any]] = {}
        kept_start: dict[int, int] = {}
        kept_const = np.zeros(hubs.n, dtype=np.int64)
        for key, cnt, p_, ok in zip(
            kkey.tolist(), kcount.tolist(), pos.tolist(), reach.tolist(), strict=True
        ):
            if not ok:
                continue
            h = key // (n_rms + 1)
            i = int(var_pos[p_])
            if i < 0:
                kept_const[h] += min(cnt, int(fixed_seats[p_]))
                continue
            k = m.new_int_var(0, int(cnt), "")
            aux.append(k)
            m.add(k <= x[i])
            kept_of.setdefault(h, []).append(k)
            hints.append((k, min(int(cnt), int(start[i]))))
            kept_start[h] = kept_start.get(h, 0) + min(int(cnt), int(start[i]))
        for h, idx in by_hub.items():
            seats_h = sum(x[i] for i in idx) + int(count[h] - left_h[h])
            kept_h = sum(kept_of.get(h, [])) + int(kept_const[h])
            movers = m.new_int_var(0, int(keepable_h[h]), "")
            aux.append(movers)
            m.add(movers >= seats_h - kept_h - int(new_h[h]))
            movers_terms.append(movers)
            kept_terms.append(kept_h)
            seated = int(start[idx].sum()) + int(count[h] - left_h[h])
            kept = kept_start.get(h, 0) + int(kept_const[h])
            hints.append((movers, min(int(keepable_h[h]), max(0, seated - kept - int(new_h[h])))))
    for var, v in hints:
        m.add_hint(var, v)

    solver = cp_model.CpSolver()
    # one worker and a deterministic time budget: the same seed and input give the same plan
    # (a wall-clock limit, five times as long, only guards against a slow or busy machine)
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = 1
    # stage 1: cover value, and among the best, fewest moved (exact: a move weighs less than
    # the smallest value step when the weight exceeds the movers' range)
    third = bool(kept_terms) and drops
    budget = time_limit * (0.7 if kept_terms else 1.0)
    solver.parameters.max_deterministic_time = budget
    solver.parameters.max_time_in_seconds = 5 * budget
    if movers_terms:
        n_keepable = int(keepable_h[list(by_hub)].sum())
        m.maximize((n_keepable + 1) * value - sum(movers_terms))
    else:
        m.maximize(value)
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return RepairResult(seats, False, whole)
    optimal = status == cp_model.OPTIMAL
    best = np.array([solver.value(v) for v in x], dtype=np.int64)
    out = fixed_seats.copy()
    out[var_arcs] = best
    if not third:
        return RepairResult(out, optimal and not kept_terms, whole)
    # stage 2: with both held, fewest dropped (most kept)
    m.add(value >= int((hubs.arc_value[var_arcs] * best).sum()))
    m.add(sum(movers_terms) <= int(sum(solver.value(v) for v in movers_terms)))
    m.maximize(sum(kept_terms))
    m.clear_hints()
    for var in [*x, *aux]:
        m.add_hint(var, solver.value(var))
    solver.parameters.max_deterministic_time = max(time_limit * 0.3, 0.05)
    solver.parameters.max_time_in_seconds = 5 * max(time_limit * 0.3, 0.05)
    status2 = solver.solve(m)
    if status2 in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        out[var_arcs] = np.array([solver.value(v) for v in x], dtype=np.int64)
        optimal = optimal and status2 == cp_model.OPTIMAL
    return RepairResult(out, optimal, whole)
