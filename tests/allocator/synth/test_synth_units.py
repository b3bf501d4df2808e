"""Tests of allocator.synth.units: a group is one unit whose needs are every member's at once and
whose scope reaches every member."""

from __future__ import annotations

import numpy as np

from allocator.instance import Instance
from allocator.policy import default_policy
from allocator.synth.branches import Tree
from allocator.synth.customers import Cust
from allocator.synth.needs import PolicyView
from allocator.synth.units import Units

POLICY = default_policy()


def test_groups_fold_into_units(bank20k: Instance) -> None:
    view = PolicyView.build(POLICY)
    tree = Tree.build(bank20k.branches, POLICY)
    cust = Cust.from_frame(bank20k.customers, tree, view)
    needs = view.needs_of(cust.tiers(view))
    units = Units.build(cust, needs, tree)
    grouped = cust.group >= 0
    n_groups = len(np.unique(cust.group[grouped]))
    assert units.n == n_groups + int((~grouped).sum())
    assert units.is_group.sum() == n_groups
    assert np.bincount(units.of, minlength=units.n).tolist() == units.size.tolist()
    assert (units.of[units.first] == np.arange(units.n)).all()
    for u in range(n_groups):
        members = np.flatnonzero(units.of == u)
        assert units.needs.workload[u] == needs.workload[members].sum()
        assert units.needs.grade[u] == needs.grade[members].max()
        assert units.needs.certs[u] == np.bitwise_or.reduce(needs.certs[members])
        assert units.needs.units[u] == np.bitwise_and.reduce(needs.units[members])
        scope = units.scope[u]
        level = tree.level[scope]
        assert (tree.anc[cust.branch[members], level] == scope).all()  # reaches every member
    alone = np.flatnonzero(~grouped)
    assert (units.scope[units.of[alone]] == cust.branch[alone]).all()
