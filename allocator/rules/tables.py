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
    levels: tuple[str, ...] = ()  # the policy's level names, low to high

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
        return cls(ids, index, level_rank, np.stack(cols, axis=1), tuple(policy.branch_levels))

    def level_of(self, branch_id: str) -> str:
        """The level name of a branch ("" when unknown)."""
        i = self.index.get(branch_id, -1)
        return self.levels[self.level_rank[i]] if i >= 0 and self.level_rank[i] >= 0 else ""

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
    #: ``rm`` serves customers; executives co-cover; the assistant post serves nobody
    position: npt.NDArray[np.object_]
    #: a VIP centre designated to serve private customers
    designated: Bools
    #: serves customers of both lines (``line: both`` at a branch level the policy allows)
    composite: Bools

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
        both = max(policy.default_capacity.values())  # a composite RM: the larger default
        default = np.array(
            [policy.default_capacity.get(v, both) for v in line],  # type: ignore[call-overload]
            dtype=float,
        )
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
            position=_column(rms, "position", "rm"),
            designated=_column(rms, "designated_private", False).astype(bool),
            composite=(line == "both")
            & np.isin(
                np.array([branches.level_of(b) for b in rms["branch_id"]], dtype=object),
                policy.coverage.composite_levels,
            ),
        )


def _column(frame: pd.DataFrame, name: str, default: object) -> npt.NDArray[np.object_]:
    """A v1.1 column as an array, ``default`` where the frame has none (an absent column, or a
    missing or empty cell of a frame built by hand or by a scenario edit)."""
    if name not in frame.columns:
        return np.full(len(frame), default, dtype=object)
    values = frame[name].to_numpy(dtype=object).copy()
    values[pd.isna(values) | (values == "")] = default
    return values


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
    needs_designation: Bools  # VIP centres must be designated_private (coverage.designated_tiers)

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
    # a key account is one-to-one unless the policy serves key accounts by teams (v1.1)
    dedicated = policy.rules.one_to_one and policy.coverage.key_accounts == "one_to_one"
    one_to_one = np.array([r.one_to_one and dedicated for r in reqs], dtype=bool)
    designated = set(policy.coverage.designated_tiers)
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
        needs_designation=np.array(
            [
                t in designated or b in designated
                for t, b in zip(uniq["base_tier"], uniq["band"], strict=True)
            ],
            dtype=bool,
        ),
    )
