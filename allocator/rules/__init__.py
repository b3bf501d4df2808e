"""The rule engine: tiers and eligibility, one function per rule, read from the policy.

Used by :mod:`allocator.compile` (rules become numbers), the reasons and explanations, scenarios,
the headcount planner and the generator, so a rule is written once. The independent checker
(:mod:`allocator.checker`) deliberately keeps its own plain copy: if it shared this code it would
share its bugs.

- :mod:`allocator.rules.tiers`: which tier and band a customer is in, and what it costs and is
  worth;
- :mod:`allocator.rules.tables`: the bank as flat arrays (branches, RMs, customer classes);
- :mod:`allocator.rules.eligibility`: the pairwise rules and the eligibility funnel.
"""

from __future__ import annotations

from allocator.rules.eligibility import (
    FUNNEL_STAGES,
    PAIR_RULES,
    ClassPairs,
    eligible_class_pairs,
    failed_rule,
    pair_is_eligible,
    scope_candidates,
)
from allocator.rules.tables import BranchTable, ClassTable, RmTable, build_classes, index_of
from allocator.rules.tiers import TIER_COLUMNS, assign_tiers, combined_requirements

__all__ = [
    "FUNNEL_STAGES",
    "PAIR_RULES",
    "TIER_COLUMNS",
    "BranchTable",
    "ClassPairs",
    "ClassTable",
    "RmTable",
    "assign_tiers",
    "build_classes",
    "combined_requirements",
    "eligible_class_pairs",
    "failed_rule",
    "index_of",
    "pair_is_eligible",
    "scope_candidates",
]
