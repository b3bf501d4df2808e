"""One test per rule of the independent checker (allocator.checker.rules), Timefold-style: a
rule, a tiny bank and plan in the contract's terms, and how many violations the rule reports."""

from __future__ import annotations

from ruleverifier import verify_check

from allocator.checker.rules import (
    check_branch_scope,
    check_capacity,
    check_certifications,
    check_groups_share_rm,
    check_known_rm,
    check_locks,
    check_min_branch_level,
    check_min_grade,
    check_one_to_one,
    check_pooled,
    check_rm_active,
    check_same_line,
    check_status,
    check_tier,
    check_units,
)

MID = {"aum": 300_000}
KEY = {"segment": "corporate", "annual_contribution": 12_000_000}
SENIOR = {"line": "corporate", "grade": "senior"}


def served(rm="M1", tier="mid", status="new"):
    return {"rm_id": rm, "tier": tier, "status": status, "reason": ""}


def plan_rows(ctx):
    """The plan_rows rule runs while the context is prepared: no other rule is asked."""
    return []


def test_plan_rows_one_per_customer():
    verify_check(plan_rows).given(rms=[{}], customers=[MID, MID], plan=[served()]).reports(1)


def test_known_rm():
    verify_check(check_known_rm).given(rms=[{}], customers=[MID], plan=[served("M9")]).reports(1)


def test_tier_is_the_policy_tier():
    plan = [served(tier="high")]
    verify_check(check_tier).given(rms=[{}], customers=[MID], plan=plan).reports(1)


def test_pooled_customer_gets_no_rm():
    plan = [served(tier="ordinary")]
    verify_check(check_pooled).given(rms=[{}], customers=[{"aum": 10}], plan=plan).reports(1)


def test_same_line():
    rms = [{"line": "corporate"}]
    verify_check(check_same_line).given(rms=rms, customers=[MID], plan=[served()]).reports(1)


def test_rm_active():
    rms = [{"active": "false"}]
    verify_check(check_rm_active).given(rms=rms, customers=[MID], plan=[served()]).reports(1)


def test_branch_scope():
    rms = [{"branch_id": "C0S1O2"}]
    verify_check(check_branch_scope).given(rms=rms, customers=[MID], plan=[served()]).reports(1)


def test_units():
    rms = [{"unit": "vip_center"}]
    verify_check(check_units).given(rms=rms, customers=[MID], plan=[served()]).reports(1)


def test_certifications_cfp_meets_afp():
    rms, cust = [{"unit": "vip_center", "certifications": "CFP"}], [{"aum": 600_000}]
    verify_check(check_certifications).given(rms, cust, [served(tier="high")]).accepts()


def test_min_grade():
    rms, plan = [{**SENIOR, "grade": "rm"}], [served(tier="key10m")]
    verify_check(check_min_grade).given(rms=rms, customers=[KEY], plan=plan).reports(1)


def test_min_branch_level():
    cust, rms = [{"segment": "corporate", "list_tier": "city"}], [{**SENIOR, "branch_id": "C0S1"}]
    verify_check(check_min_branch_level).given(rms, cust, [served(tier="city")]).reports(1)


def test_one_to_one():
    cust = [KEY, {"segment": "corporate"}]
    plan = [served(tier="key10m"), served(tier="subbranch")]
    verify_check(check_one_to_one).given(rms=[SENIOR], customers=cust, plan=plan).reports(1)


def test_groups_share_one_rm():
    cust = [{**MID, "group_id": "G"}, {**MID, "group_id": "G"}]
    plan = [served("M1"), served("M2")]
    verify_check(check_groups_share_rm).given(rms=[{}, {}], customers=cust, plan=plan).reports(1)


def test_locks_hold_when_they_can():
    cust = [{**MID, "current_rm_id": "M1", "locked": "true"}]
    plan = [served("M2", status="moved")]
    verify_check(check_locks).given(rms=[{}, {}], customers=cust, plan=plan).reports(1)


def test_capacity():
    rms, cust = [{"capacity": "1"}], [MID, MID]
    verify_check(check_capacity).given(rms=rms, customers=cust, plan=[served(), served()]).reports(
        1
    )


def test_status_follows_todays_book():
    cust = [{**MID, "current_rm_id": "M1"}]
    verify_check(check_status).given(rms=[{}], customers=cust, plan=[served()]).reports(1)
