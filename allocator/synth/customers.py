"""Customers: segment, home branch, AUM, contribution, named lists and groups.

Why drawn this way: the tier shares a bank shows must be the configured ones at any size, so the
count in each AUM tier (and contribution band) is fixed first and amounts are then drawn inside
the tier's range, heavy-tailed as wealth is; the named lists favour big contributors, as a bank's
lists do; groups are a few firms of one city, as a conglomerate's subsidiaries are. Customers are
kept as arrays of codes (:class:`Cust`), never as strings, until the frames are written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.contract import LINES
from allocator.synth.branches import Tree
from allocator.synth.config import GeneratorConfig
from allocator.synth.draws import (
    banded_amounts,
    cents,
    draw_in,
    exact_count,
    exact_labels,
    partition,
    top_k,
)
from allocator.synth.needs import CORPORATE, RETAIL, PolicyView, Tiers, code_of

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Cust:
    """Customers as arrays of codes (no strings): what generation and the checks work on."""

    line: Ints  # index into LINES, -1 unknown segment
    branch: Ints  # branch index in the tree
    aum: Floats
    contribution: Floats
    list_tier: Ints  # index into PolicyView.list_names, -1 none (or a list the policy ignores)
    group: Ints  # group code, -1 none
    # contract v1.1 (:mod:`allocator.synth.quarter`): last quarter's tier (code into
    # PolicyView.label_names, -1 none), months below its line, corporate deposits
    previous: Ints
    months: Ints
    deposits: Floats

    @property
    def n(self) -> int:
        """Number of customers."""
        return int(self.line.shape[0])

    def tiers(self, view: PolicyView) -> Tiers:
        """Tier and band of each customer, as the rule engine decides
        (:meth:`PolicyView.classify`), the hysteresis included."""
        return view.classify(
            self.line, self.list_tier, self.aum, self.contribution, self.previous, self.months
        )

    @classmethod
    def from_frame(cls, customers: pd.DataFrame, tree: Tree, view: PolicyView) -> Cust:
        """A contract customers frame as codes (for describing a bank that exists)."""
        group_codes, uniques = pd.factorize(customers["group_id"])
        empty = np.r_[np.asarray(pd.Index(uniques) == ""), True]
        n = len(customers)
        previous = np.full(n, -1, dtype=np.int64)
        if "previous_tier" in customers.columns:
            previous = code_of(customers["previous_tier"], view.label_names)
        months, deposits = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.float64)
        if "months_below" in customers.columns:
            months = customers["months_below"].to_numpy(dtype=np.int64)
        if "deposits" in customers.columns:
            deposits = customers["deposits"].to_numpy(dtype=np.float64)
        return cls(
            line=code_of(customers["segment"], LINES),
            branch=tree.index_of(customers["branch_id"]),
            aum=customers["aum"].to_numpy(dtype=np.float64),
            contribution=customers["annual_contribution"].to_numpy(dtype=np.float64),
            list_tier=code_of(customers["list_tier"], view.list_names),
            group=np.where(empty[group_codes], -1, group_codes).astype(np.int64),
            previous=previous,
            months=months,
            deposits=deposits,
        )


def draw_customers(
    n: int, tree: Tree, view: PolicyView, cfg: GeneratorConfig, rng: np.random.Generator
) -> Cust:
    """Customers without today's book: segment, home branch, AUM, contribution, lists, groups."""
    pol = view.policy
    outlets = tree.of_level(pol.level_rank("outlet"))
    weight = rng.lognormal(0.0, cfg.outlet_size_sigma, outlets.size)
    home = outlets[rng.choice(outlets.size, size=n, p=weight / weight.sum())]

    corp_share = (1.0 - cfg.retail_share[1], 1.0 - cfg.retail_share[0])
    n_corp = exact_count(n, draw_in(rng, corp_share), corp_share)
    is_corp = exact_labels(n, [n_corp], rng) == 0
    retail = np.flatnonzero(~is_corp)
    corp = np.flatnonzero(is_corp)

    aum = np.zeros(n, dtype=np.float64)
    contribution = np.zeros(n, dtype=np.float64)
    list_tier = np.full(n, -1, dtype=np.int64)
    group = np.full(n, -1, dtype=np.int64)

    aum[retail] = _retail_aum(retail.size, view, cfg, rng)
    margin = rng.uniform(cfg.retail_margin[0], cfg.retail_margin[1], retail.size)
    contribution[retail] = cents(aum[retail] * margin)
    list_tier[retail] = _potential_list(aum[retail], view, cfg, rng)

    contribution[corp] = _corporate_contribution(corp.size, view, cfg, rng)
    list_tier[corp] = _named_lists(contribution[corp], view, cfg, rng)
    at_sub = corp[rng.random(corp.size) < cfg.corporate_at_subbranch_share]
    home[at_sub] = tree.parent[home[at_sub]]
    group[corp] = _groups(tree.ancestor_at(home[corp], pol.level_rank("city")), cfg, rng)
    return Cust(
        line=np.where(is_corp, CORPORATE, RETAIL).astype(np.int64),
        branch=home,
        aum=aum,
        contribution=contribution,
        list_tier=list_tier,
        group=group,
        previous=np.full(n, -1, dtype=np.int64),
        months=np.zeros(n, dtype=np.int64),
        deposits=np.zeros(n, dtype=np.float64),
    )


def _retail_aum(n: int, view: PolicyView, cfg: GeneratorConfig, rng: np.random.Generator) -> Floats:
    """Retail AUM with exactly the configured share above each of the policy's AUM thresholds."""
    tiers = sorted(
        (
            (t.aum_min, name)
            for name, t in view.policy.tiers_of("retail").items()
            if t.aum_min is not None and t.list_tier is None
        ),
        reverse=True,
    )
    bounds = [cfg.retail_tier_shares.get(name, (0.0, 0.0)) for _, name in tiers]
    counts = [exact_count(n, draw_in(rng, b), b) for b in bounds]
    body = (cfg.aum_body_median, cfg.aum_body_sigma)
    amounts, _ = banded_amounts(
        [float(a) for a, _ in tiers], counts, n, body, cfg.aum_tail_alpha, rng
    )
    return amounts


def _potential_list(
    aum: Floats, view: PolicyView, cfg: GeneratorConfig, rng: np.random.Generator
) -> Ints:
    """``potential`` on some low-AUM retail customers, the better-off ones more likely."""
    out = np.full(aum.size, -1, dtype=np.int64)
    pot = [t for t in view.policy.tiers_of("retail").values() if t.list_tier is not None]
    if not pot or aum.size == 0:
        return out
    floor_ = min(
        (t.aum_min for t in view.policy.tiers_of("retail").values() if t.aum_min is not None),
        default=math.inf,
    )
    low = np.flatnonzero(aum < floor_)
    k = min(low.size, exact_count(aum.size, draw_in(rng, cfg.potential_share), cfg.potential_share))
    chosen = low[top_k(0.5 * np.log1p(aum[low]), k, rng)]
    out[chosen] = view.list_code(pot[0].list_tier)
    return out


def _corporate_contribution(
    n: int, view: PolicyView, cfg: GeneratorConfig, rng: np.random.Generator
) -> Floats:
    """Annual contribution with exactly the configured share in each contribution band."""
    bands = list(view.policy.bands_of("corporate").items())
    bounds = [cfg.band_shares.get(name, (0.0, 0.0)) for name, _ in bands]
    counts = [exact_count(n, draw_in(rng, b), b) for b in bounds]
    body = (cfg.contribution_body_median, cfg.contribution_body_sigma)
    amounts, _ = banded_amounts(
        [b.contribution_min for _, b in bands], counts, n, body, cfg.contribution_tail_alpha, rng
    )
    return amounts


def _named_lists(
    contribution: Floats, view: PolicyView, cfg: GeneratorConfig, rng: np.random.Generator
) -> Ints:
    """Named-list tiers (hq, province, city) for the configured shares of corporate customers,
    highest list first, favouring big contributors (``list_affinity``)."""
    n = contribution.size
    out = np.full(n, -1, dtype=np.int64)
    lists = [t.list_tier for t in view.policy.tiers_of("corporate").values() if t.list_tier]
    counts = [
        exact_count(
            n,
            draw_in(rng, cfg.list_tier_shares.get(name, (0.0, 0.0))),
            cfg.list_tier_shares.get(name, (0.0, 0.0)),
        )
        for name in lists
    ]
    order = top_k(cfg.list_affinity * np.log1p(contribution), min(n, sum(counts)), rng)
    start = 0
    for name, k in zip(lists, counts, strict=True):
        out[order[start : start + k]] = view.list_code(name)
        start += k
    return out


def _groups(city: Ints, cfg: GeneratorConfig, rng: np.random.Generator) -> Ints:
    """Group ids for a share of corporate customers: groups of 2-6 members of one city.

    The loop runs over cities (tens), not customers.
    """
    n = city.size
    out = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return out
    order = np.lexsort((rng.random(n), city))
    starts = np.flatnonzero(np.r_[True, city[order][1:] != city[order][:-1]])
    ends = np.r_[starts[1:], n]
    labels: list[Ints] = []
    members: list[Ints] = []
    next_group = 0
    for s, e in zip(starts, ends, strict=True):
        m = round(cfg.group_member_share * (e - s))
        sizes = partition(m, cfg.group_size, 1, rng)
        if sizes.size and sizes[-1] < cfg.group_size[0]:
            sizes = sizes[:-1]  # a lone leftover is no group
        if sizes.size == 0:
            continue
        members.append(order[s : s + int(sizes.sum())])
        labels.append(next_group + np.repeat(np.arange(sizes.size, dtype=np.int64), sizes))
        next_group += sizes.size
    if next_group:
        out[np.concatenate(members)] = np.concatenate(labels)
    return out
