"""What makes a bank harsh: groups spanning cities, leavers missing from the roster, dedicated
RMs who also serve others.

Why: the issue asked not to tune the allocator to its own generator. A real bank's input is
worse than a tidy one: HR exports drop the RMs who left (today's book still names them: 3-5 % of
RMs a year, DOMAIN.md), a conglomerate's subsidiaries sit in several cities (its RM must sit at
the province), and today's book breaks the rules it will be judged by (a key account's
"dedicated" RM keeps a few small firms). Each fault is drawn on its own random stream and is off
unless :class:`~allocator.synth.config.GeneratorConfig` switches it on
(:meth:`~allocator.synth.config.GeneratorConfig.harsh`).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt

from allocator.synth.branches import Tree
from allocator.synth.config import GeneratorConfig
from allocator.synth.customers import Cust
from allocator.synth.draws import draw_in, exact_count
from allocator.synth.fit import PolicyFit
from allocator.synth.needs import CORPORATE, Needs, PolicyView
from allocator.synth.staffing import Staff

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


def spread_groups(
    cust: Cust, tree: Tree, view: PolicyView, cfg: GeneratorConfig, rng: np.random.Generator
) -> Cust:
    """``cust`` with ``group_span_share`` of the groups spread over their province: every
    member but the first moves, with even odds, to an outlet of the province drawn at random
    (mostly in another city)."""
    grouped = np.flatnonzero(cust.group >= 0)
    if cfg.group_span_share <= 0 or grouped.size == 0:
        return cust
    n_groups = int(cust.group.max()) + 1
    spans = rng.random(n_groups) < cfg.group_span_share
    order = grouped[np.argsort(cust.group[grouped], kind="stable")]
    first = np.r_[True, cust.group[order][1:] != cust.group[order][:-1]]
    move = order[spans[cust.group[order]] & ~first & (rng.random(order.size) < 0.5)]
    pol = view.policy
    prov_r = pol.level_rank("province")
    outlets = tree.of_level(pol.level_rank("outlet"))
    outlet_prov = tree.ancestor_at(outlets, prov_r)
    by_prov = np.argsort(outlet_prov, kind="stable")
    provs, starts, counts = np.unique(outlet_prov[by_prov], return_index=True, return_counts=True)
    home = tree.ancestor_at(cust.branch[move], prov_r)
    where = np.minimum(np.searchsorted(provs, home), provs.size - 1)
    ok = provs[where] == home
    move, where = move[ok], where[ok]
    pick = starts[where] + np.floor(rng.random(move.size) * counts[where]).astype(np.int64)
    branch = cust.branch.copy()
    branch[move] = outlets[by_prov[pick]]
    return dataclasses.replace(cust, branch=branch)


def leavers(staff: Staff, cfg: GeneratorConfig, rng: np.random.Generator) -> Bools:
    """Which RMs are still on the roster: ``leaver_share`` of all RMs (drawn among the active
    ones) left, and the HR export dropped them while today's book still names them."""
    n = staff.role.size
    on_roster = np.ones(n, dtype=bool)
    if cfg.leaver_share[1] <= 0 or n == 0:
        return on_roster
    active = np.flatnonzero(staff.frame["active"].to_numpy(dtype=bool))
    k = min(active.size, exact_count(n, draw_in(rng, cfg.leaver_share), cfg.leaver_share))
    on_roster[rng.choice(active, size=k, replace=False)] = False
    return on_roster


def dedicated_extras(
    current: Ints,
    movable: Bools,
    cust: Cust,
    needs: Needs,
    staff: Staff,
    fit: PolicyFit,
    tree: Tree,
    cfg: GeneratorConfig,
    rng: np.random.Generator,
) -> Ints:
    """Today's book with ``dedicated_extra_share`` of the dedicated RMs also serving
    ``dedicated_extra_customers`` other corporate customers they could serve (a one-to-one
    rule broken today). Only ``movable`` customers (no lock, no group, not key accounts
    themselves) are given to them. A loop over the chosen RMs (hundreds at 10^6 customers),
    each drawing from the customers of its subtree (one sorted slice per branch level)."""
    out = current.copy()
    ded = np.flatnonzero((staff.dedicated_to >= 0) & staff.frame["active"].to_numpy(dtype=bool))
    if cfg.dedicated_extra_share <= 0 or ded.size == 0:
        return out
    k = round(cfg.dedicated_extra_share * ded.size)
    chosen = np.sort(rng.choice(ded, size=k, replace=False))
    on_dedicated = (current >= 0) & (staff.dedicated_to[np.maximum(current, 0)] >= 0)
    pool = np.flatnonzero(
        movable & (cust.line == CORPORATE) & ~needs.pooled & ~needs.one_to_one & ~on_dedicated
    )
    level = tree.level[staff.seat]
    lo, hi = cfg.dedicated_extra_customers
    by_level: dict[int, tuple[Ints, Ints]] = {}
    for r in chosen.tolist():
        lv, seat = int(level[r]), int(staff.seat[r])
        if lv not in by_level:  # the pool sorted by each customer's ancestor at this level
            above = tree.anc[cust.branch[pool], lv]
            order = np.argsort(above, kind="stable")
            by_level[lv] = (above[order], pool[order])
        above, members = by_level[lv]
        near = members[np.searchsorted(above, seat) : np.searchsorted(above, seat, side="right")]
        if near.size == 0:
            continue
        near = np.unique(near[rng.integers(0, near.size, size=8 * hi)])  # a few to try
        near = near[out[near] == current[near]]  # each customer given away once
        rm = np.full(near.size, r, dtype=np.int64)
        ok = near[fit.fits(needs.tier[near], needs.band[near], cust.branch[near], rm)]
        m = min(ok.size, int(rng.integers(lo, hi + 1)))
        if m:
            out[rng.choice(ok, size=m, replace=False)] = r
    return out
