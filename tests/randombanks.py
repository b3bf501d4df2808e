"""Harsh random banks for Hypothesis (contract v1.1): leavers missing from the roster, inactive
RMs, tight capacity, key accounts with dedicated RMs, groups, locks, forbidden RMs, tiers held
by hysteresis, and the move rules of the policy switched on at random.

Not tuned to the product's generator: every field is drawn on its own, so odd combinations
(a locked customer of a leaver, a group split over RMs today, a key customer sharing its RM)
come up often.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from tinybank import TREE, frames

from allocator.validation import load_instance

BRANCHES = [b for b, _, _ in TREE]
AUMS = [0, 100_000, 250_000, 450_000, 600_000, 1_500_000, 3_000_000, 7_000_000]
CONTRIBUTIONS = [0, 100, 3_500_000, 12_000_000]
TIERS = ["", "", "", "private", "high", "mid", "key10m", "key3m"]


def customer_fields(draw: st.DrawFn, aums: list[int]) -> dict[str, Any]:
    """A customer's contract v1 fields but its RM: segment, branch, AUM (one of ``aums``),
    contribution, list tier and group (corporate only), each drawn on its own.

    Why shared: the tiny banks of the property tests and the harsh banks here draw customers
    alike, and should go on doing so as the contract grows.
    """
    segment = draw(st.sampled_from(["retail", "corporate"]))
    lists = ["", "potential"] if segment == "retail" else ["", "", "city", "province", "hq"]
    return {
        "segment": segment,
        "branch_id": draw(st.sampled_from(BRANCHES)),
        "aum": draw(st.sampled_from(aums)),
        "annual_contribution": draw(st.sampled_from(CONTRIBUTIONS)),
        "list_tier": draw(st.sampled_from(lists)),
        "group_id": draw(st.sampled_from(["", "", "G1", "G2"])) if segment == "corporate" else "",
    }


@st.composite
def banks(draw: st.DrawFn, max_customers: int = 7, max_rms: int = 4) -> dict[str, Any]:
    """A bank as contract rows and a policy override: ``{"rms", "customers", "policy"}``."""
    n_rms = draw(st.integers(1, max_rms))
    rms = [
        {
            "line": draw(st.sampled_from(["retail", "corporate"])),
            "grade": draw(st.sampled_from(["rm", "intermediate", "senior"])),
            "certifications": draw(st.sampled_from(["", "AFP", "CFP"])),
            "branch_id": draw(st.sampled_from(BRANCHES)),
            "unit": draw(st.sampled_from(["outlet", "vip_center", "wealth_center", "marketing"])),
            "capacity": draw(st.sampled_from(["", "1", "2", "3", "4", "9", "16"])),
            "active": draw(st.sampled_from(["true", "true", "true", "false"])),
            "position": draw(
                st.sampled_from(
                    ["rm"] * 6
                    + ["subbranch_deputy_head", "subbranch_head", "city_head", "assistant_post"]
                )
            ),
            "designated_private": draw(st.sampled_from(["", "", "true"])),
            "co_cover_capacity": draw(st.sampled_from(["", "1", "2"])),
        }
        for _ in range(n_rms)
    ]
    for rm in rms:  # now and then a composite RM (serves both lines where the policy allows)
        if draw(st.integers(0, 5)) == 0:
            rm["line"] = "both"
    ids = [f"M{i + 1}" for i in range(n_rms)]
    customers = []
    for _ in range(draw(st.integers(1, max_customers))):
        current = draw(st.sampled_from(["", "", *ids, "X1", "X2"]))  # X: a leaver, not listed
        customers.append(
            {
                **customer_fields(draw, AUMS),
                "current_rm_id": current,
                "locked": draw(st.sampled_from(["", "", "", "true"])) if current else "",
                "forbid_rm_ids": draw(st.sampled_from(["", "", "", *ids])),
                "previous_tier": draw(st.sampled_from(TIERS)),
                "months_below": str(draw(st.integers(0, 7))),
            }
        )
    policy: dict[str, Any] = {}
    if draw(st.booleans()):
        policy.setdefault("continuity", {})["max_moved_share"] = draw(st.sampled_from([0.1, 0.5]))
    if draw(st.booleans()):
        policy.setdefault("continuity", {})["move_only_on_departure"] = ["private", "key10m"]
    if draw(st.booleans()):
        policy.setdefault("continuity", {})["handover"] = "none"
    coverage = draw(st.sampled_from(["", "team", "network", "both", "designated"]))
    if coverage == "team":
        policy["coverage"] = {"key_accounts": "team", "team": {"size": draw(st.integers(2, 3))}}
    elif coverage == "network":
        policy["coverage"] = {"group_network": {"enabled": True}}
    elif coverage == "both":
        policy["coverage"] = {"key_accounts": "team", "group_network": {"enabled": True}}
    elif coverage == "designated":
        policy["coverage"] = {"designated_tiers": ["private"]}
    return {"rms": rms, "customers": customers, "policy": policy}


def instance_of(bank: dict[str, Any]):
    """The validated instance of a drawn bank."""
    c, r, b = frames(bank["rms"], bank["customers"], TREE)
    return load_instance(c, r, b, policy=bank["policy"] or None)


def rerun_bank(bank: dict[str, Any], plan_rm: dict[str, str]) -> dict[str, Any]:
    """The same bank with today's book replaced by a plan (customer id -> RM id): the next
    quarter with nothing changed."""
    customers = []
    for i, row in enumerate(bank["customers"]):
        rm = plan_rm.get(f"K{i + 1}", "")
        customers.append({**row, "current_rm_id": rm, "locked": row["locked"] if rm else ""})
    return {**bank, "customers": customers}
