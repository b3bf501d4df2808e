"""Synthetic banks: a realistic, deterministic generator of contract-v1 instances.

Why a generator: the allocator needs instances of every size (tests, benchmarks, demos, the
shipped sample bank) that look like a real provincial bank -- with the faults of a real book --
and no real customer data may ever leave a bank. :func:`generate_bank` builds one from a seed.

What it builds, and why it looks the way it does (figures from DOMAIN.md, *practice* ones marked):

- **Branch tree** head office > province(s) > cities > sub-branches > outlets, sized from the
  number of customers (one outlet per 1,500-3,000 customers, 2-4 outlets per sub-branch, 3-6
  sub-branches per city, one province per 10^6 customers). Ids ``H0``, ``P0``, ``C0``, ``C0S1``,
  ``C0S1O2``.
- **Customers** (``K0000123``): retail 90-95 %, with AUM drawn tier by tier so that the tier shares
  under the policy's thresholds are the configured ones (heavy-tailed: Pareto above the lowest
  threshold, lognormal below it); corporate customers with heavy-tailed annual contribution
  (contribution bands likewise), named lists (hq/province/city) favouring big contributors, and
  groups of 2-6 members in one city.
- **RMs** (``M00012``), counted from service capacity: per branch and role, the workload of the
  customers the role serves over the policy's default capacity at a target utilisation. Roles:
  outlet retail RMs, VIP-centre RMs (mostly AFP), wealth-centre RMs (mostly CFP), corporate RMs at
  outlets/sub-branches, in the city and province marketing departments, and one dedicated
  (one-to-one) RM per key corporate customer or group. Deliberate shortages: one city short of
  CFP holders, a few key customers without a dedicated RM or with one a grade short.
- **Today's book** (``current_rm_id``, ``locked``) with the faults the allocator must repair:
  overloaded RMs (popular ones, and capacities cut below the book), customers who outgrew their
  RM, customers of departed (inactive) RMs, customers without an RM, key customers sharing an RM,
  pooled customers who kept their RM, plus ~1 % locks that never conflict.

Everything is vectorised over customers (no Python loop per customer) and every random draw
comes from a :class:`numpy.random.Generator` seeded by ``seed``: one seed, one bank. Each stage has
its own random stream, so changing ``n_rms`` or ``tightness`` leaves the customers unchanged.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from allocator.instance import Instance
from allocator.policy import UNITS, Policy, Requirements, default_policy

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Objects = npt.NDArray[np.object_]
Range = tuple[float, float]
Progress = Callable[[str], None]

LINES: tuple[str, ...] = ("retail", "corporate")
#: levels of the generated tree, top down (contract v1 names)
TREE_LEVELS: tuple[str, ...] = ("head_office", "province", "city", "subbranch", "outlet")
#: the stages :func:`generate_bank` reports to its ``progress`` callback, in order
STAGES: tuple[str, ...] = ("branches", "customers", "rms", "book", "frames")

SAMPLE_BANK_SEED = 7
SAMPLE_BANK_CUSTOMERS = 2000
_SAMPLE_FILES = ("customers", "rms", "branches")


# -- configuration -----------------------------------------------------------------------------
def _ranges(**kw: Range) -> dict[str, Range]:
    return dict(kw)


@dataclass(frozen=True)
class GeneratorConfig:
    """Shares and sizes of a generated bank. Ranges ``(lo, hi)`` are drawn uniformly per bank.

    Every default is a round figure of DOMAIN.md (practice figures where the directive is silent);
    the comment on each field gives its source.

    Attributes
    ----------
    customers_per_outlet
        Customers per outlet (practice: a city outlet keeps a few thousand customers).
    outlets_per_subbranch, subbranches_per_city
        Fan-out of the tree (practice: a sub-branch runs a handful of outlets, a city a handful
        of sub-branches).
    customers_per_province
        One province per this many customers (DESIGN.md: a province has ~10^6 customers).
    min_outlets, min_cities
        Floors so that even a tiny sample bank has several outlets and two cities (branch scope
        and city-level shortages are then visible).
    outlet_size_sigma
        Spread of outlet sizes (lognormal weights): outlets are not all alike.
    retail_share
        Share of retail customers (the brief: 90-95 %).
    retail_tier_shares
        Share of retail customers per AUM tier of the policy, by tier name (practice: private
        banking 0.1-0.3 %, high-end 3-6 %, mid-end 8-15 %); the rest fall below the lowest
        threshold. A policy tier not named here gets no customer.
    potential_share
        Share of retail customers on the ``potential`` list (taken among the low-AUM ones).
    list_tier_shares
        Share of corporate customers per named list, by ``list_tier`` (the directive's lists:
        hq ~0.5 %, province ~2 %, city ~5 %).
    band_shares
        Share of corporate customers per contribution band, by band name (>= 10M: 0.5-1 %;
        3M-10M: 1.5-2 %, so >= 3M is 2-3 %).
    list_affinity
        How strongly the named lists favour big contributors (0: not at all).
    group_member_share, group_size
        Share of corporate customers in a group, and group sizes (2-6 members, one city).
    corporate_at_subbranch_share
        Share of corporate customers homed at a sub-branch rather than an outlet.
    aum_body_median, aum_body_sigma, aum_tail_alpha
        Lognormal body below the lowest AUM threshold; Pareto exponent above it (wealth is
        Pareto-tailed, exponent ~1.5).
    contribution_body_median, contribution_body_sigma, contribution_tail_alpha
        The same for corporate annual contribution below and above the lowest band.
    retail_margin
        Retail annual contribution as a fraction of AUM.
    target_utilisation
        Utilisation the bank staffs for at ``tightness`` 1 (practice: a book of 300-600 mid-end
        customers is 60-120 % of the default 500 points; 85 % leaves room to move).
    outlet_rm_at_subbranch_share
        Share of outlet-unit RMs (retail and corporate) sitting at the sub-branch, not an outlet.
    corporate_rm_min_customers
        An outlet with this many corporate customers has a corporate RM (staffing rule: >= 50).
    key_rm_cover
        Dedicated (one-to-one) RMs per key corporate customer or group at ``tightness`` 1.
    short_city_cfp_fill
        Staffing of the wealth centre of the one city short of CFP holders, relative to need.
    inactive_share
        RMs who left or are on leave (practice: a few per cent a quarter).
    explicit_capacity_share
        RMs whose row gives a capacity (part-timers, new joiners, stars); the rest use the
        policy default.
    no_rm_share
        Customers of a served tier who have no RM today (the articles' "unmanaged" customers).
    outgrew_share
        Customers whose RM still fits their previous, lower tier (re-tiering is monthly).
    downgrade_window, downgraded_keep_rm
        Pooled customers within this fraction of the lowest served tier's AUM keep their old RM
        with this probability (downgrades wait 3 months).
    key_shared_share
        Key customers without a dedicated RM who share an ordinary RM (the rest have none).
    popularity_sigma, star_share, star_weight
        Uneven books: some RMs attract more customers; stars twice as many (overloaded RMs).
    capacity_cut_share
        RMs whose capacity was cut below today's book (part-time, other duties).
    cross_role_share
        Customers whose RM is of another role or seat than the one counted for them (a VIP RM
        serving a mid customer).
    lock_share
        Customers locked to their RM (~1 %).
    lock_budget
        A locked book stays at or below this fraction of the RM's capacity.
    dead_lock_share
        Customers locked to an RM who has left (locks that cannot hold).
    """

    customers_per_outlet: Range = (1500.0, 3000.0)
    outlets_per_subbranch: tuple[int, int] = (2, 4)
    subbranches_per_city: tuple[int, int] = (3, 6)
    customers_per_province: int = 1_000_000
    min_outlets: int = 4
    min_cities: int = 2
    outlet_size_sigma: float = 0.35
    retail_share: Range = (0.90, 0.95)
    retail_tier_shares: Mapping[str, Range] = field(
        default_factory=lambda: _ranges(private=(0.001, 0.003), high=(0.03, 0.06), mid=(0.08, 0.15))
    )
    potential_share: Range = (0.02, 0.05)
    list_tier_shares: Mapping[str, Range] = field(
        default_factory=lambda: _ranges(
            hq=(0.004, 0.006), province=(0.015, 0.025), city=(0.04, 0.06)
        )
    )
    band_shares: Mapping[str, Range] = field(
        default_factory=lambda: _ranges(key10m=(0.005, 0.01), key3m=(0.015, 0.02))
    )
    list_affinity: float = 0.8
    group_member_share: float = 0.10
    group_size: tuple[int, int] = (2, 6)
    corporate_at_subbranch_share: float = 0.2
    aum_body_median: float = 20_000.0
    aum_body_sigma: float = 1.6
    aum_tail_alpha: float = 1.5
    contribution_body_median: float = 80_000.0
    contribution_body_sigma: float = 1.5
    contribution_tail_alpha: float = 1.3
    retail_margin: Range = (0.002, 0.012)
    target_utilisation: float = 0.85
    outlet_rm_at_subbranch_share: float = 0.25
    corporate_rm_min_customers: int = 50
    key_rm_cover: float = 0.95
    short_city_cfp_fill: float = 0.5
    inactive_share: Range = (0.03, 0.05)
    explicit_capacity_share: float = 0.10
    no_rm_share: float = 0.04
    outgrew_share: float = 0.08
    downgrade_window: float = 0.6
    downgraded_keep_rm: float = 0.3
    key_shared_share: float = 0.5
    popularity_sigma: float = 0.25
    star_share: float = 0.03
    star_weight: float = 2.0
    cross_role_share: float = 0.05
    capacity_cut_share: float = 0.02
    lock_share: float = 0.01
    lock_budget: float = 0.5
    dead_lock_share: float = 0.0002

    def __post_init__(self) -> None:
        problems: list[str] = []
        ranges: dict[str, Range] = {
            "customers_per_outlet": self.customers_per_outlet,
            "retail_share": self.retail_share,
            "potential_share": self.potential_share,
            "inactive_share": self.inactive_share,
            "retail_margin": self.retail_margin,
            **{f"retail_tier_shares.{k}": v for k, v in self.retail_tier_shares.items()},
            **{f"list_tier_shares.{k}": v for k, v in self.list_tier_shares.items()},
            **{f"band_shares.{k}": v for k, v in self.band_shares.items()},
        }
        for name, (lo, hi) in ranges.items():
            if not 0 <= lo <= hi:
                problems.append(f"{name}: need 0 <= lo <= hi, got ({lo}, {hi})")
        for name in ("outlets_per_subbranch", "subbranches_per_city", "group_size"):
            lo_i, hi_i = getattr(self, name)
            if not 1 <= lo_i <= hi_i:
                problems.append(f"{name}: need 1 <= lo <= hi, got ({lo_i}, {hi_i})")
        if self.group_size[0] < 2:
            problems.append("group_size: a group has at least 2 members")
        for name in ("customers_per_province", "min_outlets", "min_cities"):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be >= 1")
        if not 0 < self.target_utilisation <= 1:
            problems.append("target_utilisation must be in (0, 1]")
        if not 0 < self.lock_budget <= 1:
            problems.append("lock_budget must be in (0, 1]")
        if problems:
            raise ValueError("invalid GeneratorConfig: " + "; ".join(problems))


# -- public API --------------------------------------------------------------------------------
def generate_bank(
    n_customers: int,
    seed: int,
    *,
    n_rms: int | None = None,
    policy: Policy | None = None,
    tightness: float = 1.0,
    config: GeneratorConfig | None = None,
    progress: Progress | None = None,
) -> Instance:
    """A realistic synthetic bank, identical for identical arguments.

    Parameters
    ----------
    n_customers
        Number of customers (>= 1).
    seed
        Seed of every random draw (>= 0): same seed, same frames.
    n_rms
        Number of RMs. By default it follows from service capacity (the workload of the
        customers each role serves over the policy's default capacity at
        ``config.target_utilisation``); when given, the same staffing shape is scaled to it.
    policy
        The policy whose tiers, bands, requirements, workloads and default capacities shape the
        bank (policy v1 by default). The bank is valid input under any policy; it is realistic
        under one whose tier names match ``config``.
    tightness
        Demand over planned supply: 1.0 staffs for the target utilisation with the configured
        shortages; 2.0 has about half the RMs, 0.5 about twice as many (staffing floors
        aside), and no shortage left.
    config
        Shares and sizes (:class:`GeneratorConfig` defaults when omitted).
    progress
        Called with each stage name of :data:`STAGES` as it starts (for a progress bar).

    Returns
    -------
    Instance
        Normalised frames (see :mod:`allocator.instance`): str columns with "" for empty,
        ``aum``/``annual_contribution``/``capacity`` float64 (NaN capacity: the default),
        ``locked``/``active`` bool, certifications ``;``-joined. ``branches_given`` is True.
    """
    if n_customers < 1:
        raise ValueError("n_customers must be >= 1")
    if seed < 0:
        raise ValueError("seed must be >= 0")
    if n_rms is not None and n_rms < 1:
        raise ValueError("n_rms must be >= 1")
    if not (tightness > 0 and math.isfinite(tightness)):
        raise ValueError("tightness must be a finite number > 0")
    pol = policy if policy is not None else default_policy()
    cfg = config if config is not None else GeneratorConfig()
    report = progress if progress is not None else _no_progress
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(STAGES))]
    rng_tree, rng_cust, rng_rms, rng_book, _ = streams

    report("branches")
    branches = _build_branches(n_customers, cfg, rng_tree)
    view = _PolicyView.build(pol)
    tree = _Tree.build(branches, pol)

    report("customers")
    cust = _draw_customers(n_customers, tree, view, cfg, rng_cust)
    needs = view.customer_needs(cust)
    units = _Units.build(cust, needs, tree)

    report("rms")
    place = _place_units(units, tree, view, cfg, rng_rms)
    staff = _staff_bank(units, place, tree, view, cfg, rng_rms, tightness=tightness, n_rms=n_rms)

    report("book")
    current, locked, capacity = _draw_book(
        cust, needs, units, place, staff, tree, view, cfg, rng_book
    )
    staff = dataclasses.replace(staff, frame=staff.frame.assign(capacity=capacity))

    report("frames")
    return _to_instance(cust, staff, branches, current, locked, tree, view)


def write_bank(
    instance: Instance, out_dir: str | os.PathLike[str], fmt: str = "csv"
) -> dict[str, Path]:
    """Write a bank as ``customers``, ``rms`` and ``branches`` tables of contract v1.

    A thin delegate to :func:`allocator.io.write_instance`, so a generated bank is written exactly
    as any other instance (and reads back to an equal one).
    """
    from allocator.io import write_instance

    if fmt not in ("csv", "parquet", "xlsx"):
        raise ValueError(f"unknown format {fmt!r}: use csv, parquet or xlsx")
    return write_instance(instance, out_dir, fmt)  # type: ignore[arg-type]


def sample_bank_paths() -> dict[str, Path]:
    """Paths of the shipped sample bank (``customers``, ``rms``, ``branches`` CSV files).

    The sample bank is ``rmalloc generate allocator/sample_bank --customers 2000 --seed 7``: about
    2,000 customers, small enough for a notebook or a test, with every fault of a real book.
    """
    root = resources.files("allocator").joinpath("sample_bank")
    return {name: Path(str(root.joinpath(f"{name}.csv"))) for name in _SAMPLE_FILES}


def describe_bank(instance: Instance, policy: Policy | None = None) -> dict[str, Any]:
    """Counts that describe a bank, for summaries and tests (never any customer's data).

    Returns
    -------
    dict
        ``customers``, ``rms``, ``branches`` (totals); ``tiers`` (customers per tier label, the
        band when one applies); ``branch_levels``; ``rm_roles`` (RMs per ``line/unit``);
        ``rms_inactive``; ``rms_explicit_capacity``; and ``book`` with the faults of today's
        book: ``with_rm`` and ``rm_fits`` (served tier, with an RM; one active and eligible),
        ``no_rm`` (served tier, no RM), ``rm_inactive``, ``rm_ineligible`` (active RM that
        no longer fits), ``pooled_with_rm``, ``overloaded_rms``, ``locked``, ``locks_dead``
        (locked to an inactive RM).
    """
    pol = policy if policy is not None else default_policy()
    view = _PolicyView.build(pol)
    tree = _Tree.build(instance.branches, pol)
    customers, rms = instance.customers, instance.rms
    cust = _Cust.from_frame(customers, tree, view)
    needs = view.customer_needs(cust)
    rmv = _RmView.build(rms, tree, view).with_sentinel()
    cur = _rm_index(customers["current_rm_id"], rms)
    has = cur >= 0
    safe = np.where(has, cur, len(rms))  # no RM: the sentinel (inactive, fits nobody)
    active = has & rmv.active[safe]
    ok = has & _eligible(needs, cust.branch, safe, rmv, tree, view)
    served = ~needs.pooled
    load = np.bincount(
        safe[has & served], weights=needs.workload[has & served], minlength=len(rms) + 1
    )
    locked = customers["locked"].to_numpy(dtype=bool)
    label = view.tier_labels(cust)
    return {
        "customers": len(customers),
        "rms": len(rms),
        "branches": len(instance.branches),
        "tiers": {str(k): int(v) for k, v in pd.Series(label).value_counts().sort_index().items()},
        "branch_levels": {lv: int((instance.branches["level"] == lv).sum()) for lv in TREE_LEVELS},
        "rm_roles": {
            str(k): int(v)
            for k, v in (rms["line"] + "/" + rms["unit"]).value_counts().sort_index().items()
        },
        "rms_inactive": int((~rmv.active[: len(rms)]).sum()),
        "rms_explicit_capacity": int(rms["capacity"].notna().sum()),
        "book": {
            "with_rm": int((has & served).sum()),
            "rm_fits": int((ok & served).sum()),
            "no_rm": int((~has & served).sum()),
            "rm_inactive": int((has & served & ~rmv.active[safe]).sum()),
            "rm_ineligible": int((active & ~ok & served).sum()),
            "pooled_with_rm": int((has & ~served).sum()),
            "overloaded_rms": int(((load > rmv.capacity) & rmv.active).sum()),
            "locked": int(locked.sum()),
            "locks_dead": int((locked & has & ~rmv.active[safe]).sum()),
        },
    }


def _no_progress(stage: str) -> None:
    """The default progress callback: nothing to report."""


# -- small numeric helpers ---------------------------------------------------------------------
def _draw_in(rng: np.random.Generator, bounds: Range) -> float:
    lo, hi = bounds
    return float(rng.uniform(lo, hi)) if hi > lo else float(lo)


def _exact_count(n: int, share: float, bounds: Range) -> int:
    """``share`` of ``n`` as a count, kept inside ``bounds`` when rounding would leave them."""
    count = round(share * n)
    lo, hi = math.ceil(bounds[0] * n - 1e-9), math.floor(bounds[1] * n + 1e-9)
    return min(max(count, lo), hi) if lo <= hi else count


def _exact_labels(n: int, counts: list[int], rng: np.random.Generator) -> Ints:
    """Labels ``0..k-1`` with exactly ``counts[i]`` of each, label ``k`` for the rest, at random.

    Exact counts (not i.i.d. draws) keep tier shares inside their configured ranges at any size.
    """
    total = sum(counts)
    if total > n:
        raise ValueError("label counts exceed the population")
    labels = np.full(n, len(counts), dtype=np.int64)
    labels[rng.choice(n, size=total, replace=False)] = np.repeat(
        np.arange(len(counts), dtype=np.int64), counts
    )
    return labels


def _top_k(weight_log: Floats, k: int, rng: np.random.Generator) -> Ints:
    """Indices of a weighted sample of ``k`` without replacement, best first (Gumbel top-k).

    ``weight_log`` is the log of each item's weight; one vectorised draw, no loop.
    """
    k = min(k, weight_log.shape[0])
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    key = -(weight_log + rng.gumbel(size=weight_log.shape[0]))
    top = np.argpartition(key, k - 1)[:k]
    return top[np.argsort(key[top], kind="stable")].astype(np.int64)


def _pareto_between(
    lo: float, hi: float, alpha: float, size: int, rng: np.random.Generator
) -> Floats:
    """Pareto(``alpha``) from ``lo``, truncated to ``[lo, hi)`` (inverse CDF, one draw each)."""
    u = rng.random(size)
    if math.isinf(hi):
        x = lo * (1.0 - u) ** (-1.0 / alpha)
    else:
        ratio = (lo / hi) ** alpha
        x = lo * (1.0 - u * (1.0 - ratio)) ** (-1.0 / alpha)
        x = np.minimum(x, np.nextafter(hi, 0.0))
    return np.maximum(x, lo)


def _lognormal_below(
    median: float, sigma: float, hi: float, size: int, rng: np.random.Generator
) -> Floats:
    """Lognormal values below ``hi`` (rejection: redraw the few that land above)."""
    x = rng.lognormal(math.log(median), sigma, size)
    for _ in range(64):
        bad = np.flatnonzero(x >= hi)
        if bad.size == 0:
            return x
        x[bad] = rng.lognormal(math.log(median), sigma, bad.size)
    return np.minimum(x, np.nextafter(hi, 0.0))  # pragma: no cover - only with absurd settings


def _cents(x: Floats) -> Floats:
    """Amounts floored to cents: flooring (not rounding) never lifts a value over a threshold."""
    return np.floor(x * 100.0) / 100.0


def _banded_amounts(
    thresholds: list[float],
    counts: list[int],
    n: int,
    body: tuple[float, float],
    alpha: float,
    rng: np.random.Generator,
) -> tuple[Floats, Ints]:
    """Heavy-tailed amounts with exactly ``counts[i]`` in band ``[thresholds[i], above)``.

    ``thresholds`` are descending; band ``i`` ends where band ``i - 1`` starts. The rest lie
    below the lowest threshold (lognormal ``body`` = (median, sigma)). Returns amounts and band
    labels (``len(counts)`` for the rest).
    """
    labels = _exact_labels(n, counts, rng)
    out = np.zeros(n, dtype=np.float64)
    upper = math.inf
    for i, lo in enumerate(thresholds):
        sel = np.flatnonzero(labels == i)
        out[sel] = _pareto_between(lo, upper, alpha, sel.size, rng)
        upper = lo
    rest = np.flatnonzero(labels == len(counts))
    out[rest] = _lognormal_below(body[0], body[1], upper, rest.size, rng)
    return _cents(out), labels


def _partition(
    total: int, bounds: tuple[int, int], min_parts: int, rng: np.random.Generator
) -> Ints:
    """Split ``total`` items into parts of ``bounds`` sizes (the last may be smaller), at least
    ``min_parts`` of them when there are enough items (then split evenly)."""
    if total <= 0:
        return np.zeros(0, dtype=np.int64)
    lo, hi = bounds
    sizes = rng.integers(lo, hi + 1, size=total // lo + 1)
    cum = np.cumsum(sizes)
    k = int(np.searchsorted(cum, total)) + 1
    sizes = sizes[:k].copy()
    sizes[-1] -= int(cum[k - 1]) - total
    parts = min(min_parts, total)
    if sizes.size < parts:
        sizes = np.array([len(a) for a in np.array_split(np.arange(total), parts)], dtype=np.int64)
    return sizes.astype(np.int64)


def _stochastic_round(x: Floats, rng: np.random.Generator) -> Ints:
    """Unbiased integer rounding: floor, plus one with probability the fractional part."""
    base = np.floor(x)
    return (base + (rng.random(x.shape[0]) < x - base)).astype(np.int64)


def _rescale_counts(counts: Ints, total: int, rng: np.random.Generator) -> Ints:
    """``counts`` scaled to sum exactly to ``total`` (largest remainder, random tie-break)."""
    weight = counts.astype(np.float64)
    if weight.sum() <= 0:
        weight = np.ones_like(weight)
    quota = weight * (total / weight.sum())
    out = np.floor(quota).astype(np.int64)
    short = total - int(out.sum())
    if short > 0:
        order = np.lexsort((rng.random(quota.shape[0]), -(quota - out)))
        out[order[:short]] += 1
    return out


def _pick_by_probability(
    probs: Mapping[str, float],
    size: int,
    rng: np.random.Generator,
    allowed: list[str] | None = None,
) -> Objects:
    """Draw ``size`` labels from a ``{label: probability}`` mix (restricted to ``allowed``)."""
    labels = [k for k in probs if allowed is None or k in allowed]
    if not labels:
        labels = list(allowed or probs)
        weights = np.ones(len(labels))
    else:
        weights = np.array([probs[k] for k in labels], dtype=np.float64)
    return np.asarray(labels, dtype=object)[
        rng.choice(len(labels), size=size, p=weights / weights.sum())
    ]


# -- branch tree -------------------------------------------------------------------------------
def _build_branches(
    n_customers: int, cfg: GeneratorConfig, rng: np.random.Generator
) -> pd.DataFrame:
    """The branch tree as a contract frame, depth first: H0, P0, C0, C0S0, C0S0O0, ...

    Sized bottom-up: outlets from customers, sub-branches from outlets, cities from
    sub-branches; provinces from customers. Loops here run over branches (hundreds), never over
    customers.
    """
    n_prov = max(1, math.ceil(n_customers / cfg.customers_per_province))
    per_outlet = _draw_in(rng, cfg.customers_per_outlet)
    min_cities = max(cfg.min_cities, n_prov)
    n_outlets = max(cfg.min_outlets, min_cities, round(n_customers / per_outlet))
    outlets_per_sub = _partition(n_outlets, cfg.outlets_per_subbranch, min_cities, rng)
    subs_per_city = _partition(outlets_per_sub.size, cfg.subbranches_per_city, min_cities, rng)
    cities_per_prov = _partition(subs_per_city.size, (1, subs_per_city.size), n_prov, rng)
    if cities_per_prov.size != n_prov:
        cities_per_prov = np.array(
            [len(a) for a in np.array_split(np.arange(subs_per_city.size), n_prov)], dtype=np.int64
        )

    ids: list[str] = ["H0"]
    parents: list[str] = [""]
    levels: list[str] = ["head_office"]

    def add(branch: str, parent: str, level: str) -> None:
        ids.append(branch)
        parents.append(parent)
        levels.append(level)

    city = sub = 0
    for p, n_cities in enumerate(cities_per_prov):
        add(f"P{p}", "H0", "province")
        for _ in range(int(n_cities)):
            add(f"C{city}", f"P{p}", "city")
            for s in range(int(subs_per_city[city])):
                add(f"C{city}S{s}", f"C{city}", "subbranch")
                for o in range(int(outlets_per_sub[sub])):
                    add(f"C{city}S{s}O{o}", f"C{city}S{s}", "outlet")
                sub += 1
            city += 1
    return pd.DataFrame(
        {
            "branch_id": pd.array(ids, dtype="str"),
            "parent_id": pd.array(parents, dtype="str"),
            "level": pd.array(levels, dtype="str"),
        }
    )


@dataclass(frozen=True)
class _Tree:
    """Branches as arrays: ``anc[b, L]`` is the ancestor-or-self of ``b`` at level rank ``L``."""

    ids: pd.Index
    parent: Ints
    level: Ints  # rank in policy.branch_levels, -1 unknown
    anc: Ints  # shape (B, n_levels), -1 where the branch has no ancestor at that level

    @classmethod
    def build(cls, branches: pd.DataFrame, policy: Policy) -> _Tree:
        ids = pd.Index(branches["branch_id"].astype(object))
        parent = ids.get_indexer(pd.Index(branches["parent_id"].astype(object))).astype(np.int64)
        rank = {lv: i for i, lv in enumerate(policy.branch_levels)}
        level = np.array([rank.get(str(v), -1) for v in branches["level"]], dtype=np.int64)
        anc = np.full((len(ids), len(policy.branch_levels)), -1, dtype=np.int64)
        cur = np.arange(len(ids), dtype=np.int64)
        for _ in range(len(policy.branch_levels) + 1):
            ok = cur >= 0
            if not ok.any():
                break
            lv = level[np.maximum(cur, 0)]
            hit = ok & (lv >= 0)
            anc[np.flatnonzero(hit), lv[hit]] = cur[hit]
            cur = np.where(ok, parent[np.maximum(cur, 0)], -1)
        return cls(ids=ids, parent=parent, level=level, anc=anc)

    def index_of(self, branch_ids: pd.Series) -> Ints:
        return _codes(branch_ids, self.ids)

    def of_level(self, level_rank: int) -> Ints:
        return np.flatnonzero(self.level == level_rank).astype(np.int64)

    def ancestor_at(self, branch: Ints, level_rank: int) -> Ints:
        """Ancestor-or-self of each branch at ``level_rank`` (-1 when none)."""
        return np.where(branch >= 0, self.anc[np.maximum(branch, 0), level_rank], -1)

    def covers(self, rm_branch: Ints, rm_level: Ints, branch: Ints) -> Bools:
        """Whether an RM sitting at ``rm_branch`` (level rank ``rm_level``) is ``branch`` or an
        ancestor of it, elementwise (the branch-scope rule)."""
        ok = (rm_branch >= 0) & (rm_level >= 0) & (branch >= 0)
        got = self.anc[np.maximum(branch, 0), np.maximum(rm_level, 0)]
        return ok & (got == rm_branch)


# -- the policy as lookup arrays ---------------------------------------------------------------
@dataclass(frozen=True)
class _Needs:
    """What each customer (or unit) asks of its RM, as arrays (one row each)."""

    line: Ints  # index into LINES
    units: Ints  # bit mask over policy.UNITS of the units allowed
    certs: Ints  # bit mask of certifications needed
    grade: Ints  # minimum grade rank, -1 none
    level: Ints  # minimum branch level rank, -1 none
    one_to_one: Bools
    workload: Floats
    pooled: Bools
    tier: Ints  # tier index (policy order)

    def take(self, idx: Ints) -> _Needs:
        return _Needs(**{k: getattr(self, k)[idx] for k in self.__dataclass_fields__})

    def replace(self, **changes: Any) -> _Needs:
        fields = {k: getattr(self, k) for k in self.__dataclass_fields__}
        fields.update(changes)
        return _Needs(**fields)


@dataclass(frozen=True)
class _PolicyView:
    """The policy compiled to lookup tables: one row per (tier, band) class."""

    policy: Policy
    tiers: list[str]
    bands: list[str]
    cert_bits: dict[str, int]
    unit_bits: dict[str, int]
    klass: _Needs  # indexed by tier * (len(bands) + 1) + band + 1
    list_names: list[str]  # the list_tier values the policy's tiers name (codes index this)
    prev_tier: Ints  # the next lower served tier of the same line, -1 none
    lowest_served: dict[str, int]  # per line: the lowest served AUM tier (for downgrades)

    def list_code(self, name: str | None) -> int:
        return self.list_names.index(name) if name in self.list_names else -2

    @classmethod
    def build(cls, policy: Policy) -> _PolicyView:
        tiers, bands = list(policy.tiers), list(policy.bands)
        vocab = {"AFP", "CFP", "CPB"}
        for req in [*policy.tiers.values(), *policy.bands.values()]:
            vocab |= set(req.certifications)
        for held, implied in policy.certification_implies.items():
            vocab |= {held, *implied}
        cert_bits = {c: 1 << i for i, c in enumerate(sorted(vocab))}
        unit_bits = {u: 1 << i for i, u in enumerate(UNITS)}
        rows = [
            _requirement_row(policy, t, b, cert_bits, unit_bits)
            for t in tiers
            for b in ["", *bands]
        ]
        klass = _Needs(
            line=np.array([r[0] for r in rows], dtype=np.int64),
            units=np.array([r[1] for r in rows], dtype=np.int64),
            certs=np.array([r[2] for r in rows], dtype=np.int64),
            grade=np.array([r[3] for r in rows], dtype=np.int64),
            level=np.array([r[4] for r in rows], dtype=np.int64),
            one_to_one=np.array([r[5] for r in rows], dtype=bool),
            workload=np.array([r[6] for r in rows], dtype=np.float64),
            pooled=np.array([r[7] for r in rows], dtype=bool),
            tier=np.repeat(np.arange(len(tiers), dtype=np.int64), len(bands) + 1),
        )
        prev = np.full(len(tiers), -1, dtype=np.int64)
        for i, name in enumerate(tiers):
            line = policy.tiers[name].line
            later = [
                j
                for j in range(i + 1, len(tiers))
                if policy.tiers[tiers[j]].line == line and not policy.tiers[tiers[j]].pooled
            ]
            prev[i] = later[0] if later else -1
        lowest: dict[str, int] = {}
        for line_name in LINES:
            served = [
                (t.aum_min, i)
                for i, t in enumerate(policy.tiers.values())
                if t.line == line_name and not t.pooled and t.aum_min is not None
            ]
            if served:
                lowest[line_name] = min(served)[1]
        names = list(dict.fromkeys(t.list_tier for t in policy.tiers.values() if t.list_tier))
        return cls(policy, tiers, bands, cert_bits, unit_bits, klass, names, prev, lowest)

    def class_index(self, tier: Ints, band: Ints) -> Ints:
        return tier * (len(self.bands) + 1) + band + 1

    def classify(self, cust: _Cust) -> tuple[Ints, Ints]:
        """Tier and band index of every customer (band -1: none), as the policy says: the first
        tier of the line whose conditions hold, then the first band met. Vectorised."""
        pol = self.policy
        tier = np.full(cust.n, -1, dtype=np.int64)
        for i, name in enumerate(self.tiers):
            t = pol.tiers[name]
            hit = (tier < 0) & (cust.line == LINES.index(t.line))
            if t.aum_min is not None:
                hit &= cust.aum >= t.aum_min
            if t.list_tier is not None:
                hit &= cust.list_tier == self.list_code(t.list_tier)
            tier[hit] = i
        band = np.full(cust.n, -1, dtype=np.int64)
        pooled = np.array([pol.tiers[t].pooled for t in self.tiers], dtype=bool)
        open_ = (tier >= 0) & ~pooled[np.maximum(tier, 0)]
        for k, line in enumerate(LINES):
            for name, b in pol.bands_of(line).items():
                hit = (
                    open_
                    & (band < 0)
                    & (cust.line == k)
                    & (cust.contribution >= b.contribution_min)
                )
                band[hit] = self.bands.index(name)
        return tier, band

    def customer_needs(self, cust: _Cust) -> _Needs:
        tier, band = self.classify(cust)
        if (tier < 0).any():
            raise ValueError("a customer matches no tier of its line")
        return self.klass.take(self.class_index(tier, band))

    def tier_labels(self, cust: _Cust) -> Objects:
        """The plan's tier label of each customer: the band when one applies, else the tier."""
        tier, band = self.classify(cust)
        names = np.asarray([*self.tiers, *self.bands, ""], dtype=object)
        label = np.where(tier >= 0, tier, len(names) - 1)
        return names[np.where(band >= 0, len(self.tiers) + band, label)]

    def base_needs(self, tier: Ints) -> _Needs:
        """Needs of ``tier`` without any band (what an ordinary RM of that tier meets)."""
        return self.klass.take(self.class_index(tier, np.full_like(tier, -1)))


def _requirement_row(
    policy: Policy, tier: str, band: str, cert_bits: dict[str, int], unit_bits: dict[str, int]
) -> tuple[int, int, int, int, int, bool, float, bool]:
    """One class's needs: tier and band requirements combined (units intersect, certifications
    add up, the higher minimum grade and level win, one-to-one if either asks)."""
    t = policy.tiers[tier]
    reqs: list[Requirements] = [t]
    workload = t.workload
    if band:
        b = policy.bands[band]
        reqs.append(b)
        workload = b.workload if b.workload is not None else workload
    all_units = sum(unit_bits.values())
    units = all_units
    certs = 0
    grade = level = -1
    one_to_one = False
    for r in reqs:
        if r.units is not None:
            units &= sum(unit_bits[u] for u in r.units)
        for c in r.certifications:
            certs |= cert_bits[c]
        if r.min_grade is not None:
            grade = max(grade, policy.grade_rank(r.min_grade))
        if r.min_branch_level is not None:
            level = max(level, policy.level_rank(r.min_branch_level))
        one_to_one |= r.one_to_one and policy.rules.one_to_one
    return LINES.index(t.line), units, certs, grade, level, one_to_one, float(workload), t.pooled


# -- customers as arrays -------------------------------------------------------------------------
def _codes(values: pd.Series | Objects, names: pd.Index | list[str]) -> Ints:
    """Position of each value in ``names`` (-1 when absent), via one factorisation: fast on
    pandas ``str`` columns, whose per-element conversion to Python strings is slow."""
    codes, uniques = pd.factorize(values)
    lookup = pd.Index(names).get_indexer(pd.Index(uniques))
    lookup = np.r_[lookup, -1].astype(np.int64)  # code -1 (missing) maps to -1
    return lookup[codes]


@dataclass(frozen=True)
class _Cust:
    """Customers as arrays of codes (no strings): what generation and the checks work on."""

    line: Ints  # index into LINES, -1 unknown segment
    branch: Ints  # branch index in the tree
    aum: Floats
    contribution: Floats
    list_tier: Ints  # index into _PolicyView.list_names, -1 none (or a list the policy ignores)
    group: Ints  # group code, -1 none

    @property
    def n(self) -> int:
        return int(self.line.shape[0])

    @classmethod
    def from_frame(cls, customers: pd.DataFrame, tree: _Tree, view: _PolicyView) -> _Cust:
        group_codes, uniques = pd.factorize(customers["group_id"])
        empty = np.r_[np.asarray(pd.Index(uniques) == ""), True]
        return cls(
            line=_codes(customers["segment"], list(LINES)),
            branch=tree.index_of(customers["branch_id"]),
            aum=customers["aum"].to_numpy(dtype=np.float64),
            contribution=customers["annual_contribution"].to_numpy(dtype=np.float64),
            list_tier=_codes(customers["list_tier"], view.list_names),
            group=np.where(empty[group_codes], -1, group_codes).astype(np.int64),
        )


# -- customers ---------------------------------------------------------------------------------
def _id_text(prefix: str, numbers: Ints, width: int) -> pa.Array:
    """``prefix`` + zero-padded numbers as an Arrow string array (``K0000123``), vectorised."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, type=pa.int64()), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _id_strings(prefix: str, numbers: Ints, width: int) -> Objects:
    """``prefix`` + zero-padded numbers as Python strings (for the small tables)."""
    return np.asarray(_id_text(prefix, numbers, width).to_pylist(), dtype=object)


def _str_column(text: pa.Array | list[str], codes: Ints | None = None) -> pd.Series:
    """A pandas ``str`` column: ``text`` itself, or ``text[codes]`` (a dictionary decode)."""
    arr = pa.array(text, type=pa.string()) if isinstance(text, list) else text
    if codes is not None:
        arr = pc.take(arr, pa.array(codes, type=pa.int64()))
    return pd.Series(pd.array(arr, dtype="str"))


def _draw_customers(
    n: int, tree: _Tree, view: _PolicyView, cfg: GeneratorConfig, rng: np.random.Generator
) -> _Cust:
    """Customers without today's book: segment, home branch, AUM, contribution, lists, groups."""
    pol = view.policy
    outlets = tree.of_level(pol.level_rank("outlet"))
    weight = rng.lognormal(0.0, cfg.outlet_size_sigma, outlets.size)
    home = outlets[rng.choice(outlets.size, size=n, p=weight / weight.sum())]

    corp_share = (1.0 - cfg.retail_share[1], 1.0 - cfg.retail_share[0])
    n_corp = _exact_count(n, _draw_in(rng, corp_share), corp_share)
    is_corp = _exact_labels(n, [n_corp], rng) == 0
    retail = np.flatnonzero(~is_corp)
    corp = np.flatnonzero(is_corp)

    aum = np.zeros(n, dtype=np.float64)
    contribution = np.zeros(n, dtype=np.float64)
    list_tier = np.full(n, -1, dtype=np.int64)
    group = np.full(n, -1, dtype=np.int64)

    aum[retail] = _retail_aum(retail.size, view, cfg, rng)
    margin = rng.uniform(cfg.retail_margin[0], cfg.retail_margin[1], retail.size)
    contribution[retail] = _cents(aum[retail] * margin)
    list_tier[retail] = _potential_list(aum[retail], view, cfg, rng)

    contribution[corp] = _corporate_contribution(corp.size, view, cfg, rng)
    list_tier[corp] = _named_lists(contribution[corp], view, cfg, rng)
    at_sub = corp[rng.random(corp.size) < cfg.corporate_at_subbranch_share]
    home[at_sub] = tree.parent[home[at_sub]]
    group[corp] = _groups(tree.ancestor_at(home[corp], pol.level_rank("city")), cfg, rng)
    return _Cust(
        line=is_corp.astype(np.int64),
        branch=home,
        aum=aum,
        contribution=contribution,
        list_tier=list_tier,
        group=group,
    )


def _retail_aum(
    n: int, view: _PolicyView, cfg: GeneratorConfig, rng: np.random.Generator
) -> Floats:
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
    counts = [_exact_count(n, _draw_in(rng, b), b) for b in bounds]
    body = (cfg.aum_body_median, cfg.aum_body_sigma)
    amounts, _ = _banded_amounts(
        [float(a) for a, _ in tiers], counts, n, body, cfg.aum_tail_alpha, rng
    )
    return amounts


def _potential_list(
    aum: Floats, view: _PolicyView, cfg: GeneratorConfig, rng: np.random.Generator
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
    k = min(
        low.size, _exact_count(aum.size, _draw_in(rng, cfg.potential_share), cfg.potential_share)
    )
    chosen = low[_top_k(0.5 * np.log1p(aum[low]), k, rng)]
    out[chosen] = view.list_code(pot[0].list_tier)
    return out


def _corporate_contribution(
    n: int, view: _PolicyView, cfg: GeneratorConfig, rng: np.random.Generator
) -> Floats:
    """Annual contribution with exactly the configured share in each contribution band."""
    bands = list(view.policy.bands_of("corporate").items())
    bounds = [cfg.band_shares.get(name, (0.0, 0.0)) for name, _ in bands]
    counts = [_exact_count(n, _draw_in(rng, b), b) for b in bounds]
    body = (cfg.contribution_body_median, cfg.contribution_body_sigma)
    amounts, _ = _banded_amounts(
        [b.contribution_min for _, b in bands], counts, n, body, cfg.contribution_tail_alpha, rng
    )
    return amounts


def _named_lists(
    contribution: Floats, view: _PolicyView, cfg: GeneratorConfig, rng: np.random.Generator
) -> Ints:
    """Named-list tiers (hq, province, city) for the configured shares of corporate customers,
    highest list first, favouring big contributors (``list_affinity``)."""
    n = contribution.size
    out = np.full(n, -1, dtype=np.int64)
    lists = [t.list_tier for t in view.policy.tiers_of("corporate").values() if t.list_tier]
    counts = [
        _exact_count(
            n,
            _draw_in(rng, cfg.list_tier_shares.get(name, (0.0, 0.0))),
            cfg.list_tier_shares.get(name, (0.0, 0.0)),
        )
        for name in lists
    ]
    order = _top_k(cfg.list_affinity * np.log1p(contribution), min(n, sum(counts)), rng)
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
        sizes = _partition(m, cfg.group_size, 1, rng)
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


# -- units: a group is served as one -----------------------------------------------------------
@dataclass(frozen=True)
class _Units:
    """Customers folded into service units (a group is one unit, anyone else is alone).

    ``of[c]`` is customer ``c``'s unit; per unit: combined needs, the branch whose subtree holds
    all members (``scope``), and whether it is a group.
    """

    of: Ints
    needs: _Needs
    scope: Ints
    is_group: Bools
    size: Ints
    first: Ints  # the first member of each unit (customer index)

    @property
    def n(self) -> int:
        return int(self.scope.shape[0])

    @classmethod
    def build(cls, cust: _Cust, needs: _Needs, tree: _Tree) -> _Units:
        """Groups first (in group-code order), then every other customer in input order."""
        n = cust.n
        members = np.flatnonzero(cust.group >= 0)
        alone = np.flatnonzero(cust.group < 0)
        _, dense = np.unique(cust.group[members], return_inverse=True)
        by_group = np.argsort(dense, kind="stable")
        n_groups = int(dense.max()) + 1 if members.size else 0
        order = np.r_[members[by_group], alone].astype(np.int64)
        of = np.empty(n, dtype=np.int64)
        of[members] = dense
        of[alone] = n_groups + np.arange(alone.size, dtype=np.int64)
        sorted_dense = dense[by_group]
        group_starts = np.flatnonzero(np.r_[True, sorted_dense[1:] != sorted_dense[:-1]])
        starts = np.r_[group_starts if members.size else [], members.size + np.arange(alone.size)]
        starts = starts.astype(np.int64)
        first = order[starts]
        size = np.diff(np.r_[starts, n]).astype(np.int64)
        branch = cust.branch

        unit_needs = needs.take(first)
        scope = branch[first]
        if n_groups:
            g_order, g_starts = order[: members.size], starts[:n_groups]

            def red(ufunc: np.ufunc, arr: npt.NDArray[Any]) -> npt.NDArray[Any]:
                return ufunc.reduceat(arr[g_order], g_starts)

            grouped = unit_needs.take(np.arange(n_groups))
            _set_rows(
                unit_needs,
                np.arange(n_groups),
                grouped.replace(
                    units=red(np.bitwise_and, needs.units),
                    certs=red(np.bitwise_or, needs.certs),
                    grade=red(np.maximum, needs.grade),
                    level=red(np.maximum, needs.level),
                    one_to_one=red(np.maximum, needs.one_to_one.astype(np.int64)).astype(bool),
                    workload=red(np.add, needs.workload),
                    pooled=red(np.minimum, needs.pooled.astype(np.int64)).astype(bool),
                ),
            )
            scope[:n_groups] = _common_ancestor(branch[g_order], g_starts, tree)
        return cls(
            of=of,
            needs=unit_needs,
            scope=scope,
            is_group=np.arange(first.size) < n_groups,
            size=size,
            first=first,
        )


def _common_ancestor(branch: Ints, starts: Ints, tree: _Tree) -> Ints:
    """Lowest branch above every member of each run ``[starts[i], starts[i+1])`` of ``branch``."""
    out = np.full(starts.size, -1, dtype=np.int64)
    for level in range(tree.anc.shape[1]):  # low to high: the first shared ancestor wins
        a = tree.anc[branch, level]
        lo = np.minimum.reduceat(a, starts)
        hi = np.maximum.reduceat(a, starts)
        hit = (out < 0) & (lo == hi) & (lo >= 0)
        out[hit] = lo[hit]
    return out


# -- RMs ---------------------------------------------------------------------------------------
# Roles the generator staffs. Each serves a kind of need; a need's role decides where its RMs sit.
RETAIL_OUTLET, VIP, WEALTH, CORP_OUTLET, CORP_CITY, CORP_PROVINCE, DEDICATED = range(7)
ROLE_NAMES = (
    "retail_outlet",
    "vip",
    "wealth",
    "corp_outlet",
    "corp_city",
    "corp_province",
    "dedicated",
)
_ROLE_LINE = np.array([0, 0, 0, 1, 1, 1, 1], dtype=np.int64)
_ROLE_UNIT = np.array(
    ["outlet", "vip_center", "wealth_center", "outlet", "marketing", "marketing", "marketing"],
    dtype=object,
)

#: grade mix per role (practice: centres and marketing departments hold the senior staff)
GRADE_MIX: dict[str, dict[str, float]] = {
    "retail_outlet": {
        "assistant": 0.20,
        "rm": 0.50,
        "intermediate": 0.22,
        "senior": 0.07,
        "chief": 0.01,
    },
    "vip": {"assistant": 0.10, "rm": 0.45, "intermediate": 0.30, "senior": 0.13, "chief": 0.02},
    "wealth": {"assistant": 0.02, "rm": 0.30, "intermediate": 0.38, "senior": 0.25, "chief": 0.05},
    "corp_outlet": {
        "assistant": 0.25,
        "rm": 0.50,
        "intermediate": 0.18,
        "senior": 0.06,
        "chief": 0.01,
    },
    "corp_city": {
        "assistant": 0.08,
        "rm": 0.37,
        "intermediate": 0.32,
        "senior": 0.19,
        "chief": 0.04,
    },
    "corp_province": {
        "assistant": 0.02,
        "rm": 0.20,
        "intermediate": 0.40,
        "senior": 0.30,
        "chief": 0.08,
    },
}
#: certification mix per role (staffing rules: VIP centres mostly AFP, wealth centres all AFP or
#: CFP and mostly CFP; CFP implies AFP, so "AFP;CPB" and "CFP;CPB" are the CPB holders)
CERT_MIX: dict[str, dict[str, float]] = {
    "retail_outlet": {"": 0.62, "AFP": 0.30, "CFP": 0.05, "AFP;CPB": 0.03},
    "vip": {"AFP": 0.74, "CFP": 0.16, "CFP;CPB": 0.04, "": 0.06},
    "wealth": {"CFP": 0.70, "CFP;CPB": 0.15, "AFP": 0.15},
    "corp_outlet": {"": 0.92, "AFP": 0.08},
    "corp_city": {"": 0.90, "AFP": 0.08, "CPB": 0.02},
    "corp_province": {"": 0.88, "AFP": 0.08, "CPB": 0.04},
    "dedicated": {"": 0.90, "AFP": 0.06, "CPB": 0.04},
}
#: a dedicated RM's grade against what its key customer needs: a step short, as needed, above
DEDICATED_GRADE_STEP: dict[int, float] = {-1: 0.10, 0: 0.72, 1: 0.18}
#: explicit capacities, as multiples of the line's default (part-timers .. stars)
CAPACITY_FACTORS: dict[float, float] = {0.5: 0.25, 0.8: 0.35, 1.2: 0.30, 1.5: 0.10}


def _role_of(needs: _Needs, scope: Ints, tree: _Tree, view: _PolicyView) -> tuple[Ints, Ints]:
    """The role that serves each need, and the branch where an RM of that role sits.

    Retail: CFP needed -> wealth centre; no outlet allowed -> VIP centre (both at the city); else
    outlet RMs at the customer's branch. Corporate: by the higher of the level required and the
    level of ``scope`` (a group spread over a city needs a city RM): province or city marketing,
    else the outlet/sub-branch itself. One-to-one needs are ``DEDICATED``, sitting where a shared
    RM of their level would.
    """
    pol = view.policy
    city_r, prov_r = pol.level_rank("city"), pol.level_rank("province")
    cfp = view.cert_bits.get("CFP", 0)
    outlet_bit = view.unit_bits["outlet"]
    scope_level = np.where(scope >= 0, tree.level[np.maximum(scope, 0)], -1)
    level = np.maximum(needs.level, scope_level)
    retail_role = np.where(
        (needs.certs & cfp) != 0,
        WEALTH,
        np.where((needs.units & outlet_bit) == 0, VIP, RETAIL_OUTLET),
    )
    corp_role = np.where(
        level >= prov_r, CORP_PROVINCE, np.where(level >= city_r, CORP_CITY, CORP_OUTLET)
    )
    role = np.where(needs.line == 0, retail_role, corp_role).astype(np.int64)
    sit = scope.copy()
    at_city = np.isin(role, [VIP, WEALTH, CORP_CITY])
    sit[at_city] = tree.ancestor_at(scope[at_city], city_r)
    at_prov = role == CORP_PROVINCE
    sit[at_prov] = tree.ancestor_at(scope[at_prov], prov_r)
    role[needs.one_to_one] = DEDICATED
    return role, sit


@dataclass(frozen=True)
class _Placement:
    """Where each unit's RM was counted: the role and the branch it sits at (its *seat*)."""

    role: Ints
    seat: Ints


@dataclass(frozen=True)
class _Staff:
    """The generated RMs: the contract frame (generation order) and private bookkeeping."""

    frame: pd.DataFrame
    role: Ints
    seat: Ints  # branch index
    dedicated_to: Ints  # unit served one-to-one; -1 for shared (and spare dedicated) RMs


def _staff_bank(
    units: _Units,
    place: _Placement,
    tree: _Tree,
    view: _PolicyView,
    cfg: GeneratorConfig,
    rng: np.random.Generator,
    *,
    tightness: float,
    n_rms: int | None,
) -> _Staff:
    """RMs counted from service capacity, role by role and seat by seat."""
    slots = _slots(units, place, tree, view, cfg, rng, tightness)
    desired = slots["desired"].to_numpy()
    count = np.maximum(slots["min"].to_numpy(), _stochastic_round(desired, rng))
    if n_rms is not None:
        count = _rescale_counts(count, n_rms, rng)
    return _hire(slots.assign(count=count), units, place, tree, view, cfg, rng)


def _place_units(
    units: _Units, tree: _Tree, view: _PolicyView, cfg: GeneratorConfig, rng: np.random.Generator
) -> _Placement:
    """Role and seat of each unit's RM (see :func:`_role_of`), with two spreads: an outlet-role
    unit's RM sits at the sub-branch with probability ``outlet_rm_at_subbranch_share``; a
    dedicated RM below city level sits at the customer's sub-branch or in the city's marketing
    department, half and half."""
    pol = view.policy
    sub_r, city_r = pol.level_rank("subbranch"), pol.level_rank("city")
    role, seat = _role_of(units.needs, units.scope, tree, view)
    level = tree.level[np.maximum(seat, 0)]
    u = rng.random(units.n)
    outlet_role = np.isin(role, [RETAIL_OUTLET, CORP_OUTLET]) & (level < sub_r)
    seat = np.where(
        outlet_role & (u < cfg.outlet_rm_at_subbranch_share), tree.ancestor_at(seat, sub_r), seat
    )
    low = (role == DEDICATED) & (level < city_r)
    seat = np.where(low & (u < 0.5), tree.ancestor_at(seat, city_r), seat)
    seat = np.where(low & (u >= 0.5), tree.ancestor_at(seat, sub_r), seat)
    return _Placement(role=role, seat=np.where(seat < 0, units.scope, seat))


def _slots(
    units: _Units,
    place: _Placement,
    tree: _Tree,
    view: _PolicyView,
    cfg: GeneratorConfig,
    rng: np.random.Generator,
    tightness: float,
) -> pd.DataFrame:
    """Staffing slots (role, seat, grade needed) with the RMs desired and a floor.

    Desired = workload / (default capacity x target utilisation x tightness); for dedicated RMs
    key units x ``key_rm_cover`` / tightness, per grade needed.
    """
    served = ~units.needs.pooled
    cap = np.array([view.policy.default_capacity[line] for line in LINES])  # type: ignore[index]
    fill = cfg.target_utilisation * tightness
    ded = place.role == DEDICATED
    demand = np.where(
        ded, cfg.key_rm_cover / tightness, units.needs.workload / (cap[units.needs.line] * fill)
    )
    outlets = tree.of_level(view.policy.level_rank("outlet"))
    frame = pd.DataFrame(
        {
            # every outlet gets a retail slot (its floor is one RM), served demand or not
            "role": np.r_[place.role[served], np.full(outlets.size, RETAIL_OUTLET)],
            "branch": np.r_[place.seat[served], outlets],
            "grade": np.r_[np.where(ded, units.needs.grade, -1)[served], np.full(outlets.size, -1)],
            "desired": np.r_[demand[served], np.zeros(outlets.size)],
        }
    )
    slots = frame.groupby(["role", "branch", "grade"], as_index=False, sort=True).agg(
        desired=("desired", "sum")
    )
    return _apply_floors(slots, units, place, tree, view, cfg, rng)


def _apply_floors(
    slots: pd.DataFrame,
    units: _Units,
    place: _Placement,
    tree: _Tree,
    view: _PolicyView,
    cfg: GeneratorConfig,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Staffing floors (every outlet a retail RM; an outlet with ``corporate_rm_min_customers``
    corporate customers a corporate RM, as has a sub-branch with customers of its own; every
    centre or department with work one RM) and the one city short of CFP holders: its wealth
    centre staffed at ``short_city_cfp_fill`` of need, no floor, no CFP in its VIP centre."""
    sub_r = view.policy.level_rank("subbranch")
    r = slots["role"].to_numpy()
    b = slots["branch"].to_numpy()
    level = tree.level[b]
    floor_ = np.isin(r, [VIP, WEALTH, CORP_CITY, CORP_PROVINCE]).astype(np.int64)
    floor_[(r == RETAIL_OUTLET) & (level < sub_r)] = 1
    corp = (units.needs.line == 1) & ~units.needs.pooled & (place.role == CORP_OUTLET)
    per_branch = np.bincount(units.scope[corp], weights=units.size[corp], minlength=tree.level.size)
    many = per_branch[b] >= cfg.corporate_rm_min_customers
    floor_[(r == CORP_OUTLET) & (level < sub_r) & many] = 1
    floor_[(r == CORP_OUTLET) & (level >= sub_r) & (per_branch[b] > 0)] = 1
    desired = slots["desired"].to_numpy().copy()
    cities = np.unique(b[r == WEALTH])
    short = int(rng.choice(cities)) if cities.size else -1
    in_short = (r == WEALTH) & (b == short)
    desired[in_short] *= cfg.short_city_cfp_fill
    floor_[in_short] = 0
    return slots.assign(desired=desired, min=floor_, short=(b == short) & np.isin(r, [VIP, WEALTH]))


def _hire(
    slots: pd.DataFrame,
    units: _Units,
    place: _Placement,
    tree: _Tree,
    view: _PolicyView,
    cfg: GeneratorConfig,
    rng: np.random.Generator,
) -> _Staff:
    """RM rows for the slot counts: line, unit, grade, certifications, capacity, active."""
    pol = view.policy
    count = slots["count"].to_numpy()
    role = np.repeat(slots["role"].to_numpy(), count).astype(np.int64)
    branch = np.repeat(slots["branch"].to_numpy(), count).astype(np.int64)
    need_grade = np.repeat(slots["grade"].to_numpy(), count).astype(np.int64)
    short = np.repeat(slots["short"].to_numpy(), count).astype(bool)
    n = role.size
    grade, certs = _grades_and_certs(role, need_grade, short, pol, rng)
    unit_name = _ROLE_UNIT[role].copy()
    unit_name[(role == DEDICATED) & (tree.level[branch] < pol.level_rank("city"))] = "outlet"
    line = _ROLE_LINE[role]
    default = np.array([pol.default_capacity[x] for x in LINES])[line]  # type: ignore[index]
    capacity = np.full(n, np.nan)
    explicit = rng.random(n) < cfg.explicit_capacity_share
    factor = rng.choice(list(CAPACITY_FACTORS), size=n, p=list(CAPACITY_FACTORS.values()))
    capacity[explicit] = np.round(default[explicit] * factor[explicit])
    n_off = _exact_count(n, _draw_in(rng, cfg.inactive_share), cfg.inactive_share)
    inactive = _exact_labels(n, [n_off], rng) == 0
    dedicated_to = _dedicate(role, branch, need_grade, units, place, rng)
    width = max(5, len(str(max(n - 1, 0))))
    frame = pd.DataFrame(
        {
            "rm_id": _id_strings("M", rng.permutation(n).astype(np.int64), width),
            "line": np.asarray(LINES, dtype=object)[line],
            "grade": grade,
            "branch_id": tree.ids.to_numpy(dtype=object)[branch],
            "certifications": certs,
            "unit": unit_name,
            "capacity": capacity,
            "active": ~inactive,
        }
    )
    return _Staff(frame=frame, role=role, seat=branch, dedicated_to=dedicated_to)


def _grades_and_certs(
    role: Ints, need_grade: Ints, short: Bools, policy: Policy, rng: np.random.Generator
) -> tuple[Objects, Objects]:
    """Grade and certifications of each RM from its role's mix (loops over roles, not RMs).

    A dedicated RM's grade is the one its key customer needs, sometimes a step above or short.
    RMs of the city short of CFP holders hold no CFP.
    """
    n = role.size
    grade = np.full(n, "", dtype=object)
    certs = np.full(n, "", dtype=object)
    for k, name in enumerate(ROLE_NAMES):
        sel = np.flatnonzero(role == k)
        if sel.size == 0:
            continue
        if name in GRADE_MIX:
            grade[sel] = _pick_by_probability(GRADE_MIX[name], sel.size, rng, policy.grades)
        no_cfp = [c for c in CERT_MIX[name] if "CFP" not in c.split(";")]
        plain, cut = sel[~short[sel]], sel[short[sel]]
        certs[plain] = _pick_by_probability(CERT_MIX[name], plain.size, rng)
        certs[cut] = _pick_by_probability(CERT_MIX[name], cut.size, rng, no_cfp)
    ded = np.flatnonzero(role == DEDICATED)
    steps = np.array(list(DEDICATED_GRADE_STEP), dtype=np.int64)
    p = np.array(list(DEDICATED_GRADE_STEP.values()))
    rank = np.maximum(need_grade[ded], 0) + rng.choice(steps, size=ded.size, p=p / p.sum())
    rank = np.clip(rank, 0, len(policy.grades) - 1)
    grade[ded] = np.asarray(policy.grades, dtype=object)[rank]
    return grade, certs


def _dedicate(
    role: Ints,
    branch: Ints,
    need_grade: Ints,
    units: _Units,
    place: _Placement,
    rng: np.random.Generator,
) -> Ints:
    """Match dedicated RMs to the key units their slot was counted for, at random (a short slot
    leaves some units without; a long one leaves spare RMs). Vectorised by rank within slot."""
    out = np.full(role.size, -1, dtype=np.int64)
    key = np.flatnonzero((place.role == DEDICATED) & ~units.needs.pooled)
    ded = np.flatnonzero(role == DEDICATED)
    if key.size == 0 or ded.size == 0:
        return out
    todo = pd.DataFrame(
        {
            "branch": place.seat[key],
            "grade": units.needs.grade[key],
            "unit": key,
            "tie": rng.random(key.size),
        }
    ).sort_values(["branch", "grade", "tie"])
    todo["rank"] = todo.groupby(["branch", "grade"]).cumcount()
    rms = pd.DataFrame({"branch": branch[ded], "grade": need_grade[ded], "rm": ded})
    rms["rank"] = rms.groupby(["branch", "grade"]).cumcount()
    pairs = rms.merge(todo, on=["branch", "grade", "rank"], how="inner")
    out[pairs["rm"].to_numpy()] = pairs["unit"].to_numpy()
    return out


# -- eligibility (the policy's hard rules on one pair) -------------------------------------------
@dataclass(frozen=True)
class _RmView:
    """RMs as arrays for the pairwise rules."""

    line: Ints
    unit: Ints  # the bit of the RM's unit
    certs: Ints  # bit mask, implications included
    grade: Ints
    branch: Ints
    level: Ints  # level rank of the RM's branch
    active: Bools
    capacity: Floats  # effective: the line's default where the row gives none

    def with_sentinel(self) -> _RmView:
        """A copy with one more RM at the end that is inactive and fits nobody (index for
        "no RM", so lookups need no special case, even with no RMs at all)."""
        pad = {
            "line": -1,
            "unit": 0,
            "certs": 0,
            "grade": -1,
            "branch": -1,
            "level": -1,
            "active": False,
            "capacity": 0.0,
        }
        return _RmView(**{k: np.r_[getattr(self, k), v] for k, v in pad.items()})

    @classmethod
    def build(cls, rms: pd.DataFrame, tree: _Tree, view: _PolicyView) -> _RmView:
        pol = view.policy
        line = pd.Index(LINES).get_indexer(pd.Index(rms["line"].astype(object))).astype(np.int64)
        codes, uniq = pd.factorize(rms["certifications"].astype(object))
        masks = np.array(
            [
                sum(
                    view.cert_bits.get(c, 0)
                    for c in pol.expand_certifications({t for t in str(s).split(";") if t})
                )
                for s in uniq
            ],
            dtype=np.int64,
        )
        unit_bit = np.array([view.unit_bits.get(str(u), 0) for u in rms["unit"]], dtype=np.int64)
        grade = pd.Index(pol.grades).get_indexer(pd.Index(rms["grade"].astype(object)))
        branch = tree.index_of(rms["branch_id"])
        default = np.array([pol.default_capacity[x] for x in LINES])[np.maximum(line, 0)]  # type: ignore[index]
        cap = rms["capacity"].to_numpy(dtype=np.float64)
        return cls(
            line=line,
            unit=unit_bit,
            certs=masks[codes] if len(uniq) else np.zeros(len(rms), dtype=np.int64),
            grade=grade.astype(np.int64),
            branch=branch,
            level=np.where(branch >= 0, tree.level[np.maximum(branch, 0)], -1),
            active=rms["active"].to_numpy(dtype=bool),
            capacity=np.where(np.isnan(cap), default, cap),
        )


def _eligible(
    needs: _Needs,
    branch: Ints,
    rm: Ints,
    rmv: _RmView,
    tree: _Tree,
    view: _PolicyView,
    *,
    require_active: bool = True,
) -> Bools:
    """Whether RM ``rm[i]`` may serve a customer with ``needs[i]`` at ``branch[i]``: same line,
    unit, certifications, grade, branch level, branch scope and (optionally) active."""
    ok = (rmv.line[rm] == needs.line) & ((rmv.unit[rm] & needs.units) != 0)
    ok &= (rmv.certs[rm] & needs.certs) == needs.certs
    ok &= (rmv.grade[rm] >= needs.grade) & (rmv.level[rm] >= needs.level)
    if view.policy.rules.branch_scope:
        ok &= tree.covers(rmv.branch[rm], rmv.level[rm], branch)
    if require_active:
        ok &= rmv.active[rm]
    return ok


def _rm_index(rm_ids: pd.Series, rms: pd.DataFrame) -> Ints:
    """Position of each id in ``rms`` (-1 for "" or unknown)."""
    return _codes(rm_ids, pd.Index(rms["rm_id"].astype(object)))


# -- today's book ----------------------------------------------------------------------------------
def _draw_book(
    cust: _Cust,
    needs: _Needs,
    units: _Units,
    place: _Placement,
    staff: _Staff,
    tree: _Tree,
    view: _PolicyView,
    cfg: GeneratorConfig,
    rng: np.random.Generator,
) -> tuple[Ints, Bools, Floats]:
    """Today's RM of each customer (index, -1 none), the locks and the RMs' capacity column,
    faults included."""
    rmv = _RmView.build(staff.frame, tree, view)
    unit_rm = np.full(units.n, -1, dtype=np.int64)
    mine = np.flatnonzero(staff.dedicated_to >= 0)
    unit_rm[staff.dedicated_to[mine]] = mine
    want, pick, as_placed = _book_needs(cust, units, unit_rm >= 0, view, cfg, rng)
    chosen = np.flatnonzero(pick)
    wanted = want.take(chosen)
    role, seat = _role_of(wanted, units.scope[chosen], tree, view)
    keep = as_placed[chosen]
    role[keep] = place.role[chosen[keep]]
    seat[keep] = place.seat[chosen[keep]]
    unit_rm[chosen] = _pick_rms(
        wanted, units.scope[chosen], role, seat, rmv, staff, tree, view, cfg, rng
    )
    current = unit_rm[units.of]
    capacity = _cut_capacities(current, needs, rmv, staff, cfg, rng)
    rmv = dataclasses.replace(rmv, capacity=np.where(np.isnan(capacity), rmv.capacity, capacity))
    locked = _locks(current, needs, cust.branch, units, rmv, tree, view, cfg, rng)
    return current, locked, capacity


def _cut_capacities(
    current: Ints,
    needs: _Needs,
    rmv: _RmView,
    staff: _Staff,
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
    cust: _Cust,
    units: _Units,
    dedicated: Bools,
    view: _PolicyView,
    cfg: GeneratorConfig,
    rng: np.random.Generator,
) -> tuple[_Needs, Bools, Bools]:
    """What today's RM of each unit was chosen to fit, and which units have one.

    Most served units have an RM fitting their tier. Faults: ``no_rm_share`` have none;
    ``outgrew_share`` (standalone) have an RM of their previous, lower tier (none if it was
    pooled); key units without a dedicated RM share an ordinary RM of their tier
    (``key_shared_share``) or have none; pooled customers just below the lowest served AUM tier
    sometimes keep the RM of that tier. The third array says which units want what they were
    staffed for (their RM is drawn from their placement's seat first).
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
    _set_rows(want, np.flatnonzero(prev >= 0), view.base_needs(prev[prev >= 0]))
    shared = served & nd.one_to_one & ~dedicated & (u < cfg.key_shared_share)
    want.grade[shared] = -1
    want.one_to_one[shared] = False
    pick |= shared
    as_placed = pick & ~outgrew & ~shared
    aum = cust.aum[units.first]
    for line, tier in view.lowest_served.items():
        floor_ = view.policy.tiers[view.tiers[tier]].aum_min or 0.0
        near = nd.pooled & (nd.line == LINES.index(line)) & (aum >= cfg.downgrade_window * floor_)
        near &= u < cfg.downgraded_keep_rm
        idx = np.flatnonzero(near)
        _set_rows(want, idx, view.base_needs(np.full(idx.size, tier, dtype=np.int64)))
        pick |= near
    return want, pick, as_placed


def _set_rows(target: _Needs, idx: Ints, source: _Needs) -> None:
    """``target[idx] = source``, field by field, in place (``target`` is a private copy)."""
    for name in target.__dataclass_fields__:
        getattr(target, name)[idx] = getattr(source, name)


def _pick_rms(
    want: _Needs,
    scope: Ints,
    role: Ints,
    seat: Ints,
    rmv: _RmView,
    staff: _Staff,
    tree: _Tree,
    view: _PolicyView,
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
        ok = _eligible(
            want.take(idx[:1]),  # one row: broadcasts over the candidates
            np.asarray([combo[5]]),
            cand,
            rmv,
            tree,
            view,
            require_active=False,
        )
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
    cand: Ints, role: int, seat: int, popularity: Floats, staff: _Staff, cfg: GeneratorConfig
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


def _candidates(branch: int, tree: _Tree, by_branch: Mapping[Any, Ints]) -> Ints:
    """RMs sitting at ``branch`` or an ancestor of it."""
    if branch < 0:
        return np.zeros(0, dtype=np.int64)
    above = [int(a) for a in tree.anc[branch] if a >= 0]
    parts = [by_branch[a] for a in above if a in by_branch]
    return np.sort(np.concatenate(parts)).astype(np.int64) if parts else np.zeros(0, np.int64)


def _locks(
    current: Ints,
    needs: _Needs,
    branch: Ints,
    units: _Units,
    rmv: _RmView,
    tree: _Tree,
    view: _PolicyView,
    cfg: GeneratorConfig,
    rng: np.random.Generator,
) -> Bools:
    """About ``lock_share`` of customers locked to their RM, and a few to departed RMs.

    Locks never conflict: only standalone (no group), not one-to-one, served customers are
    locked; a live lock's RM is active and eligible; each RM's locked workload stays within
    ``lock_budget`` of its capacity.
    """
    n = current.size
    has = current >= 0
    rm = np.maximum(current, 0)
    base = has & ~needs.pooled & ~needs.one_to_one & ~units.is_group[units.of]
    live = base & _eligible(needs, branch, rm, rmv, tree, view)
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
    rmv: _RmView,
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


# -- frames ------------------------------------------------------------------------------------
def _to_instance(
    cust: _Cust,
    staff: _Staff,
    branches: pd.DataFrame,
    current: Ints,
    locked: Bools,
    tree: _Tree,
    view: _PolicyView,
) -> Instance:
    """The normalised instance: customers in id order, RMs sorted by id.

    String columns are built as Arrow dictionary decodes (codes into a few distinct values), so
    a million customers cost a fraction of a second, not a Python string each.
    """
    n = cust.n
    rm_ids = staff.frame["rm_id"].tolist()
    n_groups = int(cust.group.max()) + 1 if n else 0
    group_ids = _id_text("G", np.arange(n_groups, dtype=np.int64), max(5, len(str(n_groups - 1))))
    customers = pd.DataFrame(
        {
            "customer_id": _str_column(_id_text("K", np.arange(n), max(7, len(str(n - 1))))),
            "segment": _str_column(list(LINES), cust.line),
            "branch_id": _str_column(list(tree.ids), cust.branch),
            "aum": cust.aum,
            "annual_contribution": cust.contribution,
            "list_tier": _str_column(["", *view.list_names], cust.list_tier + 1),
            "group_id": _str_column(pa.concat_arrays([pa.array([""]), group_ids]), cust.group + 1),
            "current_rm_id": _str_column(["", *rm_ids], current + 1),
            "locked": locked,
        }
    )
    rms = staff.frame.sort_values("rm_id", kind="stable").reset_index(drop=True)
    return Instance(
        customers=customers,
        rms=_as_str_columns(rms),
        branches=_as_str_columns(branches),
        branches_given=True,
    )


def _as_str_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every object column as a pandas ``str`` column (the normalised dtype)."""
    out = frame.copy()
    for name in out.columns:
        if out[name].dtype == object:
            out[name] = out[name].astype("str")
    return out
