"""Headcount planning: the least-cost hires that let the allocator reach coverage targets.

An optimisation, not a ratio rule: a small MILP (PuLP, solved by HiGHS) over hireable RM
profiles, priced from a salary table, whose customers and eligibility are the allocator's own.
The staffing rules of DOMAIN.md are always *checked* (before and after the hires) and, for the
rules named in ``enforce``, are *constraints* of the model. :func:`verify_hires` adds the hires
as RMs, allocates and checks the plan; with ``verify=True`` the planner raises a tier's demand by
any shortfall the real allocation shows (groups that must share an RM, whole customers) and
solves again.

One concept per module, each depending only on those above it:

- :mod:`~scenarios.headcount.rules`: the staffing rules and hiring options (data, validated);
- :mod:`~scenarios.headcount.bank`: branch levels, active RMs, certifications held;
- :mod:`~scenarios.headcount.checks`: each staffing rule as a check (and busy corporate outlets);
- :mod:`~scenarios.headcount.profiles`: the candidate hires, priced;
- :mod:`~scenarios.headcount.constraints`: each staffing rule as a model constraint;
- :mod:`~scenarios.headcount.model`: the MILP (:class:`HeadcountModel`) and its HiGHS solve;
- :mod:`~scenarios.headcount.targets`: coverage targets asked for, and implied;
- :mod:`~scenarios.headcount.service_capacity`: required RMs per outlet by the ratio rule;
- :mod:`~scenarios.headcount.verify`: the hires added to the bank, allocated and checked;
- :mod:`~scenarios.headcount.io`: the staff table in, HIRES.csv out;
- :mod:`~scenarios.headcount.plan`: :func:`plan_headcount`, which composes them.
"""

from __future__ import annotations

from scenarios.headcount.checks import (
    CHECK_COLUMNS,
    busy_corporate_outlets,
    staffing_checks,
)
from scenarios.headcount.io import load_staff, write_hires
from scenarios.headcount.model import HeadcountModel, ModelResult
from scenarios.headcount.plan import HeadcountPlan, plan_headcount
from scenarios.headcount.profiles import HIRE_COLUMNS, PROFILE_COLUMNS, candidate_profiles
from scenarios.headcount.rules import (
    RULE_NAMES,
    CandidateBranches,
    StaffingRules,
    Unit,
    enforced_rules,
    load_rules,
)
from scenarios.headcount.service_capacity import required_rms
from scenarios.headcount.targets import implied_targets, parse_targets
from scenarios.headcount.verify import apply_hires, verify_hires

__all__ = [
    "CHECK_COLUMNS",
    "HIRE_COLUMNS",
    "PROFILE_COLUMNS",
    "RULE_NAMES",
    "CandidateBranches",
    "HeadcountModel",
    "HeadcountPlan",
    "ModelResult",
    "StaffingRules",
    "Unit",
    "apply_hires",
    "busy_corporate_outlets",
    "candidate_profiles",
    "enforced_rules",
    "implied_targets",
    "load_rules",
    "load_staff",
    "parse_targets",
    "plan_headcount",
    "required_rms",
    "staffing_checks",
    "verify_hires",
    "write_hires",
]
