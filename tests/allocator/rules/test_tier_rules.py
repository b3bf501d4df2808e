"""One test per tier rule of policy v1 (allocator.rules.tiers): the tier a customer is given."""

from __future__ import annotations

from ruleverifier import tier_of


def test_private_from_six_million():
    assert tier_of({"aum": 6_000_000}) == "private"


def test_high_from_half_a_million():
    assert tier_of({"aum": 500_000}) == "high"


def test_mid_from_two_hundred_thousand():
    assert tier_of({"aum": 200_000}) == "mid"


def test_ordinary_below_mid():
    assert tier_of({"aum": 199_999}) == "ordinary"


def test_potential_list_when_below_mid():
    assert tier_of({"aum": 10, "list_tier": "potential"}) == "potential"


def test_corporate_named_list():
    assert tier_of({"segment": "corporate", "list_tier": "province"}) == "province"


def test_corporate_without_a_list_is_subbranch():
    assert tier_of({"segment": "corporate"}) == "subbranch"


def test_key10m_band_on_top_of_the_list_tier():
    assert (
        tier_of({"segment": "corporate", "list_tier": "hq", "annual_contribution": 1e7}) == "key10m"
    )


def test_key3m_band():
    assert tier_of({"segment": "corporate", "annual_contribution": 3_000_000}) == "key3m"


def test_policy_moves_a_threshold():
    assert tier_of({"aum": 5_000_000}, {"tiers": {"private": {"aum_min": 5e6}}}) == "private"
