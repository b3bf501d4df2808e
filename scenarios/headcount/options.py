"""The planner's options: every decision it may take, priced, as one table.

Hiring is one lever among several (DOMAIN.md, "Staffing detail"): an RM hire of a profile, a
non-RM hire a staffing rule asks for (lobby manager, marketing or wealth manager, the N+1
assistant post), a counter or back-office person redeployed into an RM post, an RM already there
certified, an RM moved to another branch of the same city. Each option is a row of
:data:`DECISION_COLUMNS` -- the person *after* the action, its cost and lead time -- and options
that draw on the same people share a *pool* (an RM group cannot both move and stay to be
certified more often than it has members). The model decides how many of each.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from allocator.contract import certification_list, format_certifications
from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.headcount.bank import active_rms, branch_levels
from scenarios.headcount.checks import centres
from scenarios.headcount.lever_options import (
    certify_rm_options,
    certify_staff_options,
    redeploy_options,
    transfer_options,
)
from scenarios.headcount.levers import Levers
from scenarios.headcount.profiles import candidate_profiles
from scenarios.headcount.roster import Roster
from scenarios.headcount.rules import StaffingRules

#: one row per decision the model may take (the person after the action)
DECISION_COLUMNS: tuple[str, ...] = (
    "kind",
    "role",
    "source",
    "branch_id",
    "unit",
    "line",
    "grade",
    "certifications",
    "added",
    "group",
    "pool",
    "cost",
    "lead_quarters",
)
#: what a decision is; ``serves`` kinds add an RM who serves customers
KINDS: tuple[str, ...] = (
    "hire_rm",
    "hire_staff",
    "redeploy",
    "certify_rm",
    "certify_staff",
    "transfer",
)
SERVING_KINDS = frozenset({"hire_rm", "certify_rm", "transfer"})
#: columns of the existing RM groups (RMs alike in every way the rules and the allocator see)
GROUP_COLUMNS: tuple[str, ...] = (
    "branch_id",
    "unit",
    "line",
    "grade",
    "certifications",
    "capacity",
    "designated_private",
    "count",
    "rm_ids",
)


@dataclass(frozen=True)
class Catalogue:
    """The options of one bank.

    Attributes
    ----------
    decisions
        :data:`DECISION_COLUMNS`; ``group`` is the existing RM group an RM decision acts on (-1
        otherwise), ``pool`` the key of the people it draws on ("" for none).
    groups
        Existing serving RMs grouped (:data:`GROUP_COLUMNS`); ``rm_ids`` in the order actions
        pick them (smallest book first: the fewest customers disturbed).
    pools
        Pool key -> how many people it holds.
    """

    decisions: pd.DataFrame
    groups: pd.DataFrame
    pools: dict[str, int]

    def serves(self) -> np.ndarray:
        """Which decisions add an RM who serves customers (redeploys into an RM post too)."""
        d = self.decisions
        return (
            d["kind"].isin(SERVING_KINDS) | ((d["kind"] == "redeploy") & (d["role"] == "rm"))
        ).to_numpy()


def rm_groups(instance: Instance) -> pd.DataFrame:
    """The active serving RMs (position ``rm``) grouped by branch, unit, line, grade,
    certifications, capacity and designation: :data:`GROUP_COLUMNS`."""
    rms = active_rms(instance)
    if "position" in rms.columns:
        rms = rms[rms["position"].isin(["rm", ""])]
    book = instance.customers["current_rm_id"].value_counts()
    frame = pd.DataFrame(
        {
            "branch_id": rms["branch_id"].to_numpy(dtype=object),
            "unit": rms["unit"].to_numpy(dtype=object),
            "line": rms["line"].to_numpy(dtype=object),
            "grade": rms["grade"].to_numpy(dtype=object),
            "certifications": [
                format_certifications(certification_list(c)) for c in rms["certifications"]
            ],
            "capacity": rms["capacity"].to_numpy(dtype=float),
            "designated_private": (
                rms["designated_private"].to_numpy(dtype=bool)
                if "designated_private" in rms.columns
                else np.zeros(len(rms), dtype=bool)
            ),
            "rm_id": rms["rm_id"].to_numpy(dtype=object),
            "book": rms["rm_id"].map(book).fillna(0).to_numpy(dtype=int),
        }
    )
    keys = list(GROUP_COLUMNS[:7])
    frame["cap_key"] = frame["capacity"].fillna(-1.0)
    frame = frame.sort_values(["book", "rm_id"], kind="stable")
    grouped = (
        frame.groupby([*keys[:5], "cap_key", "designated_private"], sort=True, dropna=False)
        .agg(count=("rm_id", "size"), rm_ids=("rm_id", tuple), capacity=("capacity", "first"))
        .reset_index()
    )
    return grouped[list(GROUP_COLUMNS)]


def _frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(DECISION_COLUMNS))
    return frame.astype({"group": np.int64, "cost": float, "lead_quarters": np.int64})


def rm_hire_options(cands: pd.DataFrame, levers: Levers) -> list[dict[str, object]]:
    """RM hires of each candidate profile."""
    return [
        {
            "kind": "hire_rm",
            "role": "rm",
            "source": "",
            **{c: r[c] for c in ("branch_id", "unit", "line", "grade", "certifications")},
            "added": "",
            "group": -1,
            "pool": "",
            "cost": float(r["cost"]),
            "lead_quarters": levers.hire_lead_quarters,
        }
        for r in cands.to_dict(orient="records")
    ]


def staff_hire_options(
    instance: Instance,
    rules: StaffingRules,
    levers: Levers,
    roster: Roster,
    enforce: Set[str],
    rm_branches: Iterable[str],
) -> list[dict[str, object]]:
    """Non-RM hires of the roles the enforced staffing rules count, where they count them."""
    out: list[tuple[Any, str, str, str]] = []  # role, branch, unit, certifications
    levels = branch_levels(instance)
    if "lobby_manager" in enforce:
        for b in sorted(levels):
            if not instance.branches_given or levels[b] in rules.lobby_manager_levels:
                out.append(("lobby_manager", b, "outlet", ""))
    if "vip_center" in enforce:
        cert = rules.vip_center_certifications[0] if rules.vip_center_certifications else ""
        for b in centres(roster, "vip_center"):
            for role in sorted(rules.vip_center_min_roles):
                out += [(role, b, "vip_center", ""), (role, b, "vip_center", cert)]
    if "wealth_center" in enforce:
        cert = rules.wealth_center_certifications[0] if rules.wealth_center_certifications else ""
        for b in centres(roster, "wealth_center"):
            out += [(role, b, "wealth_center", cert) for role in rules.wealth_center_roles]
    if "assistants" in enforce:
        out += [("assistant_post", b, "outlet", "") for b in sorted(set(rm_branches))]
    rows: list[dict[str, object]] = []
    for role, b, unit, cert in dict.fromkeys(out):
        salary = levers.role_salaries.get(role)  # type: ignore[call-overload]
        if salary is None:
            continue
        rows.append(
            {
                "kind": "hire_staff",
                "role": role,
                "source": "",
                "branch_id": b,
                "unit": unit,
                "line": "",
                "grade": "",
                "certifications": cert,
                "added": "",
                "group": -1,
                "pool": "",
                "cost": float(salary) + (levers.certified_premium if cert else 0.0),
                "lead_quarters": levers.hire_lead_quarters,
            }
        )
    return rows


def build_catalogue(
    instance: Instance,
    policy: Policy,
    rules: StaffingRules,
    levers: Levers,
    roster: Roster,
    salaries: pd.DataFrame,
    enforce: Set[str],
) -> Catalogue:
    """Every option of the bank (see the module docstring), in a fixed order."""
    groups = rm_groups(instance)
    cands = candidate_profiles(instance, policy, rules, salaries, enforce)
    rm_branches = set(groups["branch_id"]) | set(cands["branch_id"])
    redeploys, staff_pools = redeploy_options(
        instance, policy, rules, levers, roster, salaries, enforce
    )
    certs, cert_pools = certify_staff_options(rules, levers, roster, enforce)
    rows = [
        *rm_hire_options(cands, levers),
        *staff_hire_options(instance, rules, levers, roster, enforce, rm_branches),
        *redeploys,
        *certify_rm_options(groups, policy, levers, salaries),
        *certs,
        *transfer_options(instance, policy, rules, levers, groups),
    ]
    pools = {f"rm:{g}": int(n) for g, n in groups["count"].items()}
    return Catalogue(_frame(rows), groups, {**pools, **staff_pools, **cert_pools})
