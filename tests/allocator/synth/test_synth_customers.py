"""Tests of allocator.synth.customers: realistic shares at any size, heavy-tailed cents, groups of
one city and segment."""

from __future__ import annotations

import numpy as np

from allocator.instance import Instance
from allocator.policy import default_policy
from allocator.synth import GeneratorConfig

POLICY = default_policy()
CONFIG = GeneratorConfig()


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


def test_customer_ids_are_unique_and_formatted(bank20k: Instance) -> None:
    c = bank20k.customers
    assert c["customer_id"].is_unique
    assert c["customer_id"].str.fullmatch(r"K\d{7}").all()
