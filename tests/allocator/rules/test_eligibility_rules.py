"""One test per pairwise eligibility rule (allocator.rules.eligibility), Timefold-style: a rule,
one customer and one RM given in the contract's terms, and whether the rule keeps the pair."""

from __future__ import annotations

import numpy as np
from ruleverifier import verify_pair

from allocator.policy import default_policy
from allocator.rules import BranchTable, ClassTable, RmTable, scope_candidates
from allocator.rules.eligibility import (
    rule_active,
    rule_branch_level,
    rule_certification,
    rule_grade,
    rule_unit,
)

MID, HIGH, PRIVATE = {"aum": 300_000}, {"aum": 600_000}, {"aum": 7_000_000}
KEY10M = {"segment": "corporate", "annual_contribution": 12_000_000}
CITY_LIST = {"segment": "corporate", "list_tier": "city", "branch_id": "C0S1O1"}
CORP = {"line": "corporate"}


def rule_scope(k: np.ndarray, r: np.ndarray, cls: ClassTable, rms: RmTable, br: BranchTable):
    """The candidate step as a pair rule: same line, RM at the customer's branch or above."""
    kk, rr = scope_candidates(cls, rms, br, default_policy())
    return np.array([bool(((kk == k[0]) & (rr == r[0])).any())])


def test_active_rm_serves():
    verify_pair(rule_active).given(customer=MID, rm={"active": "true"}).keeps()


def test_inactive_rm_serves_nobody():
    verify_pair(rule_active).given(customer=MID, rm={"active": "false"}).drops()


def test_mid_tier_needs_an_outlet_rm():
    verify_pair(rule_unit).given(customer=MID, rm={"unit": "vip_center"}).drops()


def test_high_tier_is_served_from_a_vip_centre():
    verify_pair(rule_unit).given(customer=HIGH, rm={"unit": "vip_center"}).keeps()


def test_private_needs_cfp():
    verify_pair(rule_certification).given(customer=PRIVATE, rm={"certifications": "AFP"}).drops()


def test_cfp_meets_the_afp_requirement():
    verify_pair(rule_certification).given(customer=HIGH, rm={"certifications": "CFP"}).keeps()


def test_key10m_needs_a_senior_rm():
    verify_pair(rule_grade).given(customer=KEY10M, rm={**CORP, "grade": "intermediate"}).drops()


def test_chief_is_above_senior():
    verify_pair(rule_grade).given(customer=KEY10M, rm={**CORP, "grade": "chief"}).keeps()


def test_city_list_needs_a_city_level_rm():
    verify_pair(rule_branch_level).given(
        customer=CITY_LIST, rm={**CORP, "branch_id": "C0S1"}
    ).drops()


def test_province_rm_serves_the_city_list():
    verify_pair(rule_branch_level).given(customer=CITY_LIST, rm={**CORP, "branch_id": "P0"}).keeps()


def test_rm_of_another_line_is_no_candidate():
    verify_pair(rule_scope).given(customer=MID, rm={"line": "corporate"}).drops()


def test_rm_above_the_customer_branch_is_a_candidate():
    verify_pair(rule_scope).given(customer=MID, rm={"branch_id": "C0"}).keeps()


def test_rm_of_a_sibling_outlet_is_no_candidate():
    verify_pair(rule_scope).given(customer=MID, rm={"branch_id": "C0S1O2"}).drops()
