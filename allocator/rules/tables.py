"""The bank as flat arrays for the rules: branches, RMs and customer classes.

Eligibility is computed per *class* of customers (same line, home branch, tier and band) and per
RM; these tables hold what the rules compare, as NumPy arrays with certifications as bit masks.
Built once per compile; read by the rules, the reasons and the explanations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.contract import parse_certifications
from allocator.policy import Policy
from allocator.rules.tiers import combined_requirements

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
            policy.expand_certifications(set(parse_certifications(s)))
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
