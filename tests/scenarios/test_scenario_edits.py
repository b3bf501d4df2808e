"""Each edit, one by one: it does what it says, and it is pure (its input is unchanged)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pytest

from allocator.errors import InputError
from allocator.instance import Instance
from allocator.policy import Policy
from allocator.rules import assign_tiers
from scenarios.edits import (
    add_rms,
    apply_edits,
    certify,
    grow_customers,
    new_ids,
    policy_override,
    remove_rms,
    set_capacity,
    shift_aum,
)
from scenarios.spec import AddRms, parse_spec


@contextmanager
def unchanged(instance: Instance, policy: Policy | None = None) -> Iterator[None]:
    """Assert that the block leaves ``instance`` (and ``policy``) exactly as they were."""
    frames = {k: getattr(instance, k).copy(deep=True) for k in ("customers", "rms", "branches")}
    pol = copy.deepcopy(policy.to_dict()) if policy is not None else None
    yield
    for name, before in frames.items():
        pd.testing.assert_frame_equal(getattr(instance, name), before)
    if policy is not None:
        assert policy.to_dict() == pol


def test_add_rms(small_bank: Instance) -> None:
    bank = small_bank.replace(
        rms=pd.concat(
            [small_bank.rms, small_bank.rms.iloc[[0]].assign(rm_id="NEW0001")], ignore_index=True
        )
    )
    with unchanged(bank):
        out = add_rms(
            bank,
            count=3,
            line="retail",
            grade="senior",
            certifications=["cfp"],
            branch_id="C0",
            unit="wealth_center",
        )
    new = out.rms.iloc[len(bank.rms) :]
    assert new["rm_id"].tolist() == ["NEW0002", "NEW0003", "NEW0004"]  # never clashes
    assert out.rms["rm_id"].is_unique
    assert set(new["certifications"]) == {"CFP"} and new["active"].all()
    assert new["capacity"].isna().all()  # the policy default applies
    assert (out.rms.dtypes == bank.rms.dtypes).all()
    assert add_rms(bank, count=0, line="retail", grade="rm", branch_id="O1").rms.equals(bank.rms)


def test_add_rms_at_unknown_branch_is_an_input_error(small_bank: Instance) -> None:
    with pytest.raises(InputError, match="branch_id"):
        add_rms(small_bank, count=1, line="retail", grade="rm", branch_id="NOWHERE")


def test_new_ids_skip_taken() -> None:
    assert new_ids(["X0001", "X0003"], "X", 3) == ["X0002", "X0004", "X0005"]


def test_remove_rms(small_bank: Instance) -> None:
    with unchanged(small_bank):
        out = remove_rms(small_bank, rm_ids=["R_O1A", "W_C0A"])
    assert len(out.rms) == len(small_bank.rms)  # rows kept: today's book still names them
    gone = out.rms.set_index("rm_id")["active"]
    assert not gone["R_O1A"] and not gone["W_C0A"] and gone["R_O1B"]
    with pytest.raises(InputError, match="no RM with this id"):
        remove_rms(small_bank, rm_ids=["R_O1A", "GHOST"])


def test_certify(small_bank: Instance) -> None:
    with unchanged(small_bank):
        out = certify(small_bank, rm_ids=["V_S1A", "R_O1A"], add=["CFP", "afp"])
    certs = out.rms.set_index("rm_id")["certifications"]
    assert certs["V_S1A"] == "AFP;CFP"  # no duplicate AFP, input order kept
    assert certs["R_O1A"] == "CFP;AFP" and certs["R_O1B"] == ""


def test_set_capacity_by_filter_and_ids(small_bank: Instance) -> None:
    with unchanged(small_bank):
        out = set_capacity(small_bank, capacity=55, line="retail", unit="outlet")
    rms = out.rms
    sel = (rms["line"] == "retail") & (rms["unit"] == "outlet")
    assert (rms.loc[sel, "capacity"] == 55).all()
    assert (rms.loc[~sel, "capacity"] == small_bank.rms.loc[~sel, "capacity"]).all()
    one = set_capacity(small_bank, capacity=7, rm_ids=["K_O1R"])
    assert one.rms.set_index("rm_id").at["K_O1R", "capacity"] == 7
    with pytest.raises(InputError, match="selects no RM"):
        set_capacity(small_bank, capacity=5, grade="chief")


def test_policy_override(policy: Policy) -> None:
    with unchanged(Instance(pd.DataFrame(), pd.DataFrame(), pd.DataFrame()), policy):
        out = policy_override(policy, {"tiers": {"private": {"aum_min": 8_000_000}}})
    assert out.tiers["private"].aum_min == 8_000_000
    assert policy.tiers["private"].aum_min == 6_000_000
    with pytest.raises(InputError, match="invalid policy override"):
        policy_override(policy, {"tiers": {"private": {"units": ["moon_base"]}}})


def test_grow_customers(small_bank: Instance, policy: Policy) -> None:
    tiers = assign_tiers(small_bank.customers, policy)["tier"]
    n_private = int((tiers == "private").sum())
    with unchanged(small_bank, policy):
        out = grow_customers(small_bank, policy, tier="private", percent=50, seed=1)
    clones = out.customers.iloc[len(small_bank.customers) :]
    assert len(clones) == round(n_private * 0.5)
    assert out.customers["customer_id"].is_unique
    assert (assign_tiers(clones, policy)["tier"] == "private").all()
    assert (clones["current_rm_id"] == "").all() and (~clones["locked"]).all()
    again = grow_customers(small_bank, policy, tier="private", percent=50, seed=1)
    pd.testing.assert_frame_equal(again.customers, out.customers)  # deterministic by the seed
    other = grow_customers(small_bank, policy, tier="high", percent=30, seed=2)
    assert not other.customers.iloc[len(small_bank.customers) :]["customer_id"].equals(
        grow_customers(small_bank, policy, tier="high", percent=30, seed=3).customers.iloc[
            len(small_bank.customers) :
        ]["customer_id"]
    )
    big = grow_customers(small_bank, policy, tier="private", percent=250, seed=1)
    assert len(big.customers) - len(small_bank.customers) == round(n_private * 2.5)
    with pytest.raises(InputError, match="unknown tier"):
        grow_customers(small_bank, policy, tier="platinum", percent=5, seed=0)


def test_shift_aum(small_bank: Instance, policy: Policy) -> None:
    with unchanged(small_bank, policy):
        out = shift_aum(small_bank, policy, percent=-10)
    np.testing.assert_allclose(out.customers["aum"], small_bank.customers["aum"] * 0.9)
    high = assign_tiers(small_bank.customers, policy)["tier"].eq("high").to_numpy()
    only = shift_aum(small_bank, policy, percent=100, tier="high")
    np.testing.assert_allclose(only.customers["aum"][high], small_bank.customers["aum"][high] * 2)
    np.testing.assert_allclose(only.customers["aum"][~high], small_bank.customers["aum"][~high])


def test_apply_edits_validates_once(small_bank: Instance, policy: Policy) -> None:
    same_i, same_p = apply_edits(small_bank, policy, [])
    assert same_i is small_bank and same_p is policy
    bad = [AddRms(count=1, line="retail", grade="wizard", branch_id="O1")]
    with pytest.raises(InputError, match="grade"):
        apply_edits(small_bank, policy, bad)
    spec = parse_spec(
        {
            "baseline": "sample",
            "edits": [
                {"remove_rms": {"rm_ids": ["R_O1A"]}},
                {"policy": {"default_capacity": {"retail": 600}}},
                {"grow_customers": {"tier": "mid", "percent": 10}},
            ],
        }
    )
    with unchanged(small_bank, policy):
        inst, pol = apply_edits(small_bank, policy, spec.edits, seed=4)
    assert pol.default_capacity["retail"] == 600
    assert len(inst.customers) > len(small_bank.customers)
    inst2, _ = apply_edits(small_bank, policy, spec.edits, seed=4)
    pd.testing.assert_frame_equal(inst.customers, inst2.customers)


def test_move_rms(small_bank: Instance) -> None:
    from scenarios.edits import move_rms

    with unchanged(small_bank):
        moved = move_rms(small_bank, rm_ids=["R_O2A"], branch_id="O3")
    row = moved.rms.set_index("rm_id").loc["R_O2A"]
    assert (row["branch_id"], row["unit"]) == ("O3", "outlet")
    with pytest.raises(InputError, match="no branch"):
        move_rms(small_bank, rm_ids=["R_O2A"], branch_id="NOWHERE")


def test_set_grades_applies_a_review(small_bank: Instance, policy: Policy) -> None:
    from scenarios.edits import set_grades

    with unchanged(small_bank):
        after = set_grades(small_bank, grades={"K_C0S": "intermediate"})
    assert after.rms.set_index("rm_id").loc["K_C0S", "grade"] == "intermediate"
    with pytest.raises(InputError, match="no RM"):
        set_grades(small_bank, grades={"GHOST": "rm"})
    with pytest.raises(InputError):  # an unknown grade: the edited bank is validated
        apply_edits(
            small_bank,
            policy,
            parse_spec({"edits": [{"set_grades": {"grades": {"K_C0S": "boss"}}}]}).edits,
        )
