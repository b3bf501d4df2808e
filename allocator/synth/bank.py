"""The public face of :mod:`allocator.synth`: make a bank, write it, ship one.

:func:`generate_bank` runs the stages in order -- branch tree, customers, RMs, today's book,
frames -- each on its own random stream spawned from the seed, so changing the number of RMs or
the tightness leaves the customers exactly as they were. The contract v1.1 and harsh features of
:class:`GeneratorConfig` draw from streams of their own, spawned after the stages' streams, so a
bank generated with them switched off is byte for byte the bank it always was.
(:func:`~allocator.synth.describe.describe_bank` counts what a bank looks like.)
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt

from allocator.instance import Instance
from allocator.policy import Policy, default_policy
from allocator.synth.book import draw_book
from allocator.synth.branches import Tree, build_branches
from allocator.synth.config import GeneratorConfig
from allocator.synth.customers import draw_customers
from allocator.synth.extras import EXTRA_STREAMS, finish_roster
from allocator.synth.frames import to_instance
from allocator.synth.harsh import spread_groups
from allocator.synth.needs import PolicyView
from allocator.synth.quarter import draw_history
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
    sequence = np.random.SeedSequence(seed)
    streams = [np.random.default_rng(s) for s in sequence.spawn(len(STAGES))]
    rng_tree, rng_cust, rng_rms, rng_book, _ = streams
    # contract v1.1 and harsh features: a stream each, spawned after the stages' streams, so a
    # bank without them is the bank it always was and switching one on leaves the others alone
    x = dict(
        zip(
            EXTRA_STREAMS,
            (np.random.default_rng(s) for s in sequence.spawn(len(EXTRA_STREAMS))),
            strict=True,
        )
    )

    report("branches")
    branches = build_branches(n_customers, cfg, rng_tree)
    view = PolicyView.build(pol)
    tree = Tree.build(branches, pol)

    report("customers")
    cust = draw_customers(n_customers, tree, view, cfg, rng_cust)
    cust = spread_groups(cust, tree, view, cfg, x["groups"])
    cust = draw_history(cust, view, cfg, x["history"])
    needs = view.needs_of(cust.tiers(view))
    units = Units.build(cust, needs, tree)

    report("rms")
    place = place_units(units, tree, view, cfg, rng_rms)
    deposits: npt.NDArray[np.float64] | None = None
    if cust.deposits.any():  # the staffing rule's other trigger: deposits per branch
        corp = cust.deposits > 0
        deposits = np.bincount(
            cust.branch[corp], weights=cust.deposits[corp], minlength=tree.level.size
        ).astype(np.float64)
    staff = staff_bank(
        units, place, tree, view, cfg, rng_rms, tightness=tightness, n_rms=n_rms, deposits=deposits
    )

    report("book")
    book = draw_book(cust, needs, units, place, staff, tree, view, cfg, rng_book)
    roster = finish_roster(cust, needs, staff, book, tree, view, cfg, x)

    report("frames")
    return to_instance(
        roster.cust,
        roster.rms,
        branches,
        roster.current,
        book.locked,
        tree,
        view,
        on_roster=roster.on_roster,
        forbid=roster.forbid,
    )


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


def _no_progress(stage: str) -> None:
    """The default progress callback: nothing to report."""
