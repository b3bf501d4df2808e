"""One test per reason code of the reason checker (allocator.checker.reasons): a tiny bank and
plan where the code's claim is false is reported; a few where it holds pass."""

from __future__ import annotations

from ruleverifier import verify_check

from allocator.checker.reasons import reason_violations

MID = {"aum": 300_000}
SOLVED = {"stages": [{"name": "cover_value", "status": "optimal"}], "termination": "converged"}


def reasons(ctx):
    return reason_violations(ctx, SOLVED)


def none(code, status="unassigned"):
    return {"rm_id": "", "tier": "mid", "status": status, "reason_code": code}


def test_capacity_holds_when_every_eligible_rm_is_full():
    rms, cust = [{"capacity": "1"}], [MID, MID]
    plan = [{"rm_id": "M1", "tier": "mid", "status": "new"}, none("capacity")]
    verify_check(reasons).given(rms=rms, customers=cust, plan=plan).accepts()


def test_capacity_is_false_with_room():
    verify_check(reasons).given(rms=[{}], customers=[MID], plan=[none("capacity")]).reports(1)


def test_funnel_code_is_false_with_an_eligible_rm():
    verify_check(reasons).given(rms=[{}], customers=[MID], plan=[none("no_active_rm")]).reports(1)


def test_no_active_rm_holds_when_the_only_rm_is_inactive():
    rms, plan = [{"active": "false"}], [none("no_active_rm")]
    verify_check(reasons).given(rms=rms, customers=[MID], plan=plan).accepts()


def test_unassigned_needs_a_reason_why():
    verify_check(reasons).given(rms=[{}], customers=[MID], plan=[none("")]).reports(1)


def test_time_limit_is_false_on_a_converged_proven_solve():
    verify_check(reasons).given(rms=[{}], customers=[MID], plan=[none("time_limit")]).reports(1)


def test_rm_left_holds_for_an_unknown_rm():
    cust, plan = [{**MID, "current_rm_id": "X9"}], [none("capacity;rm_left")]
    verify_check(reasons).given(rms=[{"capacity": "0.5"}], customers=cust, plan=plan).accepts()


def test_rm_left_is_false_for_a_listed_rm():
    cust = [{**MID, "current_rm_id": "M1"}]
    plan = [{"rm_id": "M1", "tier": "mid", "status": "kept", "reason_code": "rm_left"}]
    verify_check(reasons).given(rms=[{}], customers=cust, plan=plan).reports(1)


def test_moved_over_capacity_is_false_when_the_book_fitted():
    cust = [{**MID, "current_rm_id": "M1"}]
    plan = [{"rm_id": "M2", "tier": "mid", "status": "moved", "reason_code": "moved_over_capacity"}]
    verify_check(reasons).given(rms=[{}, {}], customers=cust, plan=plan).reports(1)


def test_moved_needs_a_reason_why():
    cust = [{**MID, "current_rm_id": "M1"}]
    plan = [{"rm_id": "M2", "tier": "mid", "status": "moved", "reason_code": ""}]
    verify_check(reasons).given(rms=[{}, {}], customers=cust, plan=plan).reports(1)


def test_hysteresis_is_false_without_a_held_tier():
    plan = [{"rm_id": "M1", "tier": "mid", "status": "new", "reason_code": "hysteresis"}]
    verify_check(reasons).given(rms=[{}], customers=[MID], plan=plan).reports(1)


def test_unknown_code_is_reported():
    plan = [{"rm_id": "M1", "tier": "mid", "status": "new", "reason_code": "because"}]
    verify_check(reasons).given(rms=[{}], customers=[MID], plan=plan).reports(1)


def test_pooled_holds_for_a_pooled_tier_without_rm():
    poor = {"aum": 1_000}
    plan = [{"rm_id": "", "tier": "ordinary", "status": "pooled", "reason_code": "pooled"}]
    verify_check(reasons).given(rms=[{}], customers=[poor], plan=plan).accepts()


def test_pooled_is_false_for_a_served_tier():
    plan = [{"rm_id": "M1", "tier": "mid", "status": "new", "reason_code": "pooled"}]
    verify_check(reasons).given(rms=[{}], customers=[MID], plan=plan).reports(1)


KEY10M = {"segment": "corporate", "annual_contribution": 12_000_000}


def test_one_to_one_holds_when_only_rms_of_the_other_line_are_near():
    plan = [{"rm_id": "", "tier": "key10m", "status": "unassigned", "reason_code": "one_to_one"}]
    verify_check(reasons).given(rms=[{}], customers=[KEY10M], plan=plan).accepts()


def test_one_to_one_is_false_with_no_rm_at_or_above_its_branch():
    far = {"line": "corporate", "grade": "senior", "branch_id": "C1S1O1"}
    plan = [{"rm_id": "", "tier": "key10m", "status": "unassigned", "reason_code": "one_to_one"}]
    verify_check(reasons).given(rms=[far], customers=[KEY10M], plan=plan).reports(1)
