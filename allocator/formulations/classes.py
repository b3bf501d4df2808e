"""Interchangeable customers, counted instead of listed: the MILP's aggregation step.

Why: a bank has many customers the objective cannot tell apart -- the same eligible RMs, the
same workload and value on each, the same RM today (or none), the same lock state, in no group
and not one-to-one. Any plan can swap two of them without changing a stage value or a hard rule,
so the MILP over one binary per (customer, RM) is full of symmetric optima, and HiGHS spends its
time branching between them. Counting them instead -- one integer column per (*class*, RM): how
many of the class go to that RM, bounded by the class size -- removes that symmetry.

Why it is exact (the optimum is the same): every row of the model is linear in the pairs, and
the pairs of one class have the same coefficients in every row and objective (capacity, value,
moves and drops against the shared RM of today, move caps from that RM, balance), so a plan's
rows and objectives depend only on its counts. Conversely any counts within the class sizes
are met by some plan (:meth:`Classes.disaggregate`). The only row that is not a plain sum --
"a dedicated RM serves no other unit", ``x + d <= 1`` per customer -- becomes
``z + size * d <= size``, which is exactly the sum of the members' rows and, the class members
being interchangeable, holds for counts exactly when it holds for some (every) spread of them.
The LP relaxation is the symmetric one of the plain model, so its bound is the same too.

Customers in a group or one-to-one are never aggregated (their rows name them one by one), and
a customer alone in its class is a binary column as before: without aggregation
(:func:`build_classes` with ``aggregate=False``) the columns are exactly the pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from allocator.problem import Problem

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

#: odd 64-bit multipliers for the pair hash (splitmix64's constants)
_K = (0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB)


def rank_within(sorted_groups: Ints) -> Ints:
    """Position of each entry inside its run of equal values (``sorted_groups`` ascending)."""
    n = sorted_groups.shape[0]
    return np.arange(n, dtype=np.int64) - np.searchsorted(sorted_groups, sorted_groups)


@dataclass(frozen=True)
class Classes:
    """Customers partitioned into classes of interchangeable ones, and the model's columns.

    Attributes
    ----------
    customer_class : numpy.ndarray of int64, shape (C,)
        The class of each customer (every customer has one; a class of one is a plain customer).
        Classes are numbered in the order of their first member.
    size : numpy.ndarray of int64, shape (K,)
        Members of each class.
    rep : numpy.ndarray of int64, shape (K,)
        Each class's first member: its pairs stand for the class's.
    col_class, col_pair : numpy.ndarray of int64, shape (X,)
        Each column's class, and the representative's pair it counts (its RM, weight, value).
        Columns are sorted by class, then RM.
    col_key : numpy.ndarray of int64, shape (X,)
        ``class * n_rms + rm`` of each column (ascending).
    """

    problem: Problem
    customer_class: Ints
    size: Ints
    rep: Ints
    col_class: Ints
    col_pair: Ints
    col_key: Ints

    @property
    def n_cols(self) -> int:
        return int(self.col_pair.shape[0])

    @property
    def n_classes(self) -> int:
        return int(self.size.shape[0])

    @property
    def col_rm(self) -> Ints:
        return self.problem.pair_rm[self.col_pair].astype(np.int64)

    @property
    def col_weight(self) -> Ints:
        return self.problem.pair_weight[self.col_pair]

    @property
    def col_value(self) -> Ints:
        return self.problem.pair_value[self.col_pair]

    @property
    def col_customer(self) -> Ints:
        """The representative customer of each column's class (group, one-to-one, today's RM
        and lock state are the same for every member)."""
        return self.rep[self.col_class]

    @property
    def col_size(self) -> Ints:
        """Each column's upper bound: the size of its class."""
        return self.size[self.col_class]

    def columns_of(self, customers: Ints, rms: Ints) -> Ints:
        """The column counting ``customers[i]`` at ``rms[i]``, -1 where there is none."""
        key = self.customer_class[customers] * self.problem.n_rms + rms
        pos = np.minimum(np.searchsorted(self.col_key, key), max(self.n_cols - 1, 0))
        found = (rms >= 0) & (self.col_key[pos] == key) if self.n_cols else rms < -1
        return np.where(found, pos, -1).astype(np.int64)

    def counts(self, assignment: npt.ArrayLike) -> Floats:
        """How many of each class an assignment gives each RM (the column vector's ``x`` part).

        Raises
        ------
        ValueError
            If an assigned customer has no pair with its RM.
        """
        a = np.asarray(assignment, dtype=np.int64)
        on = np.flatnonzero(a >= 0)
        col = self.columns_of(on, a[on])
        if (col < 0).any():
            raise ValueError(f"customers {on[col < 0][:5].tolist()} have no pair with their RM")
        return np.bincount(col, minlength=self.n_cols).astype(np.float64)

    def disaggregate(self, counts: npt.ArrayLike, reference: npt.ArrayLike | None = None) -> Ints:
        """An assignment meeting ``counts`` (rounded, and cut to the class sizes).

        Members keep their RM in ``reference`` (a start, today's book) wherever the counts
        allow, so a solve that changes little in counts changes little in names; the remaining
        places go to the remaining members in customer order. Every member of a class has the
        same RM today, so who gets which place changes no stage value.
        """
        p = self.problem
        z = np.clip(np.rint(np.asarray(counts, dtype=np.float64)), 0, None).astype(np.int64)
        out = np.full(p.n_customers, -1, dtype=np.int64)
        if self.n_cols == 0:
            return out
        ref = np.full(p.n_customers, -1, dtype=np.int64)
        if reference is not None:
            ref = np.asarray(reference, dtype=np.int64)
        # 1. members on their reference RM, up to that column's count
        cand = np.flatnonzero(ref >= 0)
        col = self.columns_of(cand, ref[cand])
        cand, col = cand[col >= 0], col[col >= 0]
        order = np.lexsort((cand, col))
        cand, col = cand[order], col[order]
        keep = rank_within(col) < z[col]
        out[cand[keep]] = ref[cand[keep]]
        left = z - np.bincount(col[keep], minlength=self.n_cols)
        # 2. the places left, class by class, to the members left, in customer order
        slot_col = np.repeat(np.arange(self.n_cols, dtype=np.int64), left)
        slot_class = self.col_class[slot_col]
        free = np.flatnonzero(out < 0)
        free = free[np.argsort(self.customer_class[free], kind="stable")]
        free_class = self.customer_class[free]
        width = p.n_customers + 1
        want = slot_class * width + rank_within(slot_class)
        have = free_class * width + rank_within(free_class)
        pos = np.minimum(np.searchsorted(have, want), max(free.size - 1, 0))
        hit = (have[pos] == want) if free.size else np.zeros(want.size, dtype=bool)
        out[free[pos[hit]]] = self.col_rm[slot_col[hit]]
        return out


def build_classes(problem: Problem, aggregate: bool = True) -> Classes:
    """The classes of ``problem``: interchangeable customers together when ``aggregate``,
    otherwise every customer alone (the columns are then the pairs, in order).

    Customers are interchangeable when they have the same pairs (RM, weight, value), the same
    RM today, the same lock state and are in no group and not one-to-one. Candidates are found
    by a hash of their pairs and then compared pair by pair, so a hash collision only costs a
    missed aggregation, never a wrong one.
    """
    p = problem
    n = p.n_customers
    ptr = p.customer_ptr
    deg = np.diff(ptr)
    label = np.arange(n, dtype=np.int64) + 1  # alone: a label of its own (> 0)
    plain = (p.group < 0) & ~p.exclusive & (deg > 0)
    if aggregate and plain.any():
        h = _customer_hash(p)
        c = np.flatnonzero(plain)
        keys = np.stack(
            [deg[c], h[c].view(np.int64), p.current[c].astype(np.int64), p.required[c]], axis=1
        )
        _, first, inv = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        inv = inv.reshape(-1)
        rep = c[first][inv]
        same = _same_pairs(p, c, rep)
        label[c[same]] = -1 - rep[same]  # together: labelled by the first member (< 0)
    _, first, inv = np.unique(label, return_index=True, return_inverse=True)
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    customer_class = rank[inv.reshape(-1)]
    size = np.bincount(customer_class, minlength=first.size).astype(np.int64)
    rep = np.sort(first).astype(np.int64)
    rep_deg = deg[rep]
    col_class = np.repeat(np.arange(rep.size, dtype=np.int64), rep_deg)
    col_pair = np.repeat(ptr[rep], rep_deg) + rank_within(col_class)
    col_key = col_class * p.n_rms + p.pair_rm[col_pair]
    return Classes(p, customer_class, size, rep, col_class, col_pair, col_key)


def _customer_hash(p: Problem) -> npt.NDArray[np.uint64]:
    """A 64-bit hash of each customer's set of pairs (order-free: a sum of pair hashes)."""
    with np.errstate(over="ignore"):
        x = p.pair_rm.astype(np.uint64) * np.uint64(_K[0])
        x ^= p.pair_weight.view(np.uint64) * np.uint64(_K[1])
        x ^= p.pair_value.view(np.uint64) * np.uint64(_K[2])
        x ^= x >> np.uint64(31)
        x *= np.uint64(_K[1])
        x ^= x >> np.uint64(29)
        out = np.zeros(p.n_customers, dtype=np.uint64)
        np.add.at(out, p.pair_customer, x)
    return out


def _same_pairs(p: Problem, c: Ints, rep: Ints) -> npt.NDArray[np.bool_]:
    """Whether each customer ``c[i]`` has exactly the pairs of ``rep[i]`` (same degree)."""
    ptr = p.customer_ptr
    deg = (ptr[c + 1] - ptr[c]).astype(np.int64)
    owner = np.repeat(np.arange(c.size, dtype=np.int64), deg)
    offset = rank_within(owner)
    mine = ptr[c][owner] + offset
    theirs = ptr[rep][owner] + offset
    differ = (
        (p.pair_rm[mine] != p.pair_rm[theirs])
        | (p.pair_weight[mine] != p.pair_weight[theirs])
        | (p.pair_value[mine] != p.pair_value[theirs])
    )
    return np.bincount(owner[differ], minlength=c.size) == 0
