"""One test per rule of policy v1, at the contract level: a tiny bank where the rule binds, the
plan that comes out, its reason, and the independent checker's verdict on it."""

from __future__ import annotations

import pytest

from allocator import allocate
from allocator.checker import check_plan, score_plan
from allocator.errors import InputError

PRIVATE = 7_000_000
HIGH = 600_000
MID = 300_000


def solve(instance, **kw):
    plan = allocate(instance, time_limit=10, seed=0, workers=1, **kw)
    report = check_plan(plan.instance, plan.assignments, plan.policy)
    assert report.ok, report.summary()
    return plan


def row(plan, customer_id):
    t = plan.assignments.set_index("customer_id")
    return t.loc[customer_id]


# -- pairwise rules -------------------------------------------------------------------------------
def test_same_line_only(bank):
    inst = bank(
        rms=[{"line": "retail"}],
        customers=[{"segment": "corporate", "annual_contribution": 100}],
    )
    r = row(solve(inst), "K1")
    assert r.rm_id == "" and r.status == "unassigned"
    assert r.reason == "no corporate RM at C0S1O1 or above"


def test_inactive_rm_gets_nobody(bank):
    inst = bank(rms=[{"active": "false"}], customers=[{"aum": MID}])
    r = row(solve(inst), "K1")
    assert r.status == "unassigned" and r.reason == "no active retail RM at C0S1O1 or above"


@pytest.mark.parametrize(
    ("rm_branch", "served"),
    [("C0S1O1", True), ("C0S1", True), ("C0", True), ("C0S1O2", False), ("C1S1O1", False)],
)
def test_branch_scope_is_branch_or_ancestor(bank, rm_branch, served):
    inst = bank(rms=[{"branch_id": rm_branch}], customers=[{"aum": MID}])
    r = row(solve(inst), "K1")
    assert (r.rm_id == "M1") is served


def test_private_needs_cfp_in_wealth_or_vip_centre(bank):
    rms = [
        {"branch_id": "C0", "unit": "vip_center", "certifications": "AFP"},
        {"branch_id": "C0S1O1", "unit": "outlet", "certifications": "CFP"},
    ]
    r = row(solve(bank(rms=rms, customers=[{"aum": PRIVATE}])), "K1")
    assert r.status == "unassigned"
    assert r.reason == "no CFP holder in the VIP or wealth centres above C0S1O1"
    rms.append({"branch_id": "C0", "unit": "wealth_center", "certifications": "CFP"})
    assert row(solve(bank(rms=rms, customers=[{"aum": PRIVATE}])), "K1").rm_id == "M3"


def test_high_needs_afp_and_cfp_meets_it(bank):
    rms = [
        {"branch_id": "C0", "unit": "vip_center", "certifications": ""},
        {"branch_id": "C0", "unit": "vip_center", "certifications": "CFP"},
    ]
    r = row(solve(bank(rms=rms, customers=[{"aum": HIGH}])), "K1")
    assert r.rm_id == "M2" and r.tier == "high"


def test_mid_needs_an_outlet_rm(bank):
    rms = [{"branch_id": "C0", "unit": "vip_center", "certifications": "AFP"}]
    r = row(solve(bank(rms=rms, customers=[{"aum": MID}])), "K1")
    assert r.status == "unassigned" and "outlets" in r.reason


def test_key10m_needs_a_senior_rm(bank):
    rms = [{"line": "corporate", "grade": "intermediate"}]
    cust = [{"segment": "corporate", "annual_contribution": 12_000_000}]
    r = row(solve(bank(rms=rms, customers=cust)), "K1")
    assert r.tier == "key10m" and r.status == "unassigned"
    assert r.reason == "no senior or higher corporate RM at C0S1O1 or above"
    rms.append({"line": "corporate", "grade": "chief"})
    assert row(solve(bank(rms=rms, customers=cust)), "K1").rm_id == "M2"


def test_key3m_one_to_one(bank):
    rms = [{"line": "corporate", "grade": "intermediate"}]
    cust = [
        {"segment": "corporate", "annual_contribution": 4_000_000},
        {"segment": "corporate", "annual_contribution": 3_500_000},
        {"segment": "corporate", "annual_contribution": 100},
    ]
    plan = solve(bank(rms=rms, customers=cust))
    t = plan.assignments.set_index("customer_id")
    assert (t["rm_id"] == "M1").sum() == 1  # a dedicated RM serves one customer only
    assert "M1" in set(t.loc[["K1", "K2"], "rm_id"])  # a key3m customer (equal priority) gets it
    assert t.loc["K3", "reason_code"] == "dedicated"


def test_one_to_one_rm_serves_its_whole_group(bank):
    rms = [{"line": "corporate", "grade": "senior"}]
    cust = [
        {"segment": "corporate", "annual_contribution": 11_000_000, "group_id": "G1"},
        {"segment": "corporate", "annual_contribution": 100, "group_id": "G1"},
        {"segment": "corporate", "annual_contribution": 100},
    ]
    t = solve(bank(rms=rms, customers=cust)).assignments.set_index("customer_id")
    assert list(t["rm_id"]) == ["M1", "M1", ""]


@pytest.mark.parametrize(
    ("list_tier", "rm_branch", "served"),
    [
        ("hq", "C0", False),
        ("hq", "P0", True),
        ("province", "H0", True),
        ("city", "C0", True),
        ("city", "C0S1", False),
        ("", "C0S1O1", True),
    ],
)
def test_list_tiers_need_branch_level(bank, list_tier, rm_branch, served):
    rms = [{"line": "corporate", "branch_id": rm_branch, "unit": "marketing"}]
    cust = [{"segment": "corporate", "list_tier": list_tier, "annual_contribution": 100}]
    r = row(solve(bank(rms=rms, customers=cust)), "K1")
    assert (r.rm_id == "M1") is served


def test_group_members_share_one_rm(bank):
    rms = [{"line": "corporate", "capacity": 1}, {"line": "corporate", "capacity": 1}]
    cust = [
        {"segment": "corporate", "group_id": "G", "annual_contribution": 1},
        {"segment": "corporate", "group_id": "G", "annual_contribution": 1},
    ]
    t = solve(bank(rms=rms, customers=cust)).assignments.set_index("customer_id")
    assigned = t[t["rm_id"] != ""]
    assert len(assigned) == 1  # two RMs with room for one each: they cannot split the group
    assert t.loc[t["rm_id"] == "", "reason_code"].item() == "group"


def test_capacity_binds_and_value_decides(bank):
    rms = [{"branch_id": "C0", "unit": "wealth_center", "certifications": "CFP", "capacity": 9}]
    cust = [{"aum": PRIVATE}, {"aum": HIGH}, {"aum": HIGH}]
    t = solve(bank(rms=rms, customers=cust)).assignments.set_index("customer_id")
    assert t.loc["K1", "rm_id"] == "M1"  # 8 points: the private client first
    assert (t["rm_id"] == "M1").sum() == 1
    assert set(t.loc[["K2", "K3"], "reason"]) == {"the only eligible RM is full"}


def test_pooled_tiers_get_no_rm(bank):
    cust = [{"aum": 1000}, {"aum": 1000, "list_tier": "potential"}]
    t = solve(bank(rms=[{}], customers=cust)).assignments.set_index("customer_id")
    assert list(t["tier"]) == ["ordinary", "potential"]
    assert list(t["status"]) == ["pooled", "pooled"]


# -- locks ----------------------------------------------------------------------------------------
def test_lock_holds_against_a_better_plan(bank):
    rms = [{"capacity": 2}, {"capacity": 2}]
    cust = [
        {"aum": MID, "current_rm_id": "M1", "locked": "true"},
        {"aum": MID, "current_rm_id": "M1"},
        {"aum": MID, "current_rm_id": "M1"},
    ]
    t = solve(bank(rms=rms, customers=cust)).assignments.set_index("customer_id")
    assert t.loc["K1", "rm_id"] == "M1" and t.loc["K1", "reason"] == "locked to today's RM"


def test_lock_cannot_hold_on_inactive_rm(bank):
    rms = [{"active": "false"}, {}]
    cust = [{"aum": MID, "current_rm_id": "M1", "locked": "true"}]
    r = row(solve(bank(rms=rms, customers=cust)), "K1")
    assert r.rm_id == "M2" and r.status == "reassigned"
    assert r.reason.startswith("lock cannot hold")
    assert "M1 is inactive" in r.reason


def test_conflicting_locks_on_one_to_one_rm_are_invalid(bank):
    rms = [{"line": "corporate", "grade": "senior"}]
    cust = [
        {"segment": "corporate", "annual_contribution": 11e6, "current_rm_id": "M1", "locked": "1"},
        {"segment": "corporate", "annual_contribution": 1, "current_rm_id": "M1", "locked": "1"},
    ]
    with pytest.raises(InputError) as err:
        allocate(bank(rms=rms, customers=cust), time_limit=5)
    rows = {i.row for i in err.value.issues}
    assert rows == {2, 3}
    assert "one-to-one RM M1" in str(err.value)


def test_group_locked_to_two_rms_is_invalid(bank):
    rms = [{"line": "corporate"}, {"line": "corporate"}]
    cust = [
        {"segment": "corporate", "group_id": "G", "current_rm_id": "M1", "locked": "1"},
        {"segment": "corporate", "group_id": "G", "current_rm_id": "M2", "locked": "1"},
    ]
    with pytest.raises(InputError) as err:
        allocate(bank(rms=rms, customers=cust), time_limit=5)
    assert {i.row for i in err.value.issues} == {2, 3}
    assert all(i.column == "current_rm_id" for i in err.value.issues)


def test_locked_workload_above_capacity_is_invalid(bank):
    rms = [{"capacity": 1}]
    cust = [{"aum": MID, "current_rm_id": "M1", "locked": "1"}] * 2
    with pytest.raises(InputError, match="exceeds its capacity"):
        allocate(bank(rms=rms, customers=cust), time_limit=5)


# -- objective order ------------------------------------------------------------------------------
def test_continuity_keeps_todays_rm(bank):
    rms = [{"capacity": 3}, {"capacity": 3}]
    cust = [{"aum": MID, "current_rm_id": "M2"} for _ in range(3)]
    t = solve(bank(rms=rms, customers=cust)).assignments
    assert set(t["status"]) == {"kept"}


def test_continuity_prefers_keeping_over_dropping(bank):
    # one slot of 8 points; today's private client competes with an equally valued newcomer
    rms = [{"branch_id": "C0", "unit": "wealth_center", "certifications": "CFP", "capacity": 8}]
    cust = [{"aum": PRIVATE}, {"aum": PRIVATE, "current_rm_id": "M1"}]
    t = solve(bank(rms=rms, customers=cust)).assignments.set_index("customer_id")
    assert t.loc["K2", "status"] == "kept"


def test_balance_spreads_load(bank):
    rms = [{"capacity": 4}, {"capacity": 4}]
    cust = [{"aum": MID} for _ in range(4)]
    plan = solve(bank(rms=rms, customers=cust))
    assert plan.assignments["rm_id"].value_counts().tolist() == [2, 2]
    assert plan.kpis["utilisation"]["retail"]["max"] == pytest.approx(0.5)


def test_statuses(bank):
    rms = [{"capacity": 1}, {"capacity": 10}, {"active": "false"}]
    cust = [
        {"aum": MID, "current_rm_id": "M2"},  # kept
        {"aum": MID, "current_rm_id": "M3"},  # reassigned (inactive)
        {"aum": MID},  # new
        {"aum": 100},  # pooled
    ]
    plan = solve(bank(rms=rms, customers=cust))
    assert list(plan.assignments["status"]) == ["kept", "reassigned", "new", "pooled"]
    assert plan.kpis["status_counts"]["kept"] == 1


def test_kpis_agree_with_the_independent_score(bank):
    rms = [{"capacity": 2}, {"branch_id": "C0", "unit": "vip_center", "certifications": "AFP"}]
    cust = [{"aum": MID}, {"aum": MID}, {"aum": MID}, {"aum": HIGH}, {"aum": 50}]
    plan = solve(bank(rms=rms, customers=cust))
    score = score_plan(plan.instance, plan.assignments, plan.policy)
    assert score["cover_value"] == plan.kpis["cover_value"] == 10 + 10 + 100


def test_policy_override_changes_thresholds(bank):
    rms = [{"branch_id": "C0", "unit": "wealth_center", "certifications": "CFP"}]
    cust = [{"aum": PRIVATE}]
    policy = {"tiers": {"private": {"aum_min": 8_000_000}}}
    plan = allocate(bank(rms=rms, customers=cust), policy=policy, time_limit=5)
    assert plan.assignments["tier"].item() == "high"
