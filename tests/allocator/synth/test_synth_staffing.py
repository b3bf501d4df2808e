"""Tests of allocator.synth.roles and allocator.synth.staffing: RMs sit where their role says,
hold what their role holds, and the deliberate CFP shortage is there."""

from __future__ import annotations

from allocator.contract import LINES, UNITS
from allocator.instance import Instance
from allocator.policy import default_policy
from allocator.synth import GeneratorConfig
from allocator.synth.roles import CERT_MIX, GRADE_MIX, ROLE_LINE, ROLE_NAMES, ROLE_UNIT

POLICY = default_policy()
CONFIG = GeneratorConfig()


def test_roles_speak_the_contract() -> None:
    assert set(ROLE_UNIT) <= set(UNITS)
    assert set(ROLE_LINE.tolist()) <= set(range(len(LINES)))
    assert set(GRADE_MIX) | {"dedicated"} == set(ROLE_NAMES) == set(CERT_MIX)
    for mix in GRADE_MIX.values():
        assert set(mix) <= set(POLICY.grades)


def test_rm_ids_are_unique_and_formatted(bank20k: Instance) -> None:
    r = bank20k.rms
    assert r["rm_id"].is_unique
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
