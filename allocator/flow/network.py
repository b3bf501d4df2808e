"""Pooled customers and RMs: the nodes every flow of the backend is built on.

Why pooling: when a customer's workload ``w`` does not depend on the RM, the LP relaxation of the
GAP core is a transportation problem in *workload units*, and customers that are identical (same
pairs, values, weight: ``Problem.klass``) can be pooled into one *hub*, RMs that are identical
(same hubs at the same values: one branch's wealth centre, a province's marketing department)
into one *RM group* (:func:`rm_groups`). At 10^6 customers and 10^4 RMs that leaves ~4,000 hubs
and ~1,500 RM groups instead of ~4 * 10^6 pairs. The flows themselves are built and solved in
:mod:`allocator.flow.transport`; whole customers come out of them in
:mod:`allocator.flow.spread` and :mod:`allocator.flow.seating`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

#: largest exact value scale (lcm of the weights) used before falling back to a rounded scale
MAX_SCALE = 10**6


@dataclass(frozen=True)
class Hubs:
    """Pooled customers: every member of a hub has the same RMs, values and weight.

    Attributes
    ----------
    weight : numpy.ndarray of int64, shape (H,)
        Units a member of the hub supplies (>= 1).
    arc_ptr : numpy.ndarray of int64, shape (H + 1,)
        Hub ``h``'s arcs are ``arc_ptr[h]:arc_ptr[h + 1]`` of ``arc_rm``/``arc_value``, by RM.
    arc_rm, arc_value : numpy.ndarray of int64, shape (A,)
        RM and value per member of each arc.
    member_ptr : numpy.ndarray of int64, shape (H + 1,)
        Members of hub ``h`` are ``members[member_ptr[h]:member_ptr[h + 1]]``.
    members : numpy.ndarray of int64
        Customer indices, grouped by hub.
    member_current : numpy.ndarray of int64
        Today's RM of each member when it is keepable (``Problem.current``), else -1.
    gated : numpy.ndarray of bool, shape (H,), optional
        Hubs whose members may be at most one per RM (one-to-one customers with a strengthened
        workload): their arcs into an RM pass a *gate* that lets through one such customer's
        worth (the largest gated weight at that RM).
    """

    weight: Ints
    arc_ptr: Ints
    arc_rm: Ints
    arc_value: Ints
    member_ptr: Ints
    members: Ints
    member_current: Ints
    gated: Bools | None = None

    @property
    def n(self) -> int:
        return int(self.weight.shape[0])

    @property
    def arc_hub(self) -> Ints:
        """Hub of every arc."""
        return np.repeat(np.arange(self.n, dtype=np.int64), np.diff(self.arc_ptr))

    @property
    def member_hub(self) -> Ints:
        """Hub of every member (aligned with ``members``)."""
        return np.repeat(np.arange(self.n, dtype=np.int64), np.diff(self.member_ptr))


def group_into_hubs(
    key: Ints,
    customers: Ints,
    weight: Ints,
    current: Ints,
    arcs_of_rep: tuple[Ints, Ints, Ints],
    gated: Bools | None = None,
    first_rows: Ints | None = None,
) -> Hubs:
    """Pool ``customers`` by ``key`` into hubs.

    Parameters
    ----------
    key
        Per customer: equal keys mean identical customers (for the flow); with ``first_rows``
        they are already dense hub ids in order of first appearance, ``first_rows`` the first
        row of each.
    customers, weight, current
        Customer indices, their units, and today's keepable RM (-1: none).
    arcs_of_rep
        ``(rep_ptr, rm, value)``: a function's result of the arcs of each *first* customer of a
        key, in order of first appearance (see :func:`first_of_keys`), as a CSR triple.
    """
    hub, first = (key, first_rows) if first_rows is not None else first_of_keys(key)
    order = np.argsort(hub, kind="stable")
    counts = np.bincount(hub, minlength=first.shape[0])
    member_ptr = np.zeros(first.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=member_ptr[1:])
    rep_ptr, rm, value = arcs_of_rep
    return Hubs(
        weight=weight[first].astype(np.int64),
        arc_ptr=rep_ptr,
        arc_rm=rm,
        arc_value=value,
        member_ptr=member_ptr,
        members=customers[order].astype(np.int64),
        member_current=current[order].astype(np.int64),
        gated=None if gated is None else gated[first],
    )


def restrict_arcs(hubs: Hubs, keep: Bools) -> Hubs:
    """The same hubs with only the arcs where ``keep`` holds."""
    counts = np.bincount(hubs.arc_hub[keep], minlength=hubs.n)
    ptr = np.zeros(hubs.n + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    return Hubs(
        weight=hubs.weight,
        arc_ptr=ptr,
        arc_rm=hubs.arc_rm[keep],
        arc_value=hubs.arc_value[keep],
        member_ptr=hubs.member_ptr,
        members=hubs.members,
        member_current=hubs.member_current,
        gated=hubs.gated,
    )


def first_of_keys(*columns: Ints) -> tuple[Ints, Ints]:
    """(dense id per row in order of first appearance, position of each id's first row) of
    the rows of ``columns`` (integer arrays of one length), by hashing (``pandas.factorize``)
    one column at a time -- a sort of the rows as tuples is several times slower."""
    import pandas as pd

    n = columns[0].shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    ids = np.zeros(n, dtype=np.int64)
    for col in columns:
        codes, uniques = pd.factorize(col)
        ids, _ = pd.factorize(ids * np.int64(len(uniques) + 1) + codes)
    ids = ids.astype(np.int64)
    first = np.full(int(ids.max()) + 1, n, dtype=np.int64)
    np.minimum.at(first, ids, np.arange(n, dtype=np.int64))
    return ids, first


class FlowError(RuntimeError):
    """The min-cost flow solver did not return an optimal flow."""


def rm_groups(hubs: Hubs, n_rms: int) -> Ints:
    """Group id per RM: RMs with the same hubs at the same values are one node of the LP.

    Why: RMs of one branch and role (a province's marketing department, a city's wealth centre)
    are eligible for the same thousands of classes. Merging identical columns of a
    transportation problem (capacities added) leaves its optimum unchanged, and at 10^6
    customers it shrinks the network from ~4 * 10^6 arcs to ~2 * 10^4. A keep arc still names
    today's RM, but the merged node only knows the group's capacity: the LP stays a relaxation
    (its optimum is still the bound), a keep node's *hold* caps what it keeps on its own RM
    (:mod:`allocator.flow.transport`), and :func:`allocator.flow.spread.spread` enforces each
    RM's own capacity. Signatures are compared by two 64-bit random hashes of the (hub, value)
    arcs plus exact counts and sums, so a false merge is practically impossible.
    """
    if hubs.arc_rm.size == 0:
        return np.arange(n_rms, dtype=np.int64)
    rng = np.random.default_rng(12345)
    arc_hub = hubs.arc_hub
    gated = hubs.gated if hubs.gated is not None else np.zeros(hubs.n, dtype=bool)
    salt = (hubs.arc_value.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) ^ gated[
        arc_hub
    ].astype(np.uint64)
    keys = []
    for _ in range(2):
        mult = rng.integers(1, 2**63, hubs.n, dtype=np.int64).astype(np.uint64)
        h = np.zeros(n_rms, dtype=np.uint64)
        with np.errstate(over="ignore"):
            np.add.at(h, hubs.arc_rm, mult[arc_hub] * (salt | np.uint64(1)))
        keys.append(h.view(np.int64))
    keys.append(np.bincount(hubs.arc_rm, minlength=n_rms))
    keys.append(np.bincount(hubs.arc_rm, weights=arc_hub, minlength=n_rms).astype(np.int64))
    keys.append(np.bincount(hubs.arc_rm, weights=hubs.arc_value, minlength=n_rms).astype(np.int64))
    _, group = np.unique(np.stack(keys, axis=1), axis=0, return_inverse=True)
    return group.reshape(-1).astype(np.int64)


def weight_lcm(weight: Ints) -> int:
    """Least common multiple of the weights, or 0 when it exceeds ``MAX_SCALE``."""
    lcm = 1
    for x in np.unique(weight).tolist():
        lcm = math.lcm(lcm, int(x))
        if lcm > MAX_SCALE:
            return 0
    return lcm


def fraction_sum(units: Ints, value: Ints, weight: Ints) -> float:
    """sum(units * value / weight), computed in exact integers when the weights allow."""
    if units.size == 0:
        return 0.0
    lcm = weight_lcm(weight)
    if lcm:
        per_unit = value * (lcm // weight)
        estimate = float(np.abs(units.astype(np.float64) * per_unit).sum())
        if estimate < 2**62:
            return int((units * per_unit).sum()) / lcm
        return int((units.astype(object) * per_unit.astype(object)).sum()) / lcm
    return float(np.sum(units * (value / weight)))
