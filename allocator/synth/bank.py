"""The public face of :mod:`allocator.synth`: make a bank, write it, describe it, ship one.

:func:`generate_bank` runs the stages in order -- branch tree, customers, RMs, today's book,
frames -- each on its own random stream spawned from the seed, so changing the number of RMs or
the tightness leaves the customers exactly as they were. :func:`describe_bank` counts what a bank
looks like, faults of today's book included, by asking the rule engine; it never shows a
customer's data, so its output may be printed or logged.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allocator.instance import Instance
from allocator.policy import Policy, default_policy
from allocator.rules import RmTable, index_of
from allocator.synth.book import draw_book
from allocator.synth.branches import TREE_LEVELS, Tree, build_branches
from allocator.synth.config import GeneratorConfig
from allocator.synth.customers import Cust, draw_customers
from allocator.synth.fit import PolicyFit
from allocator.synth.frames import to_instance
from allocator.synth.needs import PolicyView
from allocator.synth.staffing import place_units, staff_bank
from allocator.synth.units import Units

Progress = Callable[[str], None]

#: the stages :func:`generate_bank` reports to its ``progress`` callback, in order (one random
#: stream is spawned per stage: adding a stage would change every bank)
STAGES: tuple[str, ...] = ("branches", "customers", "rms", "book", "frames")

SAMPLE_BANK_SEED = 7
SAMPLE_BANK_CUSTOMERS = 2000
_SAMPLE_FILES = ("customers", "rms", "branches")


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
    branches = build_branches(n_customers, cfg, rng_tree)
    view = PolicyView.build(pol)
    tree = Tree.build(branches, pol)

    report("customers")
    cust = draw_customers(n_customers, tree, view, cfg, rng_cust)
    needs = view.needs_of(cust.tiers(view))
    units = Units.build(cust, needs, tree)

    report("rms")
    place = place_units(units, tree, view, cfg, rng_rms)
    staff = staff_bank(units, place, tree, view, cfg, rng_rms, tightness=tightness, n_rms=n_rms)

    report("book")
    current, locked, capacity = draw_book(
        cust, needs, units, place, staff, tree, view, cfg, rng_book
    )
    rms = staff.frame.assign(capacity=capacity)

    report("frames")
    return to_instance(cust, rms, branches, current, locked, tree, view)


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

    Whether today's RM fits is the rule engine's verdict (the same rules the allocator applies),
    so ``rm_ineligible`` counts exactly the customers a plan would have to move.

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
    view = PolicyView.build(pol)
    tree = Tree.build(instance.branches, pol)
    customers, rms = instance.customers, instance.rms
    cust = Cust.from_frame(customers, tree, view)
    tiers = cust.tiers(view)
    needs = view.needs_of(tiers)
    table = RmTable.build(rms, tree.table, pol)
    cur = index_of(table.ids, table.index, customers["current_rm_id"])
    has = cur >= 0
    safe = np.where(has, cur, len(rms))  # no RM: a sentinel, inactive and without capacity
    rm_active = np.r_[table.active, False]
    active = has & rm_active[safe]
    ok = PolicyFit.build(table, tree, view).fits(needs.tier, needs.band, cust.branch, cur)
    served = ~needs.pooled
    load = np.bincount(
        safe[has & served], weights=needs.workload[has & served], minlength=len(rms) + 1
    )
    locked = customers["locked"].to_numpy(dtype=bool)
    return {
        "customers": len(customers),
        "rms": len(rms),
        "branches": len(instance.branches),
        "tiers": {
            str(k): int(v) for k, v in pd.Series(tiers.labels()).value_counts().sort_index().items()
        },
        "branch_levels": {lv: int((instance.branches["level"] == lv).sum()) for lv in TREE_LEVELS},
        "rm_roles": {
            str(k): int(v)
            for k, v in (rms["line"] + "/" + rms["unit"]).value_counts().sort_index().items()
        },
        "rms_inactive": int((~table.active).sum()),
        "rms_explicit_capacity": int(rms["capacity"].notna().sum()),
        "book": {
            "with_rm": int((has & served).sum()),
            "rm_fits": int((ok & served).sum()),
            "no_rm": int((~has & served).sum()),
            "rm_inactive": int((has & served & ~rm_active[safe]).sum()),
            "rm_ineligible": int((active & ~ok & served).sum()),
            "pooled_with_rm": int((has & ~served).sum()),
            "overloaded_rms": int(((load > np.r_[table.capacity, 0.0]) & rm_active).sum()),
            "locked": int(locked.sum()),
            "locks_dead": int((locked & has & ~rm_active[safe]).sum()),
        },
    }


def _no_progress(stage: str) -> None:
    """The default progress callback: nothing to report."""
