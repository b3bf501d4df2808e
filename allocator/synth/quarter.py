"""Last quarter's data (contract v1.1): previous tiers, months below a line, deposits, complaints.

Why: the quarterly re-allocation reads more than today's amounts. A customer whose assets fell
below its tier's line keeps the tier until it has been below for the policy's wait (3 months, 6
for private), so a bank must have customers just below a line for 1-6 months -- some held, some
not -- or the hysteresis is never exercised. Corporate deposits feed the outlet staffing rule
(a corporate RM where deposits reach 10M). A complaint forbids today's RM.

Two steps, because the book depends on the tiers and the tiers on the history:
:func:`draw_history` runs before staffing (the held tiers are staffed and booked as such: a
private client who dipped below 6M for two months still has a private banker today), and
:func:`after_book` runs once today's book exists (customers who outgrew their RM were in the
lower tier last quarter; complaints name today's RM). Every draw is vectorised.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt

from allocator.contract import LINES
from allocator.rules.tiers import held_tiers
from allocator.synth.config import GeneratorConfig
from allocator.synth.customers import Cust
from allocator.synth.draws import cents, draw_in, exact_count
from allocator.synth.needs import CORPORATE, PolicyView, code_of

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


def draw_history(
    cust: Cust, view: PolicyView, cfg: GeneratorConfig, rng: np.random.Generator
) -> Cust:
    """``cust`` with last quarter's tiers, months below and deposits (unchanged when the knobs
    are off).

    Most customers on record were in the tier their value gives today (``months_below`` 0).
    Per tier or band held by value, ``downgrade_share`` of its customers fell below its line:
    they are drawn among the customers now within ``downgrade_window`` below the line, and have
    been below for ``months_below`` months.
    """
    n = cust.n
    previous, months = cust.previous.copy(), cust.months.copy()
    if cfg.previous_tier_share > 0:
        value = code_of(cust.tiers(view).labels(), view.label_names)
        on_record = rng.random(n) < cfg.previous_tier_share
        previous = np.where(on_record, value, -1)
        if cfg.downgrade_share[1] > 0:
            _downgrades(cust, view, cfg, rng, previous, months)
    deposits = cust.deposits
    if cfg.deposit_multiple > 0:
        deposits = _deposits(cust, cfg, rng)
    return dataclasses.replace(cust, previous=previous, months=months, deposits=deposits)


def _downgrades(
    cust: Cust,
    view: PolicyView,
    cfg: GeneratorConfig,
    rng: np.random.Generator,
    previous: Ints,
    months: Ints,
) -> None:
    """Mark customers who fell below a line last quarter (in place on ``previous``/``months``)."""
    pol = view.policy
    value = cust.tiers(view)
    worth = {k: t.priority for k, t in pol.tiers.items()}
    worth.update({k: b.priority for k, b in pol.bands.items()})
    today = np.array([worth.get(str(v), 0) for v in value.label], dtype=np.int64)[value.kind]
    line_name = np.asarray(list(LINES), dtype=object)[np.maximum(cust.line, 0)]
    taken = np.zeros(cust.n, dtype=bool)
    lo_m, hi_m = cfg.months_below
    for name, line in held_tiers(pol).items():
        if name in pol.bands:
            line_min, amount = pol.bands[name].contribution_min, cust.contribution
            now_in = value.band[value.kind] == view.bands.index(name)
        else:
            line_min, amount = float(pol.tiers[name].aum_min or 0.0), cust.aum
            now_in = value.tier[value.kind] == view.tiers.index(name)
        near = (
            (line_name == line) & (amount < line_min) & (amount >= cfg.downgrade_window * line_min)
        )
        near &= (today < worth[name]) & ~taken & (cust.line >= 0)
        pool = np.flatnonzero(near)
        share = draw_in(rng, cfg.downgrade_share)
        k = min(pool.size, exact_count(int(now_in.sum()), share, cfg.downgrade_share))
        if k <= 0:
            continue
        chosen = pool[rng.choice(pool.size, size=k, replace=False)]
        taken[chosen] = True
        previous[chosen] = view.label_names.index(name)
        months[chosen] = rng.integers(lo_m, hi_m + 1, size=k)


def _deposits(cust: Cust, cfg: GeneratorConfig, rng: np.random.Generator) -> Floats:
    """Corporate deposit balances: contribution times a lognormal multiple, some none."""
    n = cust.n
    corp = cust.line == CORPORATE
    multiple = rng.lognormal(np.log(cfg.deposit_multiple), cfg.deposit_sigma, n)
    none = rng.random(n) < cfg.no_deposit_share
    return np.where(corp & ~none, cents(cust.contribution * multiple), 0.0)


def after_book(
    cust: Cust,
    view: PolicyView,
    cfg: GeneratorConfig,
    rng: np.random.Generator,
    *,
    outgrew: Bools,
    kept_downgraded: Bools,
) -> Cust:
    """The history that today's book implies: a customer whose RM still fits its lower,
    previous tier (``outgrew``) was in that tier last quarter (an upgrade: immediate); a pooled
    customer who kept the RM of the lowest served tier (``kept_downgraded``) fell below that
    tier's line at least its wait ago (so the tier is gone and the RM is a fault to repair)."""
    if cfg.previous_tier_share <= 0:
        return cust
    previous, months = cust.previous.copy(), cust.months.copy()
    value = view.classify(cust.line, cust.list_tier, cust.aum, cust.contribution)
    # a downgrade drawn before the book is kept as drawn; the others are free to say more
    free = (previous < 0) | (previous == code_of(value.labels(), view.label_names))
    tiers = cust.tiers(view)
    lower = view.prev_tier[tiers.tier[tiers.kind]]
    up = outgrew & free & (lower >= 0)
    previous[up] = code_of(np.asarray(view.tiers, dtype=object)[lower[up]], view.label_names)
    down = np.flatnonzero(kept_downgraded & free)
    if down.size:
        for line, tier in view.lowest_served.items():
            name = view.tiers[tier]
            sel = down[cust.line[down] == LINES.index(line)]
            wait = view.policy.hysteresis.wait(name)
            previous[sel] = view.label_names.index(name)
            months[sel] = rng.integers(wait, max(wait, cfg.months_below[1]) + 1, size=sel.size)
    return dataclasses.replace(cust, previous=previous, months=months)


def complaints(
    current: Ints, forbidden_ok: Bools, cfg: GeneratorConfig, rng: np.random.Generator
) -> Ints:
    """The RM each customer's ``forbid_rm_ids`` names (-1 none): ``forbid_share`` of all
    customers, drawn among those who may complain (``forbidden_ok``: served, an active RM on the
    roster, no lock, no group), forbid today's RM."""
    out = np.full(current.size, -1, dtype=np.int64)
    pool = np.flatnonzero(forbidden_ok & (current >= 0))
    k = min(pool.size, round(cfg.forbid_share * current.size))
    if k > 0:
        chosen = pool[rng.choice(pool.size, size=k, replace=False)]
        out[chosen] = current[chosen]
    return out
