"""One test per coverage rule (contract v1.1), at the contract level: a tiny bank, the plan's
coverage table, and the checkers' verdict on both."""

from __future__ import annotations

import pandas as pd

from allocator import allocate
from allocator.checker import check_plan

CORP = {"line": "corporate"}
HEAD = {"position": "subbranch_head", "branch_id": "C0S1"}


def solve(instance, policy=None):
    plan = allocate(instance, policy=policy, time_limit=10, seed=0, workers=1)
    report = check_plan(plan.instance, plan.assignments, plan.policy, reasons=True,
                        solve=plan.kpis["solve"], coverage=plan.coverage)  # fmt: skip
    assert report.ok, report.summary()
    return plan


def roles(plan, role):
    cov = plan.coverage
    return cov[cov["role"] == role].set_index("customer_id")


def test_list_customers_get_a_city_co_rm(bank):
    rms = [{**CORP, "branch_id": "P0"}, {**CORP, "branch_id": "C0"}]
    plan = solve(bank(rms=rms, customers=[{"segment": "corporate", "list_tier": "hq"}]))
    assert plan.assignments["rm_id"].tolist() == ["M1"]
    assert roles(plan, "city_co_rm").loc["K1", "rm_id"] == "M2"


def test_executives_co_cover_their_band_and_serve_nobody(bank):
    rms = [{}, {**HEAD}, {**HEAD, "position": "subbranch_deputy_head"}]
    plan = solve(bank(rms=rms, customers=[{"aum": 3_000_000}, {"aum": 1_500_000}]))
    assert set(plan.assignments["rm_id"]) <= {"M1", ""}
    assert roles(plan, "co_cover")["rm_id"].to_dict() == {"K1": "M2", "K2": "M3"}


def test_co_cover_takes_the_richest_first(bank):
    rms = [{**HEAD, "co_cover_capacity": "1"}]
    plan = solve(bank(rms=rms, customers=[{"aum": 3_000_000}, {"aum": 4_000_000}]))
    cover = roles(plan, "co_cover")
    assert cover.loc["K2", "rm_id"] == "M1" and cover.loc["K1", "rm_id"] == ""
    assert cover.loc["K1", "reason"] == "no subbranch head with room at C0S1"


def test_key_accounts_by_teams(bank):
    rms = [{**CORP, "grade": "senior"}, CORP, {**CORP, "branch_id": "C0"}]
    key = {"segment": "corporate", "annual_contribution": 12_000_000}
    plan = solve(bank(rms=rms, customers=[key, {"segment": "corporate"}]),
                 {"coverage": {"key_accounts": "team"}})  # fmt: skip
    assert plan.assignments.set_index("customer_id").loc["K1", "rm_id"] == "M1"
    assert sorted(roles(plan, "team_member").loc[["K1"], "rm_id"]) == ["M2", "M3"]


def test_a_composite_rm_serves_both_lines_at_a_subbranch(bank):
    rms = [{"line": "both", "branch_id": "C0S1"}, {"line": "both", "branch_id": "C0S1O1"}]
    plan = solve(bank(rms=rms, customers=[{"aum": 300_000}, {"segment": "corporate"}]))
    assert plan.assignments["rm_id"].tolist() == ["M1", "M1"]  # M2 is at an outlet: not allowed


def test_private_needs_a_designated_vip_centre_when_the_policy_says_so(bank):
    vip = {"branch_id": "C0", "unit": "vip_center", "certifications": "CFP"}
    policy = {"coverage": {"designated_tiers": ["private"]}}
    plan = solve(bank(rms=[vip], customers=[{"aum": 7_000_000}]), policy)
    assert plan.assignments["rm_id"].tolist() == [""]
    plan = solve(
        bank(rms=[{**vip, "designated_private": "true"}], customers=[{"aum": 7_000_000}]), policy
    )
    assert plan.assignments["rm_id"].tolist() == ["M1"]


def test_group_network_rms_at_the_members_branches(bank):
    rms = [{**CORP, "branch_id": "C0S1"}, {**CORP, "branch_id": "C0S1O2"}]
    group = [
        {"segment": "corporate", "group_id": "G"},
        {"segment": "corporate", "group_id": "G", "branch_id": "C0S1O2"},
    ]
    plan = solve(bank(rms=rms, customers=group), {"coverage": {"group_network": {"enabled": True}}})
    assert plan.assignments["rm_id"].tolist() == ["M1", "M1"]
    # K2's branch gets its network RM; K1's branch (an outlet below the lead) has none
    assert roles(plan, "team_member")["rm_id"].to_dict() == {"K1": "", "K2": "M2"}


def test_a_v1_bank_has_primary_rows_only(bank):
    plan = solve(bank(rms=[{}], customers=[{"aum": 300_000}, {"aum": 10}]))
    assert not plan.has_roles
    assert plan.coverage.to_dict(orient="records") == [
        {"customer_id": "K1", "role": "primary", "rm_id": "M1", "reason": ""}
    ]


def test_the_checker_reports_a_co_cover_by_the_wrong_position(bank):
    rms = [{**HEAD}, {**HEAD, "position": "city_head", "branch_id": "C0"}]
    plan = solve(bank(rms=rms, customers=[{"aum": 3_000_000}]))
    wrong = plan.coverage.assign(rm_id=lambda f: f["rm_id"].replace({"M1": "M2"}))
    report = check_plan(plan.instance, plan.assignments, plan.policy, coverage=wrong)
    assert report.by_rule() == {"coverage_roles": 1}


def test_the_checker_reports_an_empty_role_while_someone_had_room(bank):
    rms = [{**CORP, "branch_id": "P0"}, {**CORP, "branch_id": "C0"}]
    plan = solve(bank(rms=rms, customers=[{"segment": "corporate", "list_tier": "hq"}]))
    empty = plan.coverage.assign(rm_id=lambda f: f["rm_id"].where(f["role"] == "primary", ""))
    report = check_plan(plan.instance, plan.assignments, plan.policy, coverage=empty)
    assert report.by_rule() == {"coverage_complete": 1}
    assert isinstance(plan.coverage, pd.DataFrame)


def _rows_verdict(plan, coverage):
    report = check_plan(plan.instance, plan.assignments, plan.policy, coverage=coverage)
    return sorted(v.message for v in report.violations)


def test_the_checker_reports_primary_rows_that_disagree_with_the_plan(bank):
    plan = solve(bank(rms=[{}, {}], customers=[{"aum": 300_000}, {"aum": 10}]))
    cov = plan.coverage
    moved = cov.assign(rm_id=cov["rm_id"].replace({"M1": "M2"}))
    assert _rows_verdict(plan, moved) == ["primary row disagrees with plan"]
    twice = pd.concat([cov, cov])
    assert _rows_verdict(plan, twice) == ["more than one primary row"]
    extra = pd.concat([cov, cov.assign(customer_id="K2")])
    assert _rows_verdict(plan, extra) == ["primary row for a customer without an RM"]


def test_the_checker_reports_unknown_customers_roles_and_rms(bank):
    plan = solve(bank(rms=[{}], customers=[{"aum": 300_000}]))
    row = plan.coverage.iloc[0].to_dict()
    bad = pd.DataFrame(
        [{**row, "customer_id": "X"}, {**row, "role": "boss"}, {**row, "rm_id": "M9"}]
    )
    assert _rows_verdict(plan, bad) == ["unknown RM", "unknown customer", "unknown role 'boss'"]
