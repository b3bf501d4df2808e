"""The independent plan checker: each rule passes a clean plan and catches a plan that breaks it.

The bank is tiny and named, built directly as normalised frames (no dependence on validation):

    HO (head_office) > P1 (province) > C1 (city) > S1 (subbranch) > O1, O2 (outlets)
                                     > C2 (city) > O3 (outlet)

Every test starts from :func:`clean_plan`, which breaks no rule, and changes as little as it
takes to break exactly one rule.
"""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tinybank import CUSTOMER_COLUMNS, RM_COLUMNS

from allocator.checker import (
    PAIR_RULES,
    RULES,
    STATUSES,
    CheckReport,
    Violation,
    check_plan,
    rm_loads,
    score_plan,
)
from allocator.errors import InputError
from allocator.instance import Instance
from allocator.policy import default_policy, load_policy
from allocator.synth import branch_rows

BRANCHES = branch_rows("HO>P1>C1>S1>O1", "HO>P1>C1>S1>O2", "HO>P1>C2>O3")

RMS = [
    # rm_id, line, grade, certifications, branch_id, unit, capacity, active
    ("R_OUT", "retail", "rm", "", "O1", "outlet", np.nan, True),
    ("R_OFF", "retail", "rm", "", "O1", "outlet", np.nan, False),
    ("R_FAR", "retail", "rm", "", "O3", "outlet", np.nan, True),
    ("R_VIP", "retail", "senior", "AFP", "S1", "vip_center", np.nan, True),
    ("R_CPB", "retail", "senior", "CPB", "S1", "vip_center", np.nan, True),
    ("R_WM", "retail", "senior", "CFP", "C1", "wealth_center", np.nan, True),
    ("K_SEN", "corporate", "senior", "", "C1", "marketing", np.nan, True),
    ("K_INT", "corporate", "intermediate", "", "S1", "outlet", np.nan, True),
    ("K_INT2", "corporate", "intermediate", "", "S1", "outlet", np.nan, True),
    ("K_PROV", "corporate", "rm", "", "P1", "marketing", np.nan, True),
    ("K_SUB", "corporate", "rm", "", "O1", "outlet", 4.0, True),
    ("K_SUB2", "corporate", "rm", "", "S1", "outlet", np.nan, True),
]

CUSTOMERS = [
    # customer_id, segment, branch_id, aum, annual_contribution, list_tier, group_id,
    # current_rm_id, locked
    ("c_mid", "retail", "O1", 300_000, 0, "", "", "R_OUT", False),
    ("c_high", "retail", "O1", 1_000_000, 0, "", "", "", False),
    ("c_priv", "retail", "O1", 7_000_000, 0, "", "", "R_VIP", False),
    ("c_ord", "retail", "O1", 1_000, 0, "", "", "", False),
    ("c_pot", "retail", "O2", 100_000, 0, "potential", "", "", False),
    ("c_lk", "retail", "O1", 250_000, 0, "", "", "R_OFF", True),
    ("c_un", "retail", "O3", 300_000, 0, "", "", "", False),
    ("c_k10", "corporate", "O1", 0, 12_000_000, "", "", "", False),
    ("c_k3", "corporate", "O1", 0, 4_000_000, "", "G1", "", False),
    ("c_g2", "corporate", "O2", 0, 0, "", "G1", "", False),
    ("c_prov", "corporate", "O1", 0, 0, "province", "", "", False),
    ("c_sub", "corporate", "O1", 0, 0, "", "", "K_SUB", True),
    ("c_sub2", "corporate", "O1", 0, 0, "", "", "K_PROV", False),
]

CLEAN_PLAN = [
    # customer_id, rm_id, tier, status, reason
    ("c_mid", "R_OUT", "mid", "kept", ""),
    ("c_high", "R_WM", "high", "new", ""),  # CFP satisfies the AFP requirement
    ("c_priv", "R_WM", "private", "reassigned", ""),  # R_VIP lacks CFP: no longer eligible
    ("c_ord", "", "ordinary", "pooled", ""),
    ("c_pot", "", "potential", "pooled", ""),
    ("c_lk", "R_OUT", "mid", "reassigned", "locked RM is inactive"),
    ("c_un", "", "mid", "unassigned", "capacity exhausted"),
    ("c_k10", "K_SEN", "key10m", "new", ""),
    ("c_k3", "K_INT", "key3m", "new", ""),
    ("c_g2", "K_INT", "subbranch", "new", ""),  # same group: allowed on c_k3's one-to-one RM
    ("c_prov", "K_PROV", "province", "new", ""),
    ("c_sub", "K_SUB", "subbranch", "kept", ""),
    ("c_sub2", "K_SUB", "subbranch", "moved", ""),
]


def make_instance(
    customers: list[tuple[Any, ...]] = CUSTOMERS,
    rms: list[tuple[Any, ...]] = RMS,
    branches: list[tuple[Any, ...]] = BRANCHES,
) -> Instance:
    """An instance normalised as :mod:`allocator.validation` would leave it."""
    cust = pd.DataFrame(customers, columns=CUSTOMER_COLUMNS).astype(
        {"aum": "float64", "annual_contribution": "float64", "locked": bool}
    )
    rm = pd.DataFrame(rms, columns=RM_COLUMNS).astype({"capacity": "float64", "active": bool})
    br = pd.DataFrame(branches, columns=["branch_id", "parent_id", "level"])
    return Instance(customers=cust, rms=rm, branches=br)


def make_plan(
    changes: Mapping[str, Mapping[str, str]] | None = None,
    rows: list[tuple[str, str, str, str, str]] = CLEAN_PLAN,
) -> pd.DataFrame:
    """The clean plan with some cells changed: ``{customer_id: {column: value}}``."""
    plan = pd.DataFrame(rows, columns=["customer_id", "rm_id", "tier", "status", "reason"])
    for cid, cells in (changes or {}).items():
        assert cid in set(plan["customer_id"]), cid
        for column, value in cells.items():
            plan.loc[plan["customer_id"] == cid, column] = value
    return plan


def _with_row(
    rows: list[tuple[Any, ...]], names: list[str], row_id: str, cells: Mapping[str, Any]
) -> list[tuple[Any, ...]]:
    """``rows`` with the fields of the row whose id (first field) is ``row_id`` changed."""
    out = []
    for row in rows:
        if row[0] == row_id:
            values = dict(zip(names, row, strict=True)) | dict(cells)
            row = tuple(values[n] for n in names)
        out.append(row)
    return out


def with_rm(rm_id: str, **cells: Any) -> list[tuple[Any, ...]]:
    """RMS with one RM's fields changed."""
    return _with_row(RMS, RM_COLUMNS, rm_id, cells)


def with_customer(customer_id: str, **cells: Any) -> list[tuple[Any, ...]]:
    """CUSTOMERS with one customer's fields changed."""
    return _with_row(CUSTOMERS, CUSTOMER_COLUMNS, customer_id, cells)


def rules_of(report: CheckReport) -> set[str]:
    return {v.rule for v in report.violations}


def only(report: CheckReport, rule: str) -> list[Violation]:
    """The violations, asserting they are all of ``rule`` (and that there is one at least)."""
    assert rules_of(report) == {rule}, report.summary()
    return report.violations


@pytest.fixture
def bank() -> Instance:
    return make_instance()


# -- the clean plan -------------------------------------------------------------------------------
def test_clean_plan_passes(bank: Instance) -> None:
    report = check_plan(bank, make_plan())
    assert report.ok, report.summary()
    assert report.by_rule() == {}
    assert report.n_customers == len(CUSTOMERS)
    assert report.n_plan_rows == len(CLEAN_PLAN)
    assert report.summary().startswith("plan OK")
    assert report.to_dict()["ok"] is True


def test_clean_plan_with_nan_rm_and_extra_columns_passes(bank: Instance) -> None:
    plan = make_plan()
    plan["rm_id"] = plan["rm_id"].replace("", np.nan)
    plan["reason"] = plan["reason"].replace("", None)
    plan["note"] = "extra column"
    assert check_plan(bank, plan.iloc[::-1]).ok  # row order is free too


def test_every_rule_name_is_listed() -> None:
    assert set(PAIR_RULES) <= set(RULES)
    assert len(set(RULES)) == len(RULES)


# -- plan rows ------------------------------------------------------------------------------------
def test_missing_customer(bank: Instance) -> None:
    plan = make_plan()
    plan = plan[plan["customer_id"] != "c_ord"]
    (v,) = only(check_plan(bank, plan), "plan_rows")
    assert v.customer_id == "c_ord"
    assert "no plan row" in v.message


def test_unknown_customer(bank: Instance) -> None:
    plan = make_plan()
    plan.loc[len(plan)] = ["zz", "", "ordinary", "pooled", ""]
    (v,) = only(check_plan(bank, plan), "plan_rows")
    assert v.customer_id == "zz"
    assert "unknown" in v.message


def test_duplicate_customer(bank: Instance) -> None:
    plan = make_plan()
    plan = pd.concat([plan, plan[plan["customer_id"] == "c_ord"]], ignore_index=True)
    (v,) = only(check_plan(bank, plan), "plan_rows")
    assert v.customer_id == "c_ord"
    assert "2 plan rows" in v.message


def test_plan_missing_a_column_is_input_error(bank: Instance) -> None:
    with pytest.raises(InputError) as info:
        check_plan(bank, make_plan().drop(columns=["status"]))
    assert [i.column for i in info.value.issues] == ["status"]


# -- RM reference, tier, pooled -------------------------------------------------------------------
#: (changes to the clean plan, the one rule they break, (customer, RM) reported, words said)
ONE_CHANGE: list[tuple[dict[str, dict[str, str]], str, tuple[str, str], tuple[str, ...]]] = [
    ({"c_mid": {"rm_id": "R_NOPE", "status": "moved"}}, "known_rm", ("c_mid", "R_NOPE"), ()),
    ({"c_ord": {"rm_id": "R_OUT", "status": "new"}}, "pooled", ("c_ord", "R_OUT"), ()),
    ({"c_sub2": {"rm_id": "R_OUT"}}, "same_line", ("c_sub2", "R_OUT"), ()),
    ({"c_mid": {"rm_id": "R_OFF", "status": "moved"}}, "rm_active", ("c_mid", "R_OFF"), ()),
    ({"c_mid": {"rm_id": "R_FAR", "status": "moved"}}, "branch_scope", ("c_mid", "R_FAR"), ()),
    (
        {"c_mid": {"rm_id": "R_VIP", "status": "moved"}},
        "units",
        ("c_mid", "R_VIP"),
        ("vip_center", "mid needs"),
    ),
    ({"c_high": {"rm_id": "R_CPB"}}, "certifications", ("c_high", "R_CPB"), ()),
    ({"c_k10": {"rm_id": "K_INT2"}}, "min_grade", ("c_k10", "K_INT2"), ("senior",)),
    ({"c_prov": {"rm_id": "K_SUB2"}}, "min_branch_level", ("c_prov", "K_SUB2"), ()),
    # the violation names the one-to-one customer whose RM now serves another
    (
        {"c_sub2": {"rm_id": "K_SEN"}},
        "one_to_one",
        ("c_k10", "K_SEN"),
        ("1 customer(s) outside",),
    ),
    # ties go to the smallest RM id
    ({"c_g2": {"rm_id": "K_PROV"}}, "groups_share_rm", ("c_g2", "K_PROV"), ()),
    ({"c_sub": {"rm_id": "K_SUB2", "status": "moved"}}, "locks", ("c_sub", "K_SUB2"), ()),
]


@pytest.mark.parametrize(
    ("changes", "rule", "where", "words"), ONE_CHANGE, ids=[case[1] for case in ONE_CHANGE]
)
def test_one_change_breaks_its_rule_at_its_row(
    bank: Instance,
    changes: dict[str, dict[str, str]],
    rule: str,
    where: tuple[str, str],
    words: tuple[str, ...],
) -> None:
    """One change to the clean plan breaks exactly its rule, reported at the row it names."""
    (v,) = only(check_plan(bank, make_plan(changes)), rule)
    assert (v.customer_id, v.rm_id) == where
    for word in words:
        assert word in v.message


def test_tier(bank: Instance) -> None:
    (v,) = only(check_plan(bank, make_plan({"c_mid": {"tier": "high"}})), "tier")
    assert v.customer_id == "c_mid"
    assert "'mid'" in v.message


@pytest.mark.parametrize(
    ("aum", "contribution", "list_tier", "segment", "tier"),
    [
        (6_000_000, 0, "", "retail", "private"),  # thresholds are inclusive
        (5_999_999, 0, "", "retail", "high"),
        (500_000, 0, "", "retail", "high"),
        (200_000, 0, "", "retail", "mid"),
        (199_999, 0, "", "retail", "ordinary"),
        (199_999, 0, "potential", "retail", "potential"),
        (300_000, 0, "potential", "retail", "mid"),  # aum tiers are tried before potential
        (0, 0, "", "corporate", "subbranch"),
        (0, 0, "hq", "corporate", "hq"),
        (0, 0, "city", "corporate", "city"),
        (0, 3_000_000, "", "corporate", "key3m"),
        (0, 9_999_999, "city", "corporate", "key3m"),
        (0, 10_000_000, "hq", "corporate", "key10m"),
    ],
)
def test_tier_recomputed_from_policy(
    aum: float, contribution: float, list_tier: str, segment: str, tier: str
) -> None:
    customers = [("x", segment, "O1", aum, contribution, list_tier, "", "", False)]
    pooled = tier in ("ordinary", "potential")
    status, reason = ("pooled", "") if pooled else ("unassigned", "no RM")
    instance = make_instance(customers=customers)
    good = make_plan(rows=[("x", "", tier, status, reason)])
    assert check_plan(instance, good).ok, check_plan(instance, good).summary()
    bad = make_plan(rows=[("x", "", "wrong", status, reason)])
    assert rules_of(check_plan(instance, bad)) == {"tier"}


def test_customer_without_tier_gets_no_rm() -> None:
    # The policy gives every line a catch-all tier, so only an unknown segment has no tier
    # (validation rejects one; the checker still must not crash or accept an RM for it).
    customers = [("x", "wholesale", "O1", 5, 0, "", "", "", False)]
    instance = make_instance(customers=customers)
    ok = make_plan(rows=[("x", "", "", "unassigned", "no tier")])
    assert check_plan(instance, ok).ok
    bad = make_plan(rows=[("x", "R_OUT", "", "new", "")])
    assert rules_of(check_plan(instance, bad)) == {"pooled", "same_line"}
    assert "no tier" in check_plan(instance, bad).violations[0].message


# -- pairwise rules -------------------------------------------------------------------------------


def test_branch_scope_accepts_every_ancestor(bank: Instance) -> None:
    # K_PROV sits at the province, three levels above c_sub2's outlet
    plan = make_plan({"c_sub2": {"rm_id": "K_PROV", "status": "kept"}})
    assert check_plan(bank, plan).ok


def test_branch_scope_switched_off(bank: Instance) -> None:
    plan = make_plan({"c_mid": {"rm_id": "R_FAR", "status": "moved"}})
    policy = load_policy({"rules": {"branch_scope": False}})
    assert check_plan(bank, plan, policy).ok


def test_certification_implication_is_transitive() -> None:
    # XFP implies CFP implies AFP: an XFP holder serves a high (AFP) customer
    policy = load_policy({"certification_implies": {"XFP": ["CFP"]}})
    instance = make_instance(rms=with_rm("R_CPB", certifications="XFP"))
    plan = make_plan({"c_high": {"rm_id": "R_CPB"}})
    assert check_plan(instance, plan, policy).ok
    assert rules_of(check_plan(instance, plan)) == {"certifications"}


def test_certifications_afp_does_not_satisfy_cfp(bank: Instance) -> None:
    plan = make_plan({"c_priv": {"rm_id": "R_VIP", "status": "kept"}})
    (v,) = only(check_plan(bank, plan), "certifications")
    assert "CFP" in v.message


def test_band_and_tier_requirements_both_apply() -> None:
    # a province-listed key3m customer needs grade >= intermediate AND a province-level branch
    customers = [("x", "corporate", "O1", 0, 4_000_000, "province", "", "", False)]
    instance = make_instance(customers=customers)
    plan = make_plan(rows=[("x", "K_PROV", "key3m", "new", "")])  # K_PROV: grade rm
    assert rules_of(check_plan(instance, plan)) == {"min_grade"}
    plan = make_plan(rows=[("x", "K_INT2", "key3m", "new", "")])  # K_INT2: at a subbranch
    assert rules_of(check_plan(instance, plan)) == {"min_branch_level"}


# -- side rules -----------------------------------------------------------------------------------


def test_one_to_one_switched_off(bank: Instance) -> None:
    plan = make_plan({"c_sub2": {"rm_id": "K_SEN"}})
    assert check_plan(bank, plan, load_policy({"rules": {"one_to_one": False}})).ok


def test_group_member_without_rm_is_fine(bank: Instance) -> None:
    plan = make_plan({"c_g2": {"rm_id": "", "status": "unassigned", "reason": "capacity"}})
    assert check_plan(bank, plan).ok


def test_groups_switched_off(bank: Instance) -> None:
    plan = make_plan({"c_g2": {"rm_id": "K_PROV"}})
    assert check_plan(bank, plan, load_policy({"rules": {"groups_share_rm": False}})).ok


def test_lock_that_cannot_hold_needs_a_reason(bank: Instance) -> None:
    (v,) = only(check_plan(bank, make_plan({"c_lk": {"reason": ""}})), "locks")
    assert v.customer_id == "c_lk"
    assert "cannot hold" in v.message


def test_locks_switched_off(bank: Instance) -> None:
    plan = make_plan({"c_sub": {"rm_id": "K_SUB2", "status": "moved"}, "c_lk": {"reason": ""}})
    assert check_plan(bank, plan, load_policy({"rules": {"locks": False}})).ok


def test_capacity() -> None:
    instance = make_instance(rms=with_rm("K_SUB", capacity=1.0))
    (v,) = only(check_plan(instance, make_plan()), "capacity")
    assert (v.customer_id, v.rm_id) == ("", "K_SUB")
    assert "workload 2 exceeds capacity 1" in v.message


def test_capacity_default_comes_from_policy(bank: Instance) -> None:
    # K_PROV and K_INT have no capacity of their own: the corporate default applies
    policy = load_policy({"default_capacity": {"corporate": 2.5}})
    (v,) = only(check_plan(bank, make_plan(), policy), "capacity")
    assert v.rm_id == "K_PROV"  # province: 3 points


def test_capacity_uses_band_workload() -> None:
    policy = load_policy({"bands": {"key10m": {"workload": 100}}})
    (v,) = only(check_plan(make_instance(), make_plan(), policy), "capacity")
    assert v.rm_id == "K_SEN"
    assert "workload 100 exceeds capacity 60" in v.message


# -- status ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("customer_id", "cells", "expected"),
    [
        ("c_mid", {"status": "moved"}, "kept"),  # same RM as today
        ("c_high", {"status": "kept"}, "new"),  # no RM today
        ("c_priv", {"status": "moved"}, "reassigned"),  # today's RM no longer eligible
        ("c_lk", {"status": "moved"}, "reassigned"),  # today's RM inactive
        ("c_sub2", {"status": "reassigned"}, "moved"),  # today's RM active and eligible
        ("c_ord", {"status": "unassigned", "reason": "x"}, "pooled"),
        ("c_un", {"status": "pooled"}, "unassigned"),
        ("c_mid", {"status": "done"}, "kept"),  # not a status at all
    ],
)
def test_status_inconsistent(
    bank: Instance, customer_id: str, cells: dict[str, str], expected: str
) -> None:
    (v,) = only(check_plan(bank, make_plan({customer_id: cells})), "status")
    assert v.customer_id == customer_id
    assert repr(expected) in v.message or "not one of" in v.message


def test_status_reassigned_when_current_rm_unknown() -> None:
    instance = make_instance(customers=with_customer("c_high", current_rm_id="GONE"))
    plan = make_plan({"c_high": {"status": "reassigned"}})
    assert check_plan(instance, plan).ok
    assert rules_of(check_plan(instance, make_plan())) == {"status"}  # "new" is wrong now


def test_status_moved_when_current_rm_still_eligible(bank: Instance) -> None:
    # c_high gets R_VIP today: still eligible, so giving R_WM is a move
    instance = make_instance(customers=with_customer("c_high", current_rm_id="R_VIP"))
    assert rules_of(check_plan(instance, make_plan())) == {"status"}
    assert check_plan(instance, make_plan({"c_high": {"status": "moved"}})).ok


def test_unassigned_needs_a_reason(bank: Instance) -> None:
    (v,) = only(check_plan(bank, make_plan({"c_un": {"reason": "  "}})), "status")
    assert "without a reason" in v.message


def test_unassigned_customer_with_eligible_rm_today_is_not_a_move(bank: Instance) -> None:
    plan = make_plan({"c_mid": {"rm_id": "", "status": "unassigned", "reason": "capacity"}})
    assert check_plan(bank, plan).ok
    assert score_plan(bank, plan)["moved"] == 1  # c_sub2 only


# -- report ---------------------------------------------------------------------------------------
def test_report_counts_and_dict(bank: Instance) -> None:
    plan = make_plan({"c_mid": {"tier": "x", "status": "moved"}, "c_high": {"tier": "y"}})
    report = check_plan(bank, plan)
    assert not report.ok
    assert report.by_rule() == {"tier": 2, "status": 1}
    assert list(report.by_rule()) == ["tier", "status"]  # RULES order
    data = report.to_dict()
    assert data["n_violations"] == 3
    assert data["violations"][0] == {
        "rule": "tier",
        "customer_id": "c_mid",
        "rm_id": "R_OUT",
        "message": "plan tier 'x', policy gives 'mid'",
    }
    text = report.summary(limit=1)
    assert "plan INVALID" in text and "tier: 2" in text and "... and 2 more" in text


# -- score ----------------------------------------------------------------------------------------
def test_score_by_hand(bank: Instance) -> None:
    score = score_plan(bank, make_plan())
    # mid 10 + high 100 + private 1000 + c_lk mid 10 + key10m 1000 + key3m 500 + subbranch 10
    # + province 200 + subbranch 10 + subbranch 10
    assert score["cover_value"] == 2850
    assert score["moved"] == 1  # c_sub2: today K_PROV, active and eligible
    # K_SUB: c_sub + c_sub2 = 2 points of 4; next is K_PROV 3/60
    assert math.isclose(score["max_utilisation"], 0.5)
    assert score["assigned"] == 10
    assert score["customers"] == 13
    assert score["coverage"]["mid"] == {"customers": 3, "assigned": 2}
    assert score["coverage"]["ordinary"] == {"customers": 1, "assigned": 0}
    assert score["coverage"]["key10m"] == {"customers": 1, "assigned": 1}
    assert score["coverage"]["hq"] == {"customers": 0, "assigned": 0}
    assert sum(c["customers"] for c in score["coverage"].values()) == 13


def test_score_band_priority_replaces_tier_priority() -> None:
    customers = [("x", "corporate", "O1", 0, 3_000_000, "hq", "", "", False)]
    plan = make_plan(rows=[("x", "K_PROV", "key3m", "new", "")])
    assert score_plan(make_instance(customers=customers), plan)["cover_value"] == 500


def test_score_utilisation_ignores_inactive_rms(bank: Instance) -> None:
    plan = make_plan({"c_mid": {"rm_id": "R_OFF", "status": "moved"}})
    instance = make_instance(rms=with_rm("R_OFF", capacity=0.5))
    assert math.isclose(score_plan(instance, plan)["max_utilisation"], 0.5)


def test_rm_loads(bank: Instance) -> None:
    loads = rm_loads(bank, make_plan())
    assert loads.loc["K_SUB", "load"] == 2
    assert loads.loc["K_SUB", "customers"] == 2
    assert loads.loc["R_WM", "load"] == 10  # high 2 + private 8
    assert loads.loc["R_WM", "capacity"] == default_policy().default_capacity["retail"]
    assert loads.loc["R_FAR", "load"] == 0


# -- any plan at all ------------------------------------------------------------------------------
_RM_CHOICES = ["", "R_NOPE", *(r[0] for r in RMS)]
_TIER_CHOICES = ["", "x", *default_policy().all_tier_names()]
_ROW = st.tuples(
    st.sampled_from([c[0] for c in CUSTOMERS] + ["zz", ""]),
    st.sampled_from(_RM_CHOICES),
    st.sampled_from(_TIER_CHOICES),
    st.sampled_from([*STATUSES, "done"]),
    st.sampled_from(["", "why"]),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(_ROW, max_size=20))
def test_any_plan_is_checked_without_crashing(rows: list[tuple[str, str, str, str, str]]) -> None:
    instance = make_instance()
    plan = make_plan(rows=rows)
    report = check_plan(instance, plan)
    assert {v.rule for v in report.violations} <= set(RULES)
    ids = {c[0] for c in CUSTOMERS} | {r[0] for r in rows} | {""}
    assert {v.customer_id for v in report.violations} <= ids
    assert sum(report.by_rule().values()) == len(report.violations)
    assert report.ok == (report.violations == [])
    # every input customer without a row is reported, once
    missing = {c[0] for c in CUSTOMERS} - {r[0] for r in rows}
    reported = {
        v.customer_id
        for v in report.violations
        if v.rule == "plan_rows" and "no plan row" in v.message
    }
    assert reported == missing
    score = score_plan(instance, plan)
    assert score["assigned"] <= len(CUSTOMERS)
    assert score["moved"] <= score["assigned"]


def test_empty_instance_and_plan() -> None:
    instance = make_instance(customers=[])
    plan = make_plan(rows=[])
    assert check_plan(instance, plan).ok
    assert score_plan(instance, plan)["cover_value"] == 0
    assert rules_of(check_plan(make_instance(), plan)) == {"plan_rows"}


# -- independence and speed -----------------------------------------------------------------------
def test_checker_imports_no_solver() -> None:
    code = (
        "import allocator.checker, sys; "
        "bad = [m for m in sys.modules if m.startswith(('ortools', 'highspy', 'pulp', "
        "'allocator.backends', 'allocator.compile', 'allocator.problem'))]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_large_plan_checks_quickly() -> None:
    import time

    rng = np.random.default_rng(0)
    n = 100_000
    outlets = [f"O{i}" for i in range(200)]
    branches = [("C", "", "city")] + [(o, "C", "outlet") for o in outlets]
    rms = [
        (f"R{i}", "retail", "rm", "", outlets[i % 200], "outlet", 1000.0, True) for i in range(400)
    ]
    home = rng.integers(0, 200, n)
    customers = [
        (f"c{i}", "retail", outlets[h], 300_000.0, 0.0, "", f"g{h}-{i % 7}", f"R{h}", False)
        for i, h in enumerate(home)
    ]
    instance = make_instance(customers=customers, rms=rms, branches=branches)
    plan = make_plan(rows=[(f"c{i}", f"R{h}", "mid", "kept", "") for i, h in enumerate(home)])
    start = time.perf_counter()
    report = check_plan(instance, plan)
    seconds = time.perf_counter() - start
    assert report.ok, report.summary()
    assert seconds < 10, seconds
