"""Tests of the harsh bank (GeneratorConfig.harsh): leavers missing from the roster, capacity
tighter than a tidy bank's, many key accounts against few senior RMs in big corporate
components, dedicated RMs who also serve others, groups across cities."""

from __future__ import annotations

import pandas as pd

from allocator.instance import Instance
from allocator.policy import default_policy
from allocator.rules import assign_tiers
from allocator.synth import GeneratorConfig, describe_bank, generate_bank
from allocator.validation import load_instance

CFG = GeneratorConfig.harsh()
POLICY = default_policy()


def test_harsh_bank_is_valid_input(harsh_bank: Instance) -> None:
    again = load_instance(harsh_bank.customers, harsh_bank.rms, harsh_bank.branches, policy=POLICY)
    pd.testing.assert_frame_equal(again.customers, harsh_bank.customers)
    pd.testing.assert_frame_equal(again.rms, harsh_bank.rms)


def test_leavers_are_missing_from_the_roster_but_named_by_the_book(harsh_bank: Instance) -> None:
    customers, rms = harsh_bank.customers, harsh_bank.rms
    named = customers["current_rm_id"]
    gone = set(named[(named != "") & ~named.isin(rms["rm_id"])])
    staff = int((rms["position"] == "rm").sum()) + len(gone)
    lo, hi = CFG.leaver_share
    assert lo * staff - 1 <= len(gone) <= hi * staff + 1
    assert all(g.startswith("M") for g in gone)
    summary = describe_bank(harsh_bank, components=False)
    assert summary["leavers"]["rms"] == len(gone)
    assert summary["book"]["rm_left"] > 0


def test_capacity_is_tighter_than_a_tidy_banks(harsh_bank: Instance) -> None:
    tidy = describe_bank(generate_bank(50_000, 11), components=False)["capacity"]
    harsh = describe_bank(harsh_bank, components=False)["capacity"]
    for line in ("retail", "corporate"):
        ratio = harsh[line]["rms"] / harsh[line]["workload"]
        assert ratio < tidy[line]["rms"] / tidy[line]["workload"]


def test_key_accounts_outnumber_the_senior_rms_of_their_component(harsh_bank: Instance) -> None:
    summary = describe_bank(harsh_bank)
    biggest = summary["components"][0]
    assert biggest["line"] == "corporate" and biggest["customers"] > 5_000
    assert biggest["key_accounts"] > biggest["key_grade_rms"]
    corp = (harsh_bank.customers["segment"] == "corporate").sum()
    lo = sum(b[0] for b in CFG.band_shares.values())
    assert summary["key_accounts"] >= lo * corp


def test_dedicated_rms_serve_others_today(harsh_bank: Instance) -> None:
    """Some RMs of a key account (not a group) also serve other customers: a one-to-one rule
    broken in today's book, for the plan to repair."""
    customers = harsh_bank.customers
    tiers = assign_tiers(customers, POLICY)
    key = tiers["band"].isin(["key10m", "key3m"]) & (customers["group_id"] == "")
    key_rms = set(customers.loc[key & (customers["current_rm_id"] != ""), "current_rm_id"])
    others = customers[~key & customers["current_rm_id"].isin(key_rms)]
    assert others["current_rm_id"].nunique() >= 5


def test_some_groups_span_cities(harsh_bank: Instance) -> None:
    customers = harsh_bank.customers
    parent = dict(
        zip(harsh_bank.branches["branch_id"], harsh_bank.branches["parent_id"], strict=True)
    )
    level = dict(zip(harsh_bank.branches["branch_id"], harsh_bank.branches["level"], strict=True))

    def city(b: str) -> str:
        while level[b] != "city":
            b = parent[b]
        return b

    grouped = customers[customers["group_id"] != ""]
    cities = grouped["branch_id"].map(city).groupby(grouped["group_id"]).nunique()
    assert (cities > 1).sum() >= 3
    tidy = generate_bank(50_000, 11)
    tidy_grouped = tidy.customers[tidy.customers["group_id"] != ""]
    assert (
        tidy_grouped["branch_id"].map(city).groupby(tidy_grouped["group_id"]).nunique() == 1
    ).all()
