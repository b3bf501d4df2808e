"""Tests of allocator.generator: determinism, realistic shares, a valid tree, locks that never
conflict (checked by an independent row-by-row oracle), the validator's approval, the sample bank.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from allocator.generator import (
    SAMPLE_BANK_CUSTOMERS,
    SAMPLE_BANK_SEED,
    GeneratorConfig,
    describe_bank,
    generate_bank,
    sample_bank_paths,
    write_bank,
)
from allocator.instance import Instance
from allocator.policy import Policy, default_policy
from allocator.validation import load_instance

POLICY = default_policy()
CONFIG = GeneratorConfig()


def assert_instances_equal(left: Instance, right: Instance) -> None:
    pd.testing.assert_frame_equal(left.customers, right.customers)
    pd.testing.assert_frame_equal(left.rms, right.rms)
    pd.testing.assert_frame_equal(left.branches, right.branches)


@pytest.fixture(scope="module")
def bank20k() -> Instance:
    return generate_bank(20_000, 11)


@pytest.fixture(scope="module")
def small() -> Instance:
    return generate_bank(3_000, 5)


# -- determinism -------------------------------------------------------------------------------
def test_same_seed_gives_identical_frames() -> None:
    assert_instances_equal(generate_bank(3_000, 42), generate_bank(3_000, 42))


def test_different_seeds_give_different_banks() -> None:
    a, b = generate_bank(3_000, 1), generate_bank(3_000, 2)
    assert not a.customers["aum"].equals(b.customers["aum"])
    assert not a.customers["branch_id"].equals(b.customers["branch_id"])


def test_rm_count_and_tightness_leave_the_customers_unchanged() -> None:
    base = generate_bank(3_000, 9)
    columns = ["customer_id", "segment", "branch_id", "aum", "annual_contribution", "list_tier"]
    for other in (generate_bank(3_000, 9, n_rms=40), generate_bank(3_000, 9, tightness=2.0)):
        pd.testing.assert_frame_equal(base.customers[columns], other.customers[columns])


def test_n_rms_is_exact() -> None:
    assert len(generate_bank(3_000, 3, n_rms=57).rms) == 57


def test_tightness_means_fewer_rms() -> None:
    loose, normal, tight = (len(generate_bank(50_000, 4, tightness=t).rms) for t in (0.5, 1, 2))
    assert loose > normal > tight


@pytest.mark.parametrize("bad", [{"n_customers": 0}, {"seed": -1}, {"n_rms": 0}, {"tightness": 0}])
def test_bad_arguments_are_refused(bad: dict[str, float]) -> None:
    args: dict[str, float] = {"n_customers": 10, "seed": 1, **bad}
    n, seed = int(args.pop("n_customers")), int(args.pop("seed"))
    with pytest.raises(ValueError):
        generate_bank(n, seed, **args)  # type: ignore[arg-type]


def test_config_validates_itself() -> None:
    with pytest.raises(ValueError, match="retail_share"):
        GeneratorConfig(retail_share=(0.9, 0.8))
    with pytest.raises(ValueError, match="group_size"):
        GeneratorConfig(group_size=(1, 3))


# -- realistic shares --------------------------------------------------------------------------
def _within(share: float, bounds: tuple[float, float], n: int) -> bool:
    """``share`` of ``n`` inside ``bounds`` up to rounding to whole customers."""
    return bounds[0] - 1 / n <= share <= bounds[1] + 1 / n


def test_segment_and_retail_tier_shares(bank20k: Instance) -> None:
    c = bank20k.customers
    retail = c[c["segment"] == "retail"]
    assert _within(len(retail) / len(c), CONFIG.retail_share, len(c))
    aum = retail["aum"]
    t = POLICY.tiers
    shares = {
        "private": (aum >= t["private"].aum_min).mean(),
        "high": ((aum >= t["high"].aum_min) & (aum < t["private"].aum_min)).mean(),
        "mid": ((aum >= t["mid"].aum_min) & (aum < t["high"].aum_min)).mean(),
    }
    for tier, share in shares.items():
        assert _within(share, CONFIG.retail_tier_shares[tier], len(retail)), (tier, share)
    potential = retail["list_tier"] == "potential"
    assert _within(potential.mean(), CONFIG.potential_share, len(retail))
    assert (retail.loc[potential, "aum"] < t["mid"].aum_min).all()
    assert set(retail["list_tier"]) <= {"", "potential"}


def test_corporate_list_and_band_shares(bank20k: Instance) -> None:
    corp = bank20k.customers[bank20k.customers["segment"] == "corporate"]
    n = len(corp)
    for name, bounds in CONFIG.list_tier_shares.items():
        assert _within((corp["list_tier"] == name).mean(), bounds, n), name
    contribution = corp["annual_contribution"]
    b = POLICY.bands
    key10m = (contribution >= b["key10m"].contribution_min).mean()
    key3m = (contribution >= b["key3m"].contribution_min).mean() - key10m
    assert _within(key10m, CONFIG.band_shares["key10m"], n)
    assert _within(key3m, CONFIG.band_shares["key3m"], n)
    assert 0.02 - 1 / n <= key10m + key3m <= 0.03 + 1 / n  # >= 3M: 2-3 %
    assert (corp["aum"] == 0).all()


def test_amounts_are_heavy_tailed_cents(bank20k: Instance) -> None:
    aum = bank20k.customers.loc[bank20k.customers["segment"] == "retail", "aum"]
    assert (aum >= 0).all()
    assert aum.max() > 50 * aum.median()  # a heavy tail, not a bell
    cents = aum.to_numpy() * 100
    assert np.allclose(cents, np.round(cents))


def test_groups_have_two_to_six_members_of_one_city_and_segment(bank20k: Instance) -> None:
    c = bank20k.customers
    grouped = c[c["group_id"] != ""]
    assert len(grouped) > 0
    assert (grouped["segment"] == "corporate").all()
    parent = bank20k.branches.set_index("branch_id")["parent_id"]
    level = bank20k.branches.set_index("branch_id")["level"]

    def city(branch: str) -> str:
        while level[branch] != "city":
            branch = parent[branch]
        return branch

    sizes = grouped.groupby("group_id").size()
    assert sizes.between(*CONFIG.group_size).all()
    cities = grouped.assign(city=grouped["branch_id"].map(city)).groupby("group_id")["city"]
    assert (cities.nunique() == 1).all()


# -- tree, ids, references ---------------------------------------------------------------------
def test_tree_levels_strictly_decrease(bank20k: Instance) -> None:
    b = bank20k.branches
    rank = b["level"].map(POLICY.level_rank)
    parent_rank = b["parent_id"].map(dict(zip(b["branch_id"], rank, strict=True)))
    child = b["parent_id"] != ""
    assert (rank[child] < parent_rank[child]).all()
    assert b.loc[~child, "branch_id"].tolist() == ["H0"]
    assert set(b["level"]) == {"head_office", "province", "city", "subbranch", "outlet"}


def test_tree_sizes_follow_the_config(bank20k: Instance) -> None:
    b = bank20k.branches
    outlets = (b["level"] == "outlet").sum()
    assert 20_000 / CONFIG.customers_per_outlet[1] - 1 <= outlets
    assert outlets <= 20_000 / CONFIG.customers_per_outlet[0] + 1
    fan_out = b[b["level"] == "outlet"].groupby("parent_id").size()
    assert fan_out.max() <= CONFIG.outlets_per_subbranch[1]


def test_branch_ids_follow_the_naming(bank20k: Instance) -> None:
    pattern = {
        "head_office": r"H\d+",
        "province": r"P\d+",
        "city": r"C\d+",
        "subbranch": r"C\d+S\d+",
        "outlet": r"C\d+S\d+O\d+",
    }
    for bid, parent, level in bank20k.branches.itertuples(index=False):
        assert re.fullmatch(pattern[level], bid), bid
        if level in ("subbranch", "outlet"):
            assert bid.startswith(parent)


def test_ids_are_unique_and_formatted(bank20k: Instance) -> None:
    c, r = bank20k.customers, bank20k.rms
    assert c["customer_id"].is_unique and r["rm_id"].is_unique
    assert bank20k.branches["branch_id"].is_unique
    assert c["customer_id"].str.fullmatch(r"K\d{7}").all()
    assert r["rm_id"].str.fullmatch(r"M\d{5}").all()


def test_every_reference_exists(bank20k: Instance) -> None:
    branch_ids = set(bank20k.branches["branch_id"])
    assert set(bank20k.rms["branch_id"]) <= branch_ids
    assert set(bank20k.customers["branch_id"]) <= branch_ids
    assert set(bank20k.customers["current_rm_id"]) - {""} <= set(bank20k.rms["rm_id"])


def test_rm_roles_sit_where_they_should(bank20k: Instance) -> None:
    r = bank20k.rms
    b = bank20k.branches
    level = r["branch_id"].map(dict(zip(b["branch_id"], b["level"], strict=True)))
    centres = r["unit"].isin(["vip_center", "wealth_center"])
    assert (level[centres] == "city").all()
    assert (r.loc[centres, "line"] == "retail").all()
    assert set(level[r["unit"] == "marketing"]) <= {"city", "province"}
    assert set(level[r["unit"] == "outlet"]) <= {"outlet", "subbranch"}
    wealth = r[r["unit"] == "wealth_center"]["certifications"]
    assert wealth.str.contains("CFP").mean() > 0.5
    vip = r[r["unit"] == "vip_center"]["certifications"]
    assert vip.str.contains("AFP").mean() > 0.5
    inactive = 1 - r["active"].mean()
    assert (
        CONFIG.inactive_share[0] - 1 / len(r) <= inactive <= CONFIG.inactive_share[1] + 1 / len(r)
    )
    assert 0 < r["capacity"].notna().mean() < 0.3
    assert (r["capacity"].dropna() > 0).all()


# -- today's book and its faults -------------------------------------------------------------------
def test_book_has_the_faults_of_a_real_one(bank20k: Instance) -> None:
    book = describe_bank(bank20k)["book"]
    for fault in ("no_rm", "rm_inactive", "rm_ineligible", "pooled_with_rm", "overloaded_rms"):
        assert book[fault] > 0, fault
    served = book["with_rm"] + book["no_rm"]
    assert book["rm_fits"] == book["with_rm"] - book["rm_inactive"] - book["rm_ineligible"]
    assert book["rm_fits"] > 0.75 * served  # most of the book is sound
    assert book["locks_dead"] >= 1
    assert abs(book["locked"] - 0.01 * 20_000) <= 0.002 * 20_000


def test_one_city_is_short_of_cfp_holders(bank20k: Instance) -> None:
    """The deliberate shortage: some city cannot cover its private customers' workload."""
    b = bank20k.branches.set_index("branch_id")
    c, r = bank20k.customers, bank20k.rms

    def city(branch: str) -> str:
        while b.at[branch, "level"] != "city":
            branch = b.at[branch, "parent_id"]
        return branch

    private = c[(c["segment"] == "retail") & (c["aum"] >= POLICY.tiers["private"].aum_min)]
    demand = private["branch_id"].map(city).value_counts() * POLICY.tiers["private"].workload
    cfp = r[
        r["active"] & r["certifications"].str.contains("CFP") & r["unit"].str.endswith("center")
    ]
    supply = cfp.assign(cap=cfp["capacity"].fillna(POLICY.default_capacity["retail"]))
    supply_by_city = supply.groupby("branch_id")["cap"].sum()
    short = [city_id for city_id, need in demand.items() if supply_by_city.get(city_id, 0) < need]
    assert short


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


# -- validation, files, the sample bank ------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 7, 150, 20_000])
def test_bank_is_valid_and_already_normalised(n: int) -> None:
    bank = generate_bank(n, n)
    again = load_instance(bank.customers, bank.rms, bank.branches, policy=POLICY)
    assert_instances_equal(bank, again)
    assert again.branches_given


def test_written_bank_reads_back_equal(small: Instance, tmp_path: Path) -> None:
    paths = write_bank(small, tmp_path)
    assert {p.name for p in paths.values()} == {"customers.csv", "rms.csv", "branches.csv"}
    back = load_instance(paths["customers"], paths["rms"], paths["branches"])
    assert_instances_equal(small, back)


def test_describe_bank_counts_without_customer_data(small: Instance) -> None:
    summary = describe_bank(small)
    assert summary["customers"] == 3_000
    assert sum(summary["tiers"].values()) == 3_000
    assert sum(summary["rm_roles"].values()) == summary["rms"] == len(small.rms)
    assert "K0" not in repr(summary)


def test_sample_bank_is_a_fresh_generation() -> None:
    paths = sample_bank_paths()
    assert set(paths) == {"customers", "rms", "branches"}
    shipped = load_instance(paths["customers"], paths["rms"], paths["branches"])
    assert_instances_equal(shipped, generate_bank(SAMPLE_BANK_CUSTOMERS, SAMPLE_BANK_SEED))


@pytest.mark.slow
def test_a_province_generates_in_seconds() -> None:
    import time

    start = time.perf_counter()
    bank = generate_bank(1_000_000, 1)
    assert time.perf_counter() - start < 60
    assert len(bank.customers) == 1_000_000
