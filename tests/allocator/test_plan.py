"""The plan object: table, KPIs, explanations, CSV; and recommendations for a new customer."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from allocator import allocate, recommend
from allocator.errors import InputError

PRIVATE, HIGH, MID = 7_000_000, 600_000, 300_000


@pytest.fixture
def small_plan(bank):
    rms = [
        {"capacity": 2},
        {"branch_id": "C0", "unit": "vip_center", "certifications": "AFP"},
        {"branch_id": "C0", "unit": "wealth_center", "certifications": "CFP", "capacity": 8},
        {"active": "false"},
    ]
    cust = [
        {"aum": MID, "current_rm_id": "M1"},
        {"aum": MID, "current_rm_id": "M4"},
        {"aum": MID},
        {"aum": PRIVATE},
        {"aum": PRIVATE, "current_rm_id": "M3"},
        {"aum": HIGH, "current_rm_id": "M1"},
        {"aum": 10},
    ]
    return allocate(bank(rms=rms, customers=cust), time_limit=10, workers=1)


def test_plan_table_follows_the_contract(small_plan):
    t = small_plan.assignments
    assert list(t.columns[:5]) == ["customer_id", "rm_id", "tier", "status", "reason"]
    assert len(t) == 7
    back = pd.read_csv(io.StringIO(small_plan.to_csv()), keep_default_na=False, dtype=str)
    assert back["customer_id"].tolist() == t["customer_id"].tolist()
    assert set(t["status"]) <= {"kept", "moved", "reassigned", "new", "unassigned", "pooled"}
    unassigned = t[t["status"] == "unassigned"]
    assert (unassigned["reason"] != "").all()


def test_kpis_are_json_and_complete(small_plan):
    k = json.loads(json.dumps(small_plan.kpis))
    for key in ("coverage_by_tier", "status_counts", "utilisation", "cover_value", "solve"):
        assert key in k
    assert k["coverage_by_tier"]["private"] == {"customers": 2, "assigned": 1, "share": 0.5}
    assert k["unassigned_reasons"] == {"capacity": 2}  # one private, one mid: both RMs full
    assert k["solve"]["status"] == "optimal"
    assert [s["name"] for s in k["solve"]["stages"]] == ["cover_value", "continuity", "balance"]


def test_explain_lists_rules_funnel_and_alternatives(small_plan):
    e = small_plan.explain("K4")  # private client without RM: the wealth RM is full
    assert e["status"] == "unassigned"
    assert "holding CFP" in e["rules"]
    assert e["funnel"]["certification"] == 1
    alts = {a["rm_id"]: a for a in e["alternatives"]}
    assert alts["M3"]["eligible"] and alts["M3"]["why_not"] == "full"
    assert alts["M2"]["why_not"] == "does not hold CFP"
    assert alts["M1"]["why_not"].startswith("works in the outlet")
    assert alts["M4"]["why_not"] == "is inactive (left or on leave)"
    with pytest.raises(KeyError):
        small_plan.explain("nobody")


def test_explain_pooled(small_plan):
    assert small_plan.explain("K7")["alternatives"] == []


def test_recommend_ranks_by_room_and_distance(small_plan):
    inst = small_plan.instance
    best = recommend(inst, {"segment": "retail", "branch_id": "C0S1O1", "aum": MID}, k=2)
    assert best[0]["rm_id"] == "M1" and best[0]["distance"] == 0
    after = recommend(
        inst, {"segment": "retail", "branch_id": "C0S1O1", "aum": MID}, k=2, plan=small_plan
    )
    assert after[0]["fits"] is False  # M1 is full in the plan
    none = recommend(inst, {"segment": "corporate", "branch_id": "C0S1O1", "aum": 0}, k=2)
    assert none == [{"rm_id": None, "reason": "no corporate RM at C0S1O1 or above"}]


def test_recommend_rejects_bad_fields(small_plan):
    with pytest.raises(InputError) as err:
        recommend(small_plan.instance, {"segment": "x", "branch_id": "nowhere", "aum": "a"})
    assert {i.column for i in err.value.issues} == {"segment", "branch_id", "aum"}
