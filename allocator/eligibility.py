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
from allocator.tiers import combined_requirements

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


# -- flat tables ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class BranchTable:
    """Branches as arrays: index, level rank and ancestors (self first, -1 padded)."""

    ids: npt.NDArray[np.object_]
    index: dict[str, int]
    level_rank: Ints
    ancestors: Ints  # shape (B, depth)

    @classmethod
    def build(cls, branches: pd.DataFrame, policy: Policy) -> BranchTable:
        ids = branches["branch_id"].to_numpy(dtype=object)
        index = {b: i for i, b in enumerate(ids)}
        rank = {lvl: i for i, lvl in enumerate(policy.branch_levels)}
        level_rank = np.array([rank.get(v, -1) for v in branches["level"]], dtype=np.int64)
        parent = np.array([index.get(p, -1) for p in branches["parent_id"]], dtype=np.int64)
        cols = [np.arange(len(ids), dtype=np.int64)]
        for _ in range(len(policy.branch_levels) + 1):  # validation forbids cycles; depth <= levels
            nxt = np.where(cols[-1] >= 0, parent[np.maximum(cols[-1], 0)], -1)
            if (nxt < 0).all():
                break
            cols.append(nxt)
        return cls(ids, index, level_rank, np.stack(cols, axis=1))

    def is_ancestor_or_self(self, ancestor: Ints, branch: Ints) -> Bools:
        """Whether ``ancestor[i]`` is ``branch[i]`` or above it, elementwise."""
        return (self.ancestors[branch] == ancestor[:, None]).any(axis=1)


@dataclass(frozen=True)
class RmTable:
    """RMs as arrays, with certifications as bit masks (implications included)."""

    ids: npt.NDArray[np.object_]
    index: dict[str, int]
    line: npt.NDArray[np.object_]
    active: Bools
    unit: npt.NDArray[np.object_]
    cert_mask: Ints
    grade_rank: Ints
    branch: Ints
    capacity: npt.NDArray[np.float64]  # workload points; 0 when inactive
    cert_bits: dict[str, int]

    @classmethod
    def build(cls, rms: pd.DataFrame, branches: BranchTable, policy: Policy) -> RmTable:
        ids = rms["rm_id"].to_numpy(dtype=object)
        held = [
            policy.expand_certifications({t for t in str(s).split(";") if t})
            for s in rms["certifications"]
        ]
        vocab = sorted(set().union(*held, *(r.certifications for r in _all_reqs(policy))))
        if len(vocab) > 62:
            raise ValueError("more than 62 distinct certifications are not supported")
        bits = {c: 1 << i for i, c in enumerate(vocab)}
        mask = np.array([sum(bits[c] for c in h) for h in held], dtype=np.int64)
        grade = {g: i for i, g in enumerate(policy.grades)}
        line = rms["line"].to_numpy(dtype=object)
        active = rms["active"].to_numpy(dtype=bool)
        default = np.array([policy.default_capacity.get(v, 0.0) for v in line], dtype=float)  # type: ignore[call-overload]
        cap = rms["capacity"].to_numpy(dtype=float)
        cap = np.where(np.isnan(cap), default, cap)
        return cls(
            ids=ids,
            index={r: i for i, r in enumerate(ids)},
            line=line,
            active=active,
            unit=rms["unit"].to_numpy(dtype=object),
            cert_mask=mask,
            grade_rank=np.array([grade.get(g, -1) for g in rms["grade"]], dtype=np.int64),
            branch=np.array([branches.index.get(b, -1) for b in rms["branch_id"]], dtype=np.int64),
            capacity=np.where(active, cap, 0.0),
            cert_bits=bits,
        )


def index_of(
    ids: npt.NDArray[np.object_], index: dict[str, int], values: pd.Series | npt.ArrayLike
) -> Ints:
    """Position of each of ``values`` in ``ids`` (-1 when absent), vectorised with a hash index.

    ``index`` is the same mapping as a dict, used only when ``ids`` has duplicates (validation
    forbids them; hand-made frames stay correct).
    """
    table = pd.Index(ids)
    if not table.is_unique:
        return np.array([index.get(str(v), -1) for v in np.asarray(values)], dtype=np.int64)
    # factorise first: a few thousand distinct ids are looked up, not a million strings
    codes, uniques = pd.factorize(
        np.asarray(values) if not isinstance(values, pd.Series) else values
    )
    found = table.get_indexer(pd.Index(np.asarray(uniques, dtype=object))).astype(np.int64)
    out = np.full(codes.shape[0], -1, dtype=np.int64)
    seen = codes >= 0
    out[seen] = found[codes[seen]]
    return out


def _all_reqs(policy: Policy) -> list:  # type: ignore[type-arg]
    return [*policy.tiers.values(), *policy.bands.values()]


@dataclass(frozen=True)
class ClassTable:
    """Customer classes (line, branch, base tier, band) with their requirements as arrays."""

    class_of: Ints  # per customer; -1 for pooled customers (they get no RM)
    line: npt.NDArray[np.object_]
    branch: Ints
    base_tier: npt.NDArray[np.object_]
    band: npt.NDArray[np.object_]
    units: list[frozenset[str] | None]
    cert_mask: Ints
    certs: list[tuple[str, ...]]
    min_grade: Ints  # -1: none
    min_level: Ints  # -1: none
    one_to_one: Bools

    @property
    def n(self) -> int:
        return int(self.line.shape[0])


def build_classes(
    customers: pd.DataFrame,
    tiers: pd.DataFrame,
    branches: BranchTable,
    rms: RmTable,
    policy: Policy,
) -> ClassTable:
    """Group non-pooled customers into classes of identical eligibility."""
    keys = pd.DataFrame(
        {
            "line": customers["segment"].to_numpy(dtype=object),
            "branch": index_of(branches.ids, branches.index, customers["branch_id"]),
            "base_tier": tiers["base_tier"].to_numpy(dtype=object),
            "band": tiers["band"].to_numpy(dtype=object),
        }
    )
    open_ = ~tiers["pooled"].to_numpy(dtype=bool) & (keys["base_tier"].to_numpy() != "")
    class_of = np.full(len(keys), -1, dtype=np.int64)
    # classes numbered in order of first appearance (as drop_duplicates would), by factorising
    # one integer key per row: a merge of a million rows on four columns costs seconds
    sub = keys[open_]
    combined = np.zeros(len(sub), dtype=np.int64)
    for column in sub.columns:
        codes, uniques = pd.factorize(sub[column].to_numpy(), use_na_sentinel=False)
        combined = combined * (len(uniques) + 1) + codes
    class_codes, _ = pd.factorize(combined)
    _, first = np.unique(class_codes, return_index=True)
    uniq = sub.iloc[first].reset_index(drop=True)
    class_of[open_] = class_codes
    grade = {g: i for i, g in enumerate(policy.grades)}
    level = {lv: i for i, lv in enumerate(policy.branch_levels)}
    reqs = [
        combined_requirements(policy, t, b)
        for t, b in zip(uniq["base_tier"], uniq["band"], strict=True)
    ]
    one_to_one = np.array([r.one_to_one and policy.rules.one_to_one for r in reqs], dtype=bool)
    return ClassTable(
        class_of=class_of,
        line=uniq["line"].to_numpy(dtype=object),
        branch=uniq["branch"].to_numpy(dtype=np.int64),
        base_tier=uniq["base_tier"].to_numpy(dtype=object),
        band=uniq["band"].to_numpy(dtype=object),
        units=[frozenset(r.units) if r.units is not None else None for r in reqs],
        cert_mask=np.array(
            [sum(rms.cert_bits[c] for c in r.certifications) for r in reqs], dtype=np.int64
        ),
        certs=[tuple(r.certifications) for r in reqs],
        min_grade=np.array(
            [grade[r.min_grade] if r.min_grade else -1 for r in reqs], dtype=np.int64
        ),
        min_level=np.array(
            [level[r.min_branch_level] if r.min_branch_level else -1 for r in reqs], dtype=np.int64
        ),
        one_to_one=one_to_one,
    )


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
        return np.array(
            [cls.units[ki] is None or rms.unit[ri] in cls.units[ki] for ki, ri in pairs],
            dtype=bool,
        )
    # one bit per unit name: a class's units are a mask, so no pass over the pairs per class
    names = sorted({str(u) for u in rms.unit} | {u for us in cls.units if us for u in us})
    if len(names) > 62:  # pragma: no cover - the policy knows four units
        keep = np.ones(k.shape[0], dtype=bool)
        rm_unit = rms.unit[r]
        for ci, units in enumerate(cls.units):
            if units is not None:
                sel = k == ci
                keep[sel] = np.isin(rm_unit[sel], list(units))
        return keep
    bit = {u: 1 << i for i, u in enumerate(names)}
    rm_bit = np.array([bit[str(u)] for u in rms.unit], dtype=np.int64)
    want = np.array(
        [-1 if us is None else sum(bit[u] for u in us) for us in cls.units], dtype=np.int64
    )
    if k.shape[0] == 0:
        return np.ones(0, dtype=bool)
    return (want[k] & rm_bit[r]) != 0


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
    """Pairs (class, RM) where the RM is of the class's line and, under the branch-scope rule,
    sits at the class's branch or an ancestor of it."""
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
    # same line, compared as integer codes (object comparisons of millions of pairs are slow)
    line_codes, _ = pd.factorize(np.concatenate([cls.line, rms.line]), use_na_sentinel=False)
    keep = line_codes[: cls.n][k] == line_codes[cls.n :][r]
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
