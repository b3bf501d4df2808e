"""Tests of allocator.synth.book: today's book has the faults of a real one, and its locks never
conflict (checked by an independent row-by-row oracle, and by the compiler)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from allocator.instance import Instance
from allocator.policy import Policy, default_policy
from allocator.synth import GeneratorConfig, describe_bank, generate_bank

POLICY = default_policy()
CONFIG = GeneratorConfig()


def test_book_has_the_faults_of_a_real_one(bank20k: Instance) -> None:
    book = describe_bank(bank20k)["book"]
    for fault in ("no_rm", "rm_inactive", "rm_ineligible", "pooled_with_rm", "overloaded_rms"):
        assert book[fault] > 0, fault
    served = book["with_rm"] + book["no_rm"]
    assert book["rm_fits"] == book["with_rm"] - book["rm_inactive"] - book["rm_ineligible"]
    assert book["rm_fits"] > 0.75 * served  # most of the book is sound
    assert book["locks_dead"] >= 1
    assert abs(book["locked"] - 0.01 * 20_000) <= 0.002 * 20_000


# -- locks: an independent, row-by-row oracle ---------------------------------------------------
def _ancestors(branches: pd.DataFrame) -> dict[str, set[str]]:
    parent = dict(zip(branches["branch_id"], branches["parent_id"], strict=True))
    out: dict[str, set[str]] = {}
    for bid in parent:
        seen, cur = set(), bid
        while cur:
            seen.add(cur)
            cur = parent[cur]
        out[bid] = seen
    return out


def _tier(row: pd.Series, policy: Policy) -> tuple[str, str]:
    """(tier, band) of one customer, straight from the policy's wording."""
    tier = next(
        name
        for name, t in policy.tiers.items()
        if t.line == row["segment"]
        and (t.aum_min is None or row["aum"] >= t.aum_min)
        and (t.list_tier is None or row["list_tier"] == t.list_tier)
    )
    band = ""
    if not policy.tiers[tier].pooled:
        for name, b in policy.bands_of(row["segment"]).items():
            if row["annual_contribution"] >= b.contribution_min:
                band = name
                break
    return tier, band


def _fits(
    rm: pd.Series,
    row: pd.Series,
    tier: str,
    band: str,
    anc: dict[str, set[str]],
    levels: dict[str, str],
    policy: Policy,
) -> bool:
    if rm["line"] != row["segment"] or rm["branch_id"] not in anc[row["branch_id"]]:
        return False
    held = policy.expand_certifications(set(filter(None, rm["certifications"].split(";"))))
    for req in [policy.tiers[tier], *([policy.bands[band]] if band else [])]:
        if req.units is not None and rm["unit"] not in req.units:
            return False
        if not set(req.certifications) <= held:
            return False
        if req.min_grade and policy.grade_rank(rm["grade"]) < policy.grade_rank(req.min_grade):
            return False
        level = policy.level_rank(levels[rm["branch_id"]])
        if req.min_branch_level and level < policy.level_rank(req.min_branch_level):
            return False
    return True


@pytest.mark.parametrize("n, seed", [(2_000, 7), (20_000, 11), (5_000, 3)])
def test_locks_never_conflict(n: int, seed: int) -> None:
    bank = generate_bank(n, seed)
    c, r = bank.customers, bank.rms.set_index("rm_id")
    anc = _ancestors(bank.branches)
    levels = dict(zip(bank.branches["branch_id"], bank.branches["level"], strict=True))
    locked = c[c["locked"]]
    assert len(locked) > 0
    assert (locked["current_rm_id"] != "").all()
    assert (locked["group_id"] == "").all()  # never a group member
    load: dict[str, float] = {}
    dead = 0
    for _, row in locked.iterrows():
        rm = r.loc[row["current_rm_id"]]
        tier, band = _tier(row, POLICY)
        assert not band, "a one-to-one (key3m/key10m) customer is locked"
        assert not POLICY.tiers[tier].pooled
        if not rm["active"]:
            dead += 1  # a lock that cannot hold: allowed, and kept within budget too
        else:
            assert _fits(rm, row, tier, band, anc, levels, POLICY), row["customer_id"]
        load[row["current_rm_id"]] = load.get(row["current_rm_id"], 0) + POLICY.tiers[tier].workload
    for rm_id, points in load.items():
        cap = r.at[rm_id, "capacity"]
        cap = POLICY.default_capacity[r.at[rm_id, "line"]] if np.isnan(cap) else cap
        assert points <= CONFIG.lock_budget * cap, rm_id
    assert 1 <= dead <= max(1, 0.001 * n)


def test_locks_pass_the_compiler() -> None:
    """The project's own lock-conflict check agrees (it raises InputError on a conflict)."""
    compile_problem = pytest.importorskip("allocator.compile").compile_problem
    compile_problem(generate_bank(20_000, 11), POLICY)


def test_locks_hold_under_another_policy() -> None:
    """Locks are checked by the rule engine under the policy the bank is made for."""
    compile_problem = pytest.importorskip("allocator.compile").compile_problem
    policy = POLICY.merged(
        {
            "tiers": {"mid": {"units": ["outlet", "vip_center"], "min_grade": "rm"}},
            "rules": {"branch_scope": False},
        }
    )
    compile_problem(generate_bank(5_000, 2, policy=policy), policy)
