"""Constraint verifiers in the shape of Timefold's ``ConstraintVerifier``: one rule, a tiny given
situation in the contract's own terms, one expectation.

>>> verify_pair(rule_grade).given(customer={...}, rm={...}).drops()      # doctest: +SKIP
>>> verify_check(check_units).given(rms=[...], customers=[...], plan=[...]).reports(1)  # +SKIP

A pairwise eligibility rule (:mod:`allocator.rules.eligibility`) sees one customer class and one
RM; a checker rule (:mod:`allocator.checker.rules`) sees a whole plan of a tiny bank.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from tinybank import TREE, frames

from allocator.policy import load_policy
from allocator.rules import BranchTable, RmTable, assign_tiers, build_classes
from allocator.validation import load_instance


@dataclass
class PairVerifier:
    """``verify_pair(rule).given(customer, rm)`` then ``keeps()`` or ``drops()``."""

    rule: Callable[..., Any]
    kept: bool | None = None

    def given(
        self, customer: dict[str, Any], rm: dict[str, Any], policy: Any = None
    ) -> PairVerifier:
        pol = load_policy(policy)
        c, r, b = frames([rm], [customer], TREE)
        inst = load_instance(c, r, b, policy=pol)
        branches = BranchTable.build(inst.branches, pol)
        rms = RmTable.build(inst.rms, branches, pol)
        tiers = assign_tiers(inst.customers, pol)
        classes = build_classes(inst.customers, tiers, branches, rms, pol)
        k = int(classes.class_of[0])
        assert k >= 0, "the given customer is pooled: no pairwise rule applies"
        one = np.array([0], dtype=np.int64)
        self.kept = bool(self.rule(np.array([k]), one, classes, rms, branches)[0])
        return self

    def keeps(self) -> None:
        assert self.kept is True, f"{self.rule.__name__} dropped the pair"

    def drops(self) -> None:
        assert self.kept is False, f"{self.rule.__name__} kept the pair"


def verify_pair(rule: Callable[..., Any]) -> PairVerifier:
    """A verifier for one pairwise eligibility rule."""
    return PairVerifier(rule)


def tier_of(customer: dict[str, Any], policy: Any = None) -> str:
    """The plan's tier label the rules give one customer (contract columns, defaults filled)."""
    pol = load_policy(policy)
    c, r, b = frames([{}], [customer], TREE)
    inst = load_instance(c, r, b, policy=pol)
    return str(assign_tiers(inst.customers, pol)["tier"].iat[0])


@dataclass
class CheckVerifier:
    """``verify_check(rule).given(rms, customers, plan)`` then ``accepts()`` or ``reports(n)``."""

    rule: Callable[..., Any]
    found: list[Any] | None = None

    def given(
        self,
        rms: Sequence[dict[str, Any]],
        customers: Sequence[dict[str, Any]],
        plan: Sequence[dict[str, Any]],
        policy: Any = None,
    ) -> CheckVerifier:
        from allocator.checker import prepare

        pol = load_policy(policy)
        c, r, b = frames(rms, customers, TREE)
        inst = load_instance(c, r, b, policy=pol)
        rows = [
            {"rm_id": "", "tier": "", "status": "", "reason": "", **row, "customer_id": f"K{i + 1}"}
            for i, row in enumerate(plan)
        ]
        ctx = prepare(inst, pd.DataFrame(rows), pol)
        self.found = list(ctx.plan_violations) + list(self.rule(ctx))
        return self

    def accepts(self) -> None:
        assert self.found == [], [str(v) for v in self.found or []]

    def reports(self, n: int) -> None:
        assert self.found is not None and len(self.found) == n, [str(v) for v in self.found or []]


def verify_check(rule: Callable[..., Any]) -> CheckVerifier:
    """A verifier for one rule of the independent checker."""
    return CheckVerifier(rule)
