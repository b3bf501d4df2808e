"""Today's book: each customer's current RM, the locks, and the RMs' capacity column.

Why a book with faults: the allocator exists to repair one. A generated bank therefore starts
from a plausible but imperfect assignment -- most customers with an RM fitting their tier, and
the faults DOMAIN.md names: customers without an RM, customers who outgrew theirs, RMs who left,
key customers sharing an ordinary RM, pooled customers who kept theirs, overloaded RMs (popular
ones, and capacities cut below the book) -- plus ~1 % locks, which never conflict: every live
lock is checked against the policy by the rule engine (:class:`~allocator.synth.fit.PolicyFit`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.contract import LINES
from allocator.rules import RmTable
from allocator.synth.branches import Tree
from allocator.synth.config import GeneratorConfig
from allocator.synth.customers import Cust
from allocator.synth.fit import PolicyFit, RmMasks, fits_need
from allocator.synth.needs import Needs, PolicyView
from allocator.synth.roles import DEDICATED, role_of
from allocator.synth.staffing import Placement, Staff
from allocator.synth.units import Units

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


@dataclasses.dataclass(frozen=True)
class Book:
    """Today's book: each customer's RM (index into the staff, -1 none), the locks, the RMs'
    capacity column, and two faults the quarter's history must agree with (per customer):
    ``outgrew`` (its RM was chosen for its previous, lower tier) and ``kept_downgraded`` (a
    pooled customer who kept the RM of the lowest served tier)."""

    current: Ints
    locked: Bools
    capacity: Floats
    outgrew: Bools
    kept_downgraded: Bools


def draw_book(
    cust: Cust,
    needs: Needs,
    units: Units,
    place: Placement,
    staff: Staff,
    tree: Tree,
    view: PolicyView,
    cfg: GeneratorConfig,
    rng: np.random.Generator,
) -> Book:
    """Today's RM of each customer, the locks and the RMs' capacity column, faults included."""
    table = RmTable.build(staff.frame, tree.table, view.policy)
    rmv = RmMasks.build(staff.frame, table, tree, view)
    unit_rm = np.full(units.n, -1, dtype=np.int64)
    mine = np.flatnonzero(staff.dedicated_to >= 0)
    unit_rm[staff.dedicated_to[mine]] = mine
    want, pick, as_placed, outgrew, kept = _book_needs(cust, units, unit_rm >= 0, view, cfg, rng)
    chosen = np.flatnonzero(pick)
    wanted = want.take(chosen)
    role, seat = role_of(wanted, units.scope[chosen], tree, view)
    keep = as_placed[chosen]
    role[keep] = place.role[chosen[keep]]
    seat[keep] = place.seat[chosen[keep]]
    unit_rm[chosen] = _pick_rms(
        wanted, units.scope[chosen], role, seat, rmv, staff, tree, view, cfg, rng
    )
    current = unit_rm[units.of]
    capacity = _cut_capacities(current, needs, rmv, staff, cfg, rng)
    rmv = dataclasses.replace(rmv, capacity=np.where(np.isnan(capacity), rmv.capacity, capacity))
    fit = PolicyFit.build(table, tree, view)
    locked = _locks(current, needs, cust.branch, units, rmv, fit, cfg, rng)
    return Book(
        current=current,
        locked=locked,
        capacity=capacity,
        outgrew=outgrew[units.of] & ~units.is_group[units.of],
        kept_downgraded=kept[units.of] & (current >= 0),
    )


def _cut_capacities(
    current: Ints,
    needs: Needs,
    rmv: RmMasks,
    staff: Staff,
    cfg: GeneratorConfig,
    rng: np.random.Generator,
) -> Floats:
    """The RMs' capacity column after some cuts: ``capacity_cut_share`` of the active shared
    RMs (at least one) had their capacity cut below today's book (moved part-time, given other
    duties) and the book was not rebalanced yet -- overloaded RMs even in a small bank."""
    capacity = staff.frame["capacity"].to_numpy(dtype=np.float64).copy()
    has = (current >= 0) & ~needs.pooled
    load = np.bincount(current[has], weights=needs.workload[has], minlength=capacity.size)
    shared = rmv.active & (staff.role != DEDICATED) & (load >= 2)
    pool = np.flatnonzero(shared & (load >= 0.3 * rmv.capacity))  # a cut that still looks real
    if pool.size == 0 and shared.any():
        pool = np.flatnonzero(shared)[[int(np.argmax(load[shared]))]]
    k = min(pool.size, max(1, round(cfg.capacity_cut_share * capacity.size)))
    cut = pool[rng.choice(pool.size, size=k, replace=False)] if k else pool[:0]
    factor = rng.uniform(0.5, 0.9, cut.size)
    capacity[cut] = np.maximum(1.0, np.floor(load[cut] * factor))
    return capacity


def _book_needs(
    cust: Cust,
    units: Units,
    dedicated: Bools,
    view: PolicyView,
    cfg: GeneratorConfig,
    rng: np.random.Generator,
) -> tuple[Needs, Bools, Bools, Bools, Bools]:
    """What today's RM of each unit was chosen to fit, and which units have one.

    Most served units have an RM fitting their tier. Faults: ``no_rm_share`` have none;
    ``outgrew_share`` (standalone) have an RM of their previous, lower tier (none if it was
    pooled); key units without a dedicated RM share an ordinary RM of their tier
    (``key_shared_share``) or have none; pooled customers just below the lowest served AUM tier
    sometimes keep the RM of that tier. The third array says which units want what they were
    staffed for (their RM is drawn from their placement's seat first); the last two which units
    outgrew their RM and which pooled ones kept one.
    """
    nd = units.needs
    want = nd.take(np.arange(units.n))
    u = rng.random(units.n)
    served = ~nd.pooled
    regular = served & ~nd.one_to_one
    pick = regular & (u >= cfg.no_rm_share)
    outgrew = regular & ~units.is_group & pick & (u < cfg.no_rm_share + cfg.outgrew_share)
    prev = np.where(outgrew, view.prev_tier[nd.tier], -1)
    pick &= ~(outgrew & (prev < 0))
    want.set_rows(np.flatnonzero(prev >= 0), view.base_needs(prev[prev >= 0]))
    shared = served & nd.one_to_one & ~dedicated & (u < cfg.key_shared_share)
    want.grade[shared] = -1
    want.one_to_one[shared] = False
    pick |= shared
    as_placed = pick & ~outgrew & ~shared
    aum = cust.aum[units.first]
    kept = np.zeros(units.n, dtype=bool)
    for line, tier in view.lowest_served.items():
        floor_ = view.policy.tiers[view.tiers[tier]].aum_min or 0.0
        near = nd.pooled & (nd.line == LINES.index(line)) & (aum >= cfg.downgrade_window * floor_)
        near &= u < cfg.downgraded_keep_rm
        idx = np.flatnonzero(near)
        want.set_rows(idx, view.base_needs(np.full(idx.size, tier, dtype=np.int64)))
        pick |= near
        kept |= near
    return want, pick, as_placed, outgrew & (prev >= 0), kept


def _pick_rms(
    want: Needs,
    scope: Ints,
    role: Ints,
    seat: Ints,
    rmv: RmMasks,
    staff: Staff,
    tree: Tree,
    view: PolicyView,
    cfg: GeneratorConfig,
    rng: np.random.Generator,
) -> Ints:
    """Today's RM for each unit: an RM (active or since departed) that fits ``want`` in scope.

    Mostly one of the RMs counted for the unit (same role and seat; else same role), by chance
    weighted by popularity (stars attract twice the customers: overloaded books); with
    probability ``cross_role_share`` another eligible RM (a VIP RM serving a mid customer, a
    city RM a sub-branch firm). Dedicated RMs take nobody else. Loops over (needs, scope, role,
    seat) classes, not units.
    """
    n_rms = rmv.line.size
    popularity = rng.lognormal(0.0, cfg.popularity_sigma, n_rms)
    popularity *= np.where(rng.random(n_rms) < cfg.star_share, cfg.star_weight, 1.0)
    popularity[staff.role == DEDICATED] = 0.0
    by_branch = _positions_by(rmv.branch)
    keys = pd.DataFrame(
        {
            "line": want.line,
            "units": want.units,
            "certs": want.certs,
            "grade": want.grade,
            "level": want.level,
            "scope": scope,
            "role": role,
            "seat": seat,
        }
    )
    out = np.full(scope.size, -1, dtype=np.int64)
    for combo, idx in _positions_by_row(keys).items():
        cand = _candidates(int(combo[5]), tree, by_branch)
        if cand.size == 0:
            continue
        ok = fits_need(rmv, cand, combo[:5], combo[5], tree, view.policy.rules.branch_scope)
        cand = cand[ok & (popularity[cand] > 0)]
        if cand.size:
            p = _pick_weights(cand, int(combo[6]), int(combo[7]), popularity, staff, cfg)
            out[idx] = cand[rng.choice(cand.size, size=idx.size, p=p)]
    return out


def _positions_by(values: Ints) -> dict[int, Ints]:
    """Positions of each distinct value (one sort, no loop over items)."""
    if values.size == 0:
        return {}
    order = np.argsort(values, kind="stable")
    uniq, starts = np.unique(values[order], return_index=True)
    return dict(zip(uniq.tolist(), np.split(order.astype(np.int64), starts[1:]), strict=True))


def _positions_by_row(keys: pd.DataFrame) -> dict[tuple[int, ...], Ints]:
    """Positions of each distinct row of an integer frame, rows in sorted order."""
    table = keys.to_numpy(dtype=np.int64)
    uniq, inverse = np.unique(table, axis=0, return_inverse=True)
    groups = _positions_by(inverse.reshape(-1).astype(np.int64))
    return {tuple(uniq[c].tolist()): idx for c, idx in groups.items()}


def _pick_weights(
    cand: Ints, role: int, seat: int, popularity: Floats, staff: Staff, cfg: GeneratorConfig
) -> Floats:
    """Choice probabilities over ``cand``: ``1 - cross_role_share`` on the preferred RMs (role
    and seat, else role), the rest on the others, each part by popularity."""
    same_role = staff.role[cand] == role
    preferred = same_role & (staff.seat[cand] == seat)
    if not preferred.any():
        preferred = same_role
    w_in = np.where(preferred, popularity[cand], 0.0)
    w_out = np.where(preferred, 0.0, popularity[cand])
    if w_in.sum() <= 0 or w_out.sum() <= 0:
        w = w_in + w_out
        return w / w.sum()
    share = cfg.cross_role_share
    return (1.0 - share) * w_in / w_in.sum() + share * w_out / w_out.sum()


def _candidates(branch: int, tree: Tree, by_branch: Mapping[Any, Ints]) -> Ints:
    """RMs sitting at ``branch`` or an ancestor of it."""
    if branch < 0:
        return np.zeros(0, dtype=np.int64)
    above = [int(a) for a in tree.anc[branch] if a >= 0]
    parts = [by_branch[a] for a in above if a in by_branch]
    return np.sort(np.concatenate(parts)).astype(np.int64) if parts else np.zeros(0, np.int64)


def _locks(
    current: Ints,
    needs: Needs,
    branch: Ints,
    units: Units,
    rmv: RmMasks,
    fit: PolicyFit,
    cfg: GeneratorConfig,
    rng: np.random.Generator,
) -> Bools:
    """About ``lock_share`` of customers locked to their RM, and a few to departed RMs.

    Locks never conflict: only standalone (no group), not one-to-one, served customers are
    locked; a live lock's RM is active and eligible under the policy's rules (asked of the rule
    engine, so a lock holds wherever the compiler checks it); each RM's locked workload stays
    within ``lock_budget`` of its capacity.
    """
    n = current.size
    has = current >= 0
    rm = np.maximum(current, 0)
    base = has & ~needs.pooled & ~needs.one_to_one & ~units.is_group[units.of]
    live = base & fit.fits(needs.tier, needs.band, branch, current)
    dead = base & ~rmv.active[rm]
    n_dead = round(cfg.dead_lock_share * n) or int(dead.any())
    out = np.zeros(n, dtype=bool)
    for mask, k in ((live, round(cfg.lock_share * n)), (dead, n_dead)):
        out[_within_budget(np.flatnonzero(mask), k, rm, needs.workload, rmv, cfg, rng)] = True
    return out


def _within_budget(
    idx: Ints,
    k: int,
    rm: Ints,
    workload: Floats,
    rmv: RmMasks,
    cfg: GeneratorConfig,
    rng: np.random.Generator,
) -> Ints:
    """Up to ``k`` of ``idx`` at random, keeping each RM's locked workload within budget."""
    if idx.size == 0 or k <= 0:
        return np.zeros(0, dtype=np.int64)
    order = idx[rng.permutation(idx.size)]
    r = rm[order]
    by_rm = np.argsort(r, kind="stable")
    w = workload[order][by_rm]
    csum = np.cumsum(w)
    starts = np.flatnonzero(np.r_[True, r[by_rm][1:] != r[by_rm][:-1]])
    offset = np.repeat(csum[starts] - w[starts], np.diff(np.r_[starts, r.size]))
    ok = np.empty(r.size, dtype=bool)
    ok[by_rm] = (csum - offset) <= cfg.lock_budget * rmv.capacity[r[by_rm]]
    return order[ok][:k]
