"""Who may serve whom: the pairwise hard rules of the policy, one function per rule.

Customers that share a line, home branch, tier and band have the same eligible RMs, so eligibility
is computed once per such *class* and then expanded to customers. Candidates come from the branch
tree (RMs of the customer's line at its branch or an ancestor); each rule then keeps a subset. The
count of candidates left after each rule is kept as a *funnel*: the first rule that leaves none is
the reason a branch head reads ("no CFP holder in the wealth or VIP centres above C0S1O2").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.policy import Policy
from allocator.rules.tables import BranchTable, ClassTable, RmTable

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


# -- the rules, one function each -----------------------------------------------------------------
# Each takes the candidate pairs (class index k, RM index r, as arrays) and returns a keep-mask.
PairRule = Callable[[Ints, Ints, ClassTable, RmTable, BranchTable], Bools]


def rule_active(k: Ints, r: Ints, cls: ClassTable, rms: RmTable, br: BranchTable) -> Bools:
    """An inactive RM (left, on leave) gets no customer."""
    return rms.active[r]


def rule_unit(k: Ints, r: Ints, cls: ClassTable, rms: RmTable, br: BranchTable) -> Bools:
    """The RM sits in a unit the tier asks for (wealth/VIP centre for private, outlet for mid)."""
    if k.shape[0] <= 64:  # reasons and explanations ask about a pair or two at a time
        pairs = zip(k.tolist(), r.tolist(), strict=True)
        ok = np.array(
            [cls.units[ki] is None or rms.unit[ri] in cls.units[ki] for ki, ri in pairs],
            dtype=bool,
        )
        return ok & _designated(k, r, cls, rms)
    # one bit per unit name: a class's units are a mask, so no pass over the pairs per class
    names = sorted({str(u) for u in rms.unit} | {u for us in cls.units if us for u in us})
    if len(names) > 62:  # pragma: no cover - the policy knows four units
        keep = np.ones(k.shape[0], dtype=bool)
        rm_unit = rms.unit[r]
        for ci, units in enumerate(cls.units):
            if units is not None:
                sel = k == ci
                keep[sel] = np.isin(rm_unit[sel], list(units))
        return keep & _designated(k, r, cls, rms)
    bit = {u: 1 << i for i, u in enumerate(names)}
    rm_bit = np.array([bit[str(u)] for u in rms.unit], dtype=np.int64)
    want = np.array(
        [-1 if us is None else sum(bit[u] for u in us) for us in cls.units], dtype=np.int64
    )
    if k.shape[0] == 0:
        return np.ones(0, dtype=bool)
    return ((want[k] & rm_bit[r]) != 0) & _designated(k, r, cls, rms)


def _designated(k: Ints, r: Ints, cls: ClassTable, rms: RmTable) -> Bools:
    """A tier that needs a designated VIP centre (``coverage.designated_tiers``) is served by a
    VIP centre only when that centre is designated."""
    return ~(cls.needs_designation[k] & (rms.unit[r] == "vip_center") & ~rms.designated[r])


def rule_certification(k: Ints, r: Ints, cls: ClassTable, rms: RmTable, br: BranchTable) -> Bools:
    """The RM holds every certification the tier asks for (CFP also meets AFP)."""
    need = cls.cert_mask[k]
    return (rms.cert_mask[r] & need) == need


def rule_grade(k: Ints, r: Ints, cls: ClassTable, rms: RmTable, br: BranchTable) -> Bools:
    """Contribution matches grade: key corporate customers need a senior/intermediate RM."""
    return rms.grade_rank[r] >= cls.min_grade[k]


def rule_branch_level(k: Ints, r: Ints, cls: ClassTable, rms: RmTable, br: BranchTable) -> Bools:
    """Named-list customers are served from the province or city: the RM's branch level counts."""
    rm_level = np.where(rms.branch[r] >= 0, br.level_rank[np.maximum(rms.branch[r], 0)], -1)
    return rm_level >= cls.min_level[k]


#: pairwise rules after the candidate step (line and branch scope), in funnel order
PAIR_RULES: tuple[tuple[str, PairRule], ...] = (
    ("active", rule_active),
    ("unit", rule_unit),
    ("certification", rule_certification),
    ("grade", rule_grade),
    ("branch_level", rule_branch_level),
)
FUNNEL_STAGES = ("scope", *(name for name, _ in PAIR_RULES))


# -- candidates and the funnel --------------------------------------------------------------------
def csr_expand(starts: Ints, counts: Ints) -> tuple[Ints, Ints]:
    """For owners with ``counts[i]`` items starting at ``starts[i]``: (owner, item position) pairs.

    The workhorse of vectorised expansion: no Python loop over owners or items.
    """
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    owner = np.repeat(np.arange(counts.shape[0], dtype=np.int64), counts)
    first = np.cumsum(counts) - counts
    pos = np.asarray(starts, dtype=np.int64)[owner] + (
        np.arange(total, dtype=np.int64) - first[owner]
    )
    return owner, pos


def scope_candidates(
    cls: ClassTable, rms: RmTable, br: BranchTable, policy: Policy
) -> tuple[Ints, Ints]:
    """Pairs (class, RM) where the RM is of the class's line (or a composite RM, contract v1.1),
    holds an RM position (not an executive's or an assistant's), and, under the branch-scope
    rule, sits at the class's branch or an ancestor of it."""
    if cls.n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    if policy.rules.branch_scope:
        anc = br.ancestors[np.maximum(cls.branch, 0)]
        anc = np.where(cls.branch[:, None] >= 0, anc, -1)
        kk, dd = np.nonzero(anc >= 0)
        bb = anc[kk, dd]
        order = np.argsort(rms.branch, kind="stable")
        sorted_branch = rms.branch[order]
        starts = np.searchsorted(sorted_branch, bb, side="left")
        counts = np.searchsorted(sorted_branch, bb, side="right") - starts
        owner, pos = csr_expand(starts, counts)
        k, r = kk[owner], order[pos]
    else:
        k, r = csr_expand(np.zeros(cls.n, np.int64), np.full(cls.n, rms.ids.shape[0], np.int64))
    # same line, compared as integer codes (object comparisons of millions of pairs are slow);
    # a composite RM serves both lines; only a position ``rm`` serves customers at all
    line_codes, _ = pd.factorize(np.concatenate([cls.line, rms.line]), use_na_sentinel=False)
    keep = (line_codes[: cls.n][k] == line_codes[cls.n :][r]) | rms.composite[r]
    keep &= rms.position[r] == "rm"
    k, r = k[keep], r[keep]
    # each (class, RM) occurs once (an RM sits at one branch), so sorting one integer key gives
    # the order of lexsort((r, k)) at a fraction of the cost
    width = np.int64(rms.ids.shape[0] + 1)
    key = np.sort(k * width + r)
    return key // width, key % width


@dataclass(frozen=True)
class ClassPairs:
    """Eligible (class, RM) pairs, sorted by class then RM, with the funnel per class."""

    k: Ints
    r: Ints
    funnel: pd.DataFrame  # index: class; one column per FUNNEL_STAGES: candidates left
    first_empty: npt.NDArray[np.object_]  # per class: the first stage that left none, or ""


def eligible_class_pairs(
    cls: ClassTable, rms: RmTable, br: BranchTable, policy: Policy
) -> ClassPairs:
    """Apply every pairwise rule to the scope candidates, keeping the funnel."""
    k, r = scope_candidates(cls, rms, br, policy)
    counts = {"scope": np.bincount(k, minlength=cls.n)}
    for name, rule in PAIR_RULES:
        keep = rule(k, r, cls, rms, br)
        k, r = k[keep], r[keep]
        counts[name] = np.bincount(k, minlength=cls.n)
    funnel = pd.DataFrame(counts)
    first_empty = np.full(cls.n, "", dtype=object)
    for name in reversed(FUNNEL_STAGES):
        first_empty[funnel[name].to_numpy() == 0] = name
    return ClassPairs(k=k, r=r, funnel=funnel, first_empty=first_empty)


def pair_is_eligible(customer_class: Ints, rm: Ints, pairs: ClassPairs, n_rms: int) -> Bools:
    """Whether each (class, RM) is an eligible pair (vectorised lookup)."""
    key = pairs.k * (n_rms + 1) + pairs.r
    want = customer_class * (n_rms + 1) + rm
    pos = np.searchsorted(key, want)
    ok = (pos < key.shape[0]) & (customer_class >= 0) & (rm >= 0)
    pos = np.minimum(pos, max(key.shape[0] - 1, 0))
    return ok & (key[pos] == want) if key.shape[0] else np.zeros_like(ok)


def failed_rule(
    k: int, r: int, cls: ClassTable, rms: RmTable, br: BranchTable, policy: Policy
) -> str:
    """The first rule the pair (class ``k``, RM ``r``) breaks, or "" if none (for explanations)."""
    kk = np.array([k], dtype=np.int64)
    rr = np.array([r], dtype=np.int64)
    if cls.line[k] != rms.line[r]:
        return "line"
    if not rms.active[r]:  # the most telling reason first: the RM left or is on leave
        return "active"
    if policy.rules.branch_scope and not (
        cls.branch[k] >= 0
        and rms.branch[r] >= 0
        and br.is_ancestor_or_self(rms.branch[rr], cls.branch[kk])[0]
    ):
        return "scope"
    for name, rule in PAIR_RULES:
        if not rule(kk, rr, cls, rms, br)[0]:
            return name
    return ""
