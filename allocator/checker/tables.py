"""The checker's own reading of the rules' inputs: expected tiers, RMs with what the rules compare,
the branch tree, and which pairwise rule a (customer, RM) pair breaks.

Deliberately plain and independent of :mod:`allocator.rules`: if the checker shared the
compiler's code it would share its bugs.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.checker.frames import as_str, column_or, member, text_series
from allocator.checker.report import PAIR_RULES
from allocator.contract import parse_certifications
from allocator.instance import Instance
from allocator.policy import Policy, Requirements


def ancestors(branches: pd.DataFrame) -> dict[str, frozenset[str]]:
    """Each branch with itself and every ancestor (walking ``parent_id``; cycles are cut)."""
    parent = dict(zip(as_str(branches["branch_id"]), as_str(branches["parent_id"]), strict=True))
    out: dict[str, frozenset[str]] = {}
    for start in parent:
        seen: list[str] = []
        node = start
        while node and node not in seen:
            seen.append(node)
            node = parent.get(node, "")
        out[start] = frozenset(seen)
    return out


def expected_tiers(customers: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Tier of every customer, re-derived from the policy.

    The tiers of the customer's line are tried in policy order, the first whose conditions hold
    (``aum >= aum_min``, ``list_tier`` equal) wins; then the bands of the line, highest
    ``contribution_min`` first, and the first the customer's contribution meets names its tier.
    Returns ``base_tier``, ``band`` ("" when none), ``expected_tier`` (the plan's label),
    ``pooled``, ``served`` (an individually served tier), ``workload``, ``priority`` and
    ``one_to_one`` (only when the rule is switched on), on a fresh range index.
    """
    n = len(customers)
    segment = as_str(customers["segment"]).to_numpy()
    list_tier = as_str(column_or(customers, "list_tier", "")).to_numpy()
    aum = pd.to_numeric(customers["aum"]).to_numpy(dtype=float)
    contribution = pd.to_numeric(customers["annual_contribution"]).to_numpy(dtype=float)

    base = np.full(n, "", dtype=object)
    band = np.full(n, "", dtype=object)
    for line in sorted({t.line for t in policy.tiers.values()}):
        tiers = [(k, t) for k, t in policy.tiers.items() if t.line == line]  # in policy order
        bands = [(k, b) for k, b in policy.bands.items() if b.line == line]
        bands.sort(key=lambda kb: -kb[1].contribution_min)  # stable: ties keep policy order
        open_ = segment == line
        for name, tier in tiers:
            hit = open_.copy()
            if tier.aum_min is not None:
                hit &= aum >= tier.aum_min
            if tier.list_tier is not None:
                hit &= list_tier == tier.list_tier
            base[hit] = name
            open_ &= ~hit
        pooled_names = [k for k, t in tiers if t.pooled]
        open_ = (segment == line) & (base != "") & ~np.isin(base, pooled_names)
        for name, b in bands:
            hit = open_ & (contribution >= b.contribution_min)
            band[hit] = name
            open_ &= ~hit

    workload = np.zeros(n, dtype=float)
    priority = np.zeros(n, dtype=np.int64)
    pooled = np.zeros(n, dtype=bool)
    one_to_one = np.zeros(n, dtype=bool)
    for name, tier in policy.tiers.items():
        hit = base == name
        workload[hit] = tier.workload
        priority[hit] = tier.priority
        pooled[hit] = tier.pooled
        one_to_one[hit] = tier.one_to_one
    for name, b in policy.bands.items():
        hit = band == name
        priority[hit] = b.priority
        if b.workload is not None:
            workload[hit] = b.workload
        one_to_one[hit] |= b.one_to_one
    if not policy.rules.one_to_one or policy.coverage.key_accounts != "one_to_one":
        one_to_one[:] = False  # switched off, or key accounts served by teams
    dedicated = policy.rules.one_to_one and policy.coverage.key_accounts == "one_to_one"
    held = held_by_hysteresis(customers, base, band, policy)
    for name in set(held) - {""}:
        hit = held == name
        if name in policy.bands:
            band[hit] = name
            priority[hit] = policy.bands[name].priority
            if policy.bands[name].workload is not None:
                workload[hit] = policy.bands[name].workload
            one_to_one[hit] |= policy.bands[name].one_to_one and dedicated
        else:
            tier = policy.tiers[name]
            base[hit] = name
            workload[hit], priority[hit], pooled[hit] = tier.workload, tier.priority, tier.pooled
            one_to_one[hit] = tier.one_to_one and dedicated
    return pd.DataFrame(
        {
            "base_tier": text_series(base),
            "band": text_series(band),
            "expected_tier": text_series(np.where(band != "", band, base)),
            "pooled": pooled,
            "served": (base != "") & ~pooled,
            "workload": workload,
            "priority": priority,
            "one_to_one": one_to_one,
            "held": text_series(held),
        },
    )


def held_by_hysteresis(
    customers: pd.DataFrame, base: np.ndarray, band: np.ndarray, policy: Policy
) -> np.ndarray:
    """The tier each customer keeps by the hysteresis rule ("" for none), row by row.

    A customer whose ``previous_tier`` is worth more (a higher priority) than the tier its
    value gives today keeps it while ``months_below`` is under the policy's wait -- when that
    tier is one a customer is in by value (an ``aum_min`` tier or a contribution band) and of
    the customer's line. Named lists are decisions, not values: never held.
    """
    n = len(customers)
    out = np.full(n, "", dtype=object)
    if not policy.hysteresis.enabled or "previous_tier" not in customers.columns:
        return out
    previous = as_str(customers["previous_tier"]).to_numpy()
    months = pd.to_numeric(column_or(customers, "months_below", 0)).fillna(0).to_numpy()
    segment = as_str(customers["segment"]).to_numpy()
    by_value = {k: t for k, t in policy.tiers.items() if t.aum_min is not None and not t.pooled}
    for i in np.flatnonzero(previous != ""):
        name = previous[i]
        spec = by_value.get(name) or policy.bands.get(name)
        if spec is None or spec.line != segment[i]:
            continue
        today = band[i] or base[i]
        worth_today = (
            policy.bands[today].priority
            if today in policy.bands
            else policy.tiers[today].priority
            if today in policy.tiers
            else 0
        )
        if spec.priority > worth_today and months[i] < policy.hysteresis.wait(name):
            out[i] = name
    return out


def rm_table(instance: Instance, policy: Policy) -> pd.DataFrame:
    """RMs indexed by ``rm_id`` with what the rules compare: capacity (policy default filled),
    grade rank, branch level rank, and one column per certification set the policy requires."""
    rms = instance.rms.drop_duplicates("rm_id").reset_index(drop=True)
    line = as_str(rms["line"])
    levels = dict(
        zip(
            as_str(instance.branches["branch_id"]),
            as_str(instance.branches["level"]),
            strict=True,
        )
    )
    grade_rank = {g: i for i, g in enumerate(policy.grades)}
    level_rank = {lv: i for i, lv in enumerate(policy.branch_levels)}
    capacity = pd.to_numeric(column_or(rms, "capacity", np.nan)).astype(float)
    default = line.map({k: float(v) for k, v in policy.default_capacity.items()}).astype(float)
    default = default.fillna(float(max(policy.default_capacity.values())))  # line "both"
    branch = as_str(rms["branch_id"])
    level = branch.map(levels).fillna("")
    table = pd.DataFrame(
        {
            "rm_id": as_str(rms["rm_id"]),
            "line": line,
            "active": column_or(rms, "active", True).fillna(True).astype(bool),
            "branch": branch,
            "unit": as_str(column_or(rms, "unit", "outlet")).replace("", "outlet"),
            "grade_rank": as_str(rms["grade"]).map(grade_rank).fillna(-1).astype(int),
            "level_rank": branch.map(levels).map(level_rank).fillna(-1).astype(int),
            "capacity": capacity.fillna(default),
            "position": as_str(column_or(rms, "position", "rm")).replace("", "rm"),
            "designated": column_or(rms, "designated_private", False).fillna(False).astype(bool),
            # a composite RM (line both) serves both lines where the policy allows its level
            "composite": (line == "both") & level.isin(policy.coverage.composite_levels),
            "co_cover_capacity": pd.to_numeric(column_or(rms, "co_cover_capacity", np.nan)),
        }
    ).set_index("rm_id")
    held = [
        implied_certifications(set(parse_certifications(s)), policy)
        for s in as_str(column_or(rms, "certifications", ""))
    ]
    for need in certification_sets(policy):
        table[cert_column(need)] = [need <= h for h in held]
    return table


def implied_certifications(held: set[str], policy: Policy) -> frozenset[str]:
    """``held`` and everything it implies, transitively (CFP implies AFP; chains are followed)."""
    out = set(held)
    todo = list(held)
    while todo:
        for implied in policy.certification_implies.get(todo.pop(), []):
            if implied not in out:
                out.add(implied)
                todo.append(implied)
    return frozenset(out)


def certification_sets(policy: Policy) -> set[frozenset[str]]:
    reqs: list[Requirements] = [*policy.tiers.values(), *policy.bands.values()]
    return {frozenset(r.certifications) for r in reqs if r.certifications}


def cert_column(need: frozenset[str]) -> str:
    return "holds:" + ";".join(sorted(need))


def in_scope(
    branches: pd.Series, rm_branches: pd.Series, ancestors: Mapping[str, frozenset[str]]
) -> npt.NDArray[np.bool_]:
    """Whether each RM's branch is the customer's branch or one above it, pair by pair.

    The (branch, ancestor) pairs are few (branches times tree depth), so each customer-RM pair
    is looked up as one joined key rather than walked in Python.
    """
    # joined with a unit separator, not NUL: pandas hashes object strings as C strings
    allowed = [f"{b}\x1f{a}" for b, above in ancestors.items() for a in above]
    cb = as_str(branches).to_numpy()
    rb = as_str(rm_branches).to_numpy()
    # a branch missing from the tree is in scope of itself only
    return member(cb + "\x1f" + rb, allowed) | ((cb == rb) & ~member(cb, ancestors))


def forbids(forbid_lists: pd.Series, rm_ids: pd.Series) -> npt.NDArray[np.bool_]:
    """Whether each customer's ``forbid_rm_ids`` (";"-separated) names the RM of its pair."""
    lists = as_str(forbid_lists).to_numpy()
    out = np.zeros(len(lists), dtype=bool)
    some = np.flatnonzero(lists != "")
    rms = as_str(rm_ids).to_numpy()
    out[some] = [rms[i] in lists[i].split(";") for i in some]
    return out


def pair_failures(
    rows: pd.DataFrame,
    rm_col: str,
    rms: pd.DataFrame,
    policy: Policy,
    ancestors: Mapping[str, frozenset[str]],
) -> pd.DataFrame:
    """Which pairwise rule each (customer, RM named in ``rm_col``) pair breaks.

    One boolean column per rule of :data:`PAIR_RULES` (True = broken), False where the RM is empty
    or unknown (those are other rules' business). Requirements of the customer's tier and of its
    band both apply.
    """
    rm_ids = rows[rm_col]
    known = rm_ids.isin(rms.index).to_numpy()
    rm = rms.reindex(rm_ids.to_numpy())
    out = {rule: np.zeros(len(rows), dtype=bool) for rule in PAIR_RULES}
    composite = rm["composite"].fillna(False).astype(bool).to_numpy()
    out["same_line"] = known & (rm["line"].to_numpy() != rows["segment"].to_numpy()) & ~composite
    out["position"] = known & (rm["position"].fillna("rm").to_numpy() != "rm")
    out["rm_active"] = known & ~rm["active"].fillna(True).astype(bool).to_numpy()
    if policy.rules.branch_scope:
        out["branch_scope"] = known & ~in_scope(rows["branch_id"], rm["branch"], ancestors)
    if "forbid_rm_ids" in rows.columns:
        out["forbidden"] = known & forbids(rows["forbid_rm_ids"], rm_ids)

    min_grade = {g: i for i, g in enumerate(policy.grades)}
    min_level = {lv: i for i, lv in enumerate(policy.branch_levels)}
    unit = rm["unit"].fillna("").to_numpy()
    grade_rank = rm["grade_rank"].fillna(-1).to_numpy()
    level_rank = rm["level_rank"].fillna(-1).to_numpy()
    named: list[tuple[pd.Series, str, Requirements]] = [
        (rows["base_tier"], k, t) for k, t in policy.tiers.items()
    ] + [(rows["band"], k, b) for k, b in policy.bands.items()]
    for labels, name, req in named:
        mask = known & (labels.to_numpy() == name)
        if not mask.any():
            continue
        if req.units is not None:
            out["units"] |= mask & ~np.isin(unit, req.units)
        if name in policy.coverage.designated_tiers:  # only a designated VIP centre serves it
            designated = rm["designated"].fillna(False).astype(bool).to_numpy()
            out["units"] |= mask & (unit == "vip_center") & ~designated
        if req.certifications:
            need = frozenset(req.certifications)
            holds = rm[cert_column(need)].fillna(False).astype(bool).to_numpy()
            out["certifications"] |= mask & ~holds
        if req.min_grade is not None:
            out["min_grade"] |= mask & (grade_rank < min_grade[req.min_grade])
        if req.min_branch_level is not None:
            out["min_branch_level"] |= mask & (level_rank < min_level[req.min_branch_level])
    return pd.DataFrame(out, index=rows.index)
