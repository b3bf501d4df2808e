"""Tests of the contract v1.1 bank (GeneratorConfig.v11): the columns validate from CSV, and each
feature -- executives, assistant posts, composite RMs, designated centres, last quarter's
history, deposits, complaints -- lands inside its configured range."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from allocator.contract import CUSTOMER_V1_1_ABSENT, parse_certifications
from allocator.instance import Instance
from allocator.policy import default_policy
from allocator.rules import (
    BranchTable,
    RmTable,
    assign_tiers,
    build_classes,
    eligible_class_pairs,
    pair_is_eligible,
)
from allocator.synth import GeneratorConfig, write_bank
from allocator.validation import load_instance

CFG = GeneratorConfig.v11()
POLICY = default_policy()
EXECUTIVES = ("subbranch_deputy_head", "subbranch_head", "city_head")


def levels(bank: Instance) -> dict[str, str]:
    return dict(zip(bank.branches["branch_id"], bank.branches["level"], strict=True))


def up_to(bank: Instance, level: str) -> pd.Series:
    """Each customer's ancestor-or-self branch at ``level``."""
    parent = dict(zip(bank.branches["branch_id"], bank.branches["parent_id"], strict=True))
    level_of = levels(bank)

    def climb(b: str) -> str:
        while b and level_of[b] != level:
            b = parent[b]
        return b

    return bank.customers["branch_id"].map({b: climb(b) for b in level_of})


def test_v11_columns_validate_from_written_csv(v11_bank: Instance, tmp_path: Path) -> None:
    paths = write_bank(v11_bank, tmp_path)
    header = paths["customers"].read_text().splitlines()[0].split(",")
    assert set(CUSTOMER_V1_1_ABSENT) <= set(header)
    rms_header = paths["rms"].read_text().splitlines()[0].split(",")
    assert {"position", "designated_private", "co_cover_capacity"} <= set(rms_header)
    back = load_instance(paths["customers"], paths["rms"], paths["branches"], policy=POLICY)
    pd.testing.assert_frame_equal(back.customers, v11_bank.customers)
    pd.testing.assert_frame_equal(back.rms, v11_bank.rms)


def test_executives_sit_where_their_posts_are(v11_bank: Instance) -> None:
    rms, level_of = v11_bank.rms, levels(v11_bank)
    subs = [b for b, lv in level_of.items() if lv == "subbranch"]
    cities = [b for b, lv in level_of.items() if lv == "city"]
    per = rms[rms["position"].isin(EXECUTIVES)].groupby(["position", "branch_id"]).size()
    deputies = per.get("subbranch_deputy_head", pd.Series(dtype=int))
    assert deputies.max() <= CFG.deputy_heads_per_subbranch[1]
    assert per.get("subbranch_head").max() == 1 and per.get("city_head").max() == 1
    for position, where in (("subbranch_deputy_head", subs), ("subbranch_head", subs)):
        assert set(per[position].index) <= set(where)
    assert set(per["city_head"].index) <= set(cities)
    filled = per.get("subbranch_head").size + per.get("city_head").size
    assert filled >= (1 - CFG.executive_vacancy_share - 0.15) * (len(subs) + len(cities))


def test_co_cover_capacity_is_tens_and_sometimes_short(v11_bank: Instance) -> None:
    rms, customers = v11_bank.rms, v11_bank.customers
    execs = rms[rms["position"].isin(EXECUTIVES)]
    given = execs["co_cover_capacity"].dropna()
    lo, hi = CFG.co_cover_capacity
    assert given.between(lo, hi).all() and (given == given.round()).all()
    assert 0.6 <= len(given) / len(execs) <= 1.0
    # the city heads: customers from 5M of their city against the heads' capacity
    rich = customers[(customers["segment"] == "retail") & (customers["aum"] >= 5_000_000)]
    demand = up_to(v11_bank, "city")[rich.index].value_counts()
    heads = execs[execs["position"] == "city_head"]
    capacity = heads["co_cover_capacity"].fillna(50).groupby(heads["branch_id"]).sum()
    short = demand.sub(capacity, fill_value=0) > 0
    assert short.any(), "no executive is ever short: the richest-first rule is never exercised"


def test_assistant_posts_are_one_per_n_rms_of_a_heavy_seat(v11_bank: Instance) -> None:
    rms = v11_bank.rms
    posts = rms[rms["position"] == "assistant_post"]
    assert len(posts) > 0
    working = rms[(rms["position"] == "rm") & rms["active"]]
    per_seat = working.groupby(["branch_id", "unit"]).size()
    got = posts.groupby(["branch_id", "unit"]).size()
    for seat, k in got.items():
        assert k == per_seat[seat] // CFG.assistant_post_every
    assert (posts["grade"] == "assistant").all()
    serving_nobody = set(posts["rm_id"]) | set(rms.loc[rms["position"] != "rm", "rm_id"])
    assert not v11_bank.customers["current_rm_id"].isin(serving_nobody).any()


def test_composite_rms_sit_at_county_subbranches_with_their_capacity(v11_bank: Instance) -> None:
    rms, level_of = v11_bank.rms, levels(v11_bank)
    both = rms[rms["line"] == "both"]
    assert len(both) > 0
    assert both["branch_id"].map(level_of).isin(POLICY.coverage.composite_levels).all()
    assert (both["unit"] == "outlet").all() and both["capacity"].notna().all()
    at_sub = rms[
        (rms["position"] == "rm")
        & (rms["unit"] == "outlet")
        & (rms["branch_id"].map(level_of) == "subbranch")
    ]
    assert len(both) <= CFG.composite_rm_share[1] * len(at_sub)
    # a composite RM keeps today's book of its own line
    served = v11_bank.customers[v11_bank.customers["current_rm_id"].isin(both["rm_id"])]
    assert (served.groupby("current_rm_id")["segment"].nunique() == 1).all()


def test_designated_centres_are_vip_centres_with_a_cfp_holder(v11_bank: Instance) -> None:
    rms = v11_bank.rms
    designated = rms[rms["designated_private"]]
    assert len(designated) > 0 and (designated["unit"] == "vip_center").all()
    for branch in designated["branch_id"].unique():
        centre = rms[(rms["branch_id"] == branch) & (rms["unit"] == "vip_center")]
        assert centre["designated_private"].all()
        assert any("CFP" in parse_certifications(c) for c in centre["certifications"])


def value_tiers(bank: Instance) -> pd.Series:
    """Tier labels by today's value alone (no history)."""
    plain = bank.customers.drop(columns=["previous_tier", "months_below"])
    return assign_tiers(plain, POLICY)["tier"]


@pytest.mark.parametrize("tier", ["private", "high"])
def test_downgrades_are_a_share_of_their_tier(v11_bank: Instance, tier: str) -> None:
    customers = v11_bank.customers
    value = value_tiers(v11_bank)
    worth = value.map({k: t.priority for k, t in POLICY.tiers.items()}).fillna(0)
    fell = (customers["previous_tier"] == tier) & (worth < POLICY.tiers[tier].priority)
    share = fell.sum() / (value == tier).sum()
    lo, hi = CFG.downgrade_share
    assert lo - 0.005 <= share <= hi + 0.005
    line = POLICY.tiers[tier].aum_min
    assert customers.loc[fell, "aum"].between(CFG.downgrade_window * line, line).all()
    assert customers.loc[fell, "months_below"].between(*CFG.months_below).all()


def test_the_hysteresis_bites_and_held_customers_have_an_rm_of_their_tier(
    v11_bank: Instance,
) -> None:
    customers = v11_bank.customers
    assert 0.94 <= (customers["previous_tier"] != "").mean() <= 0.97
    tiers = assign_tiers(customers, POLICY)
    held = (tiers["held"] != "").to_numpy()
    below = (customers["previous_tier"] != "") & (customers["months_below"] > 0)
    assert held.sum() > 50 and (below & ~held).sum() > 50  # some held, some not
    # the book was drawn for the held tier: most held customers' RM may serve them
    branches = BranchTable.build(v11_bank.branches, POLICY)
    table = RmTable.build(v11_bank.rms, branches, POLICY)
    classes = build_classes(customers, tiers, branches, table, POLICY)
    pairs = eligible_class_pairs(classes, table, branches, POLICY)
    rm = customers["current_rm_id"].map(table.index).fillna(-1).to_numpy(dtype=np.int64)
    ok = pair_is_eligible(classes.class_of, rm, pairs, len(table.ids))
    with_rm = held & (rm >= 0)
    assert ok[with_rm].mean() >= 0.8


def test_deposits_are_corporate_and_feed_the_staffing_rule(v11_bank: Instance) -> None:
    customers, rms = v11_bank.customers, v11_bank.rms
    corp = customers["segment"] == "corporate"
    assert (customers.loc[~corp, "deposits"] == 0).all() and (customers["deposits"] >= 0).all()
    assert abs((customers.loc[corp, "deposits"] == 0).mean() - CFG.no_deposit_share) < 0.03
    level_of = levels(v11_bank)
    parent = dict(zip(v11_bank.branches["branch_id"], v11_bank.branches["parent_id"], strict=True))
    per_outlet = customers[corp].groupby("branch_id")["deposits"].sum()
    big = [b for b, v in per_outlet.items() if level_of[b] == "outlet" and v >= 10_000_000]
    corporate_rm_at = set(rms.loc[rms["line"].isin(["corporate", "both"]), "branch_id"])
    assert big and all(b in corporate_rm_at or parent[b] in corporate_rm_at for b in big)


def test_complaints_forbid_todays_rm(v11_bank: Instance) -> None:
    customers = v11_bank.customers
    forbid = customers[customers["forbid_rm_ids"] != ""]
    assert len(forbid) == round(CFG.forbid_share * len(customers))
    assert (forbid["forbid_rm_ids"] == forbid["current_rm_id"]).all()
    assert forbid["forbid_rm_ids"].isin(v11_bank.rms["rm_id"]).all()
    assert not forbid["locked"].any() and (forbid["group_id"] == "").all()
