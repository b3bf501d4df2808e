"""Tests of allocator.synth.fit: PolicyFit is the rule engine's verdict pair by pair, and the
generator's mask check agrees with it wherever a need is a plain policy class."""

from __future__ import annotations

import numpy as np
import pytest

from allocator.instance import Instance
from allocator.policy import Policy, default_policy
from allocator.rules import BranchTable, RmTable, assign_tiers, build_classes, failed_rule
from allocator.synth import generate_bank
from allocator.synth.branches import Tree
from allocator.synth.customers import Cust
from allocator.synth.fit import PolicyFit, RmMasks, fits_need
from allocator.synth.needs import PolicyView

POLICY = default_policy()
NO_SCOPE = POLICY.merged({"rules": {"branch_scope": False}})


@pytest.fixture(scope="module")
def shuffled() -> Instance:
    """A bank whose current RMs are shuffled: most pairs break some rule, each rule gets hit."""
    bank = generate_bank(3_000, 21)
    rng = np.random.default_rng(0)
    current = bank.customers["current_rm_id"].to_numpy().copy()
    has = current != ""
    current[has] = rng.choice(bank.rms["rm_id"].to_numpy(), size=int(has.sum()))
    return Instance(
        customers=bank.customers.assign(current_rm_id=current),
        rms=bank.rms,
        branches=bank.branches,
        branches_given=True,
    )


def _setup(bank: Instance, policy: Policy) -> tuple[PolicyView, Tree, Cust, RmTable, np.ndarray]:
    view = PolicyView.build(policy)
    tree = Tree.build(bank.branches, policy)
    cust = Cust.from_frame(bank.customers, tree, view)
    table = RmTable.build(bank.rms, tree.table, policy)
    current = np.array([table.index.get(r, -1) for r in bank.customers["current_rm_id"]])
    return view, tree, cust, table, current


@pytest.mark.parametrize("policy", [POLICY, NO_SCOPE], ids=["scope", "no-scope"])
def test_policy_fit_is_the_rule_engine(small: Instance, shuffled: Instance, policy: Policy) -> None:
    for bank in (small, shuffled):
        view, tree, cust, table, current = _setup(bank, policy)
        needs = view.needs_of(cust.tiers(view))
        got = PolicyFit.build(table, tree, view).fits(needs.tier, needs.band, cust.branch, current)
        # the compile path: classes of the real customers, one pair at a time
        tiers = assign_tiers(bank.customers, policy)
        br = BranchTable.build(bank.branches, policy)
        classes = build_classes(bank.customers, tiers, br, table, policy)
        seen = set()
        for c in np.flatnonzero(current >= 0):
            k = int(classes.class_of[c])
            if k < 0:  # pooled: nobody fits
                assert not got[c]
                continue
            reason = failed_rule(k, int(current[c]), classes, table, br, policy)
            seen.add(reason)
            assert got[c] == (reason == ""), (c, reason)
        assert not got[current < 0].any()
        if bank is shuffled:
            assert {"", "line", "active", "unit"} <= seen


def test_mask_check_agrees_where_the_need_is_a_policy_class(shuffled: Instance) -> None:
    view, tree, cust, table, current = _setup(shuffled, POLICY)
    needs = view.needs_of(cust.tiers(view))
    rmv = RmMasks.build(shuffled.rms, table, tree, view)
    fit = PolicyFit.build(table, tree, view)
    policy_ok = fit.fits(needs.tier, needs.band, cust.branch, current)
    for c in np.flatnonzero((current >= 0) & ~needs.pooled):
        need = tuple(
            int(getattr(needs, f)[c]) for f in ("line", "units", "certs", "grade", "level")
        )
        rm = np.array([current[c]])
        masks_ok = fits_need(rmv, rm, need, int(cust.branch[c]), tree, True)[0]
        assert (masks_ok and bool(rmv.active[current[c]])) == policy_ok[c], c


def test_rm_masks_read_the_frame_through_the_rule_engine(small: Instance) -> None:
    view, tree, _, table, _ = _setup(small, POLICY)
    rmv = RmMasks.build(small.rms, table, tree, view)
    for i, row in enumerate(small.rms.itertuples(index=False)):
        held = POLICY.expand_certifications(set(filter(None, row.certifications.split(";"))))
        assert rmv.certs[i] == sum(view.cert_bits[c] for c in held)
        assert rmv.unit[i] == view.unit_bits[row.unit]
        assert tree.ids[rmv.branch[i]] == row.branch_id
        default = POLICY.default_capacity[row.line]
        assert rmv.capacity[i] == (default if np.isnan(row.capacity) else row.capacity)
