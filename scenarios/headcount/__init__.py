"""Workforce planning: the hires, certifications, redeployments and transfers that let the
allocator reach coverage targets, at least cost or with the most coverage under a budget.

An optimisation, not a ratio rule: a MILP (PuLP, solved by HiGHS) over the planner's options --
RM hires priced from a salary table, the non-RM hires the staffing rules ask for, counter and
back-office staff redeployed into RM posts, RMs certified or moved -- whose customers and
eligibility are the allocator's own. The staffing rules of DOMAIN.md are always *checked* on the
roster (RMs and the staff table) before and after the plan and, for the rules named in
``enforce``, are *constraints* of the model. The plan's actions are the one source: the bank the
independent allocation verifies, the staffing checks after, each branch's required RMs and the
audit of each row are all derived from them.

One concept per module, each depending only on those above it:

- :mod:`~scenarios.headcount.rules`: the staffing rules and hiring options (data, validated);
- :mod:`~scenarios.headcount.levers`: what certifying, redeploying and moving people cost;
- :mod:`~scenarios.headcount.params`: how to plan (mode, budget, rules to enforce, limits);
- :mod:`~scenarios.headcount.bank`: branch levels, active RMs, certifications held;
- :mod:`~scenarios.headcount.staff`: the staff table (staff.csv) read and checked;
- :mod:`~scenarios.headcount.roster`: RMs and other staff as one table of people;
- :mod:`~scenarios.headcount.requirement`: a rule at a branch as data (checked and imposed);
- :mod:`~scenarios.headcount.checks`: each staffing rule as requirements, and the checks table;
- :mod:`~scenarios.headcount.profiles`: the RM hire grid, priced;
- :mod:`~scenarios.headcount.lever_options`: redeploying, certifying, moving people;
- :mod:`~scenarios.headcount.options`: every decision the planner may take, priced, in pools;
- :mod:`~scenarios.headcount.effects`: what each decision does to the roster;
- :mod:`~scenarios.headcount.supply`: customer classes and who may serve them;
- :mod:`~scenarios.headcount.constraints`: rules, quota as linear rows over the decisions;
- :mod:`~scenarios.headcount.model`: the MILP (:class:`HeadcountModel`) and its HiGHS solve;
- :mod:`~scenarios.headcount.planner`: everything built once for a bank (:class:`Planner`);
- :mod:`~scenarios.headcount.actions`: hires.csv rows, applied to the bank and the roster;
- :mod:`~scenarios.headcount.solution`: the solution read as actions, each with its purpose;
- :mod:`~scenarios.headcount.targets`: coverage targets asked for, and implied;
- :mod:`~scenarios.headcount.required`: each branch's required RMs, derived from the actions;
- :mod:`~scenarios.headcount.verify`: the actions applied, allocated and checked;
- :mod:`~scenarios.headcount.audit`: is each row of the kind its rule needs;
- :mod:`~scenarios.headcount.io`: hires.csv out, the quota table in;
- :mod:`~scenarios.headcount.plan`: :func:`plan_headcount`, which composes them;
- :mod:`~scenarios.headcount.attrition`, :mod:`~scenarios.headcount.horizon`: leavers,
  followers and growth; the plan over quarters;
- :mod:`~scenarios.headcount.curve`, :mod:`~scenarios.headcount.charts`,
  :mod:`~scenarios.headcount.words`, :mod:`~scenarios.headcount.report`: the coverage curve,
  the charts, the plan in plain words, the one-page HTML report;
- :mod:`~scenarios.headcount.staff_synth`: a plausible staff table for a generated bank.
"""

from __future__ import annotations

from scenarios.headcount.actions import (
    ACTION_COLUMNS,
    CONTRACT_COLUMNS,
    HIRE_COLUMNS,
    apply_actions,
    roster_changes,
)
from scenarios.headcount.audit import audit_actions
from scenarios.headcount.checks import (
    busy_corporate_outlets,
    staffing_checks,
    staffing_requirements,
)
from scenarios.headcount.io import load_quota, write_hires
from scenarios.headcount.levers import Levers, load_levers
from scenarios.headcount.model import HeadcountModel, ModelResult
from scenarios.headcount.params import PlanParams
from scenarios.headcount.plan import HeadcountPlan, plan_headcount
from scenarios.headcount.profiles import PROFILE_COLUMNS, candidate_profiles
from scenarios.headcount.required import required_rms
from scenarios.headcount.requirement import CHECK_COLUMNS
from scenarios.headcount.roster import Roster, build_roster, with_changes
from scenarios.headcount.rules import (
    RULE_NAMES,
    CandidateBranches,
    StaffingRules,
    Unit,
    enforced_rules,
    load_rules,
)
from scenarios.headcount.staff import ROLES, load_staff
from scenarios.headcount.targets import implied_targets, parse_targets
from scenarios.headcount.verify import verify_actions

#: the first planner's name for :func:`apply_actions`
apply_hires = apply_actions

__all__ = [
    "ACTION_COLUMNS",
    "CHECK_COLUMNS",
    "CONTRACT_COLUMNS",
    "HIRE_COLUMNS",
    "PROFILE_COLUMNS",
    "ROLES",
    "RULE_NAMES",
    "CandidateBranches",
    "HeadcountModel",
    "HeadcountPlan",
    "Levers",
    "ModelResult",
    "PlanParams",
    "Roster",
    "StaffingRules",
    "Unit",
    "apply_actions",
    "apply_hires",
    "audit_actions",
    "build_roster",
    "busy_corporate_outlets",
    "candidate_profiles",
    "enforced_rules",
    "implied_targets",
    "load_levers",
    "load_quota",
    "load_rules",
    "load_staff",
    "parse_targets",
    "plan_headcount",
    "required_rms",
    "roster_changes",
    "staffing_checks",
    "staffing_requirements",
    "verify_actions",
    "with_changes",
    "write_hires",
]
