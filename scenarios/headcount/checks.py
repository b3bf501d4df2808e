"""The staffing rules as checks: one function per rule, each giving rows of one table.

The planner reports every rule before and after the hires whether or not it enforces it, so a
user sees what a plan leaves unmet. The same rules as model constraints live in
:mod:`scenarios.headcount.constraints`; the two are kept apart so that a check stays a plain
reading of the rule, usable on any bank, hires or not.
"""

from __future__ import annotations

import math

import pandas as pd

from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.headcount.bank import active_rms, branch_levels, holds_any
from scenarios.headcount.rules import StaffingRules

#: columns of :func:`staffing_checks` (``ok`` is None when a rule could not be checked)
CHECK_COLUMNS = ("rule", "branch_id", "required", "actual", "ok", "note")

Row = tuple[str, str, float, float, bool | None, str]


def busy_corporate_outlets(
    instance: Instance, policy: Policy, rules: StaffingRules
) -> pd.DataFrame:
    """Outlets that must have a corporate RM: ``branch_id, deposits, corporate_customers``.

    Deposits are the customers' ``deposits`` column (contract v1.1) when the bank gives any,
    else their ``annual_contribution`` (a proxy for a v1 bank, which has no deposits).
    """
    cust = instance.customers
    corp = cust[cust["segment"] == "corporate"]
    given = "deposits" in cust.columns and bool((cust["deposits"] > 0).any())
    col = "deposits" if given else "annual_contribution"
    amount = pd.to_numeric(corp[col], errors="coerce").fillna(0.0)
    stats = (
        pd.DataFrame({"branch_id": corp["branch_id"], "deposits": amount})
        .groupby("branch_id", sort=True)
        .agg(deposits=("deposits", "sum"), corporate_customers=("deposits", "size"))
        .reset_index()
    )
    outlet = policy.branch_levels[0]
    stats = stats[stats["branch_id"].map(branch_levels(instance)) == outlet]
    busy = (stats["deposits"] >= rules.corporate_outlet_min_deposits) | (
        stats["corporate_customers"] >= rules.corporate_outlet_min_customers
    )
    return stats[busy].reset_index(drop=True)


def rm_share_checks(
    rms: pd.DataFrame, rules: StaffingRules, staff: pd.DataFrame | None
) -> list[Row]:
    """RMs >= ``rm_share_min`` of all staff, per branch of the staff table.

    Without a staff table the rule cannot be checked: one row says so (``ok`` None) rather than
    the rule passing silently.
    """
    if staff is None:
        note = "no staff table: not checked (give branch_id, staff)"
        return [("rm_share", "", rules.rm_share_min, math.nan, None, note)]
    per_branch = rms.groupby("branch_id").size()
    rows: list[Row] = []
    for b, s in zip(staff["branch_id"], staff["staff"], strict=True):
        n = float(per_branch.get(b, 0))
        need = rules.rm_share_min * float(s)
        note = f"RMs >= {rules.rm_share_min:.0%} of {s:g} staff"
        rows.append(("rm_share", b, need, n, n + 1e-9 >= need, note))
    return rows


def center_checks(rms: pd.DataFrame, policy: Policy, rules: StaffingRules, unit: str) -> list[Row]:
    """Staff and certified staff of each wealth centre (all certified) or VIP centre (at least
    ``vip_center_min_certified``), two rows per centre.

    A centre is a branch hosting RMs of the unit; its staff are those RMs (the inputs name no
    other staff).
    """
    if unit == "wealth_center":
        min_staff, wanted = rules.wealth_center_min_staff, rules.wealth_center_certifications
        min_cert: int | None = None  # all of them
    else:
        min_staff, wanted = rules.vip_center_min_staff, rules.vip_center_certifications
        min_cert = rules.vip_center_min_certified
    rows: list[Row] = []
    for b, grp in rms[rms["unit"] == unit].groupby("branch_id", sort=True):
        n = float(len(grp))
        cert = float(sum(holds_any(c, wanted, policy) for c in grp["certifications"]))
        rows.append(
            (
                f"{unit}.staff",
                str(b),
                float(min_staff),
                n,
                n >= min_staff,
                f"at least {min_staff} staff",
            )
        )
        need = n if min_cert is None else float(min_cert)
        how_many = "all" if min_cert is None else f"at least {min_cert}"
        note = f"{how_many} holding {'/'.join(wanted)}"
        rows.append((f"{unit}.certified", str(b), need, cert, cert >= need, note))
    return rows


def corporate_outlet_checks(
    instance: Instance, rms: pd.DataFrame, policy: Policy, rules: StaffingRules
) -> list[Row]:
    """A corporate RM at each busy corporate outlet (:func:`busy_corporate_outlets`)."""
    busy = busy_corporate_outlets(instance, policy, rules)
    corp = rms[rms["line"] == "corporate"].groupby("branch_id").size()
    proxy = (
        "deposits" if "deposits" in instance.customers.columns else "annual_contribution (proxy)"
    )
    rows: list[Row] = []
    for b, dep, n_c in zip(
        busy["branch_id"], busy["deposits"], busy["corporate_customers"], strict=True
    ):
        have = float(corp.get(b, 0))
        note = f"{n_c} corporate customers, {proxy} {dep:,.0f}"
        rows.append(("corporate_outlet", b, 1.0, have, have >= 1, note))
    return rows


def assistant_checks(rms: pd.DataFrame, rules: StaffingRules) -> list[Row]:
    """ "N+1": one assistant per ``assistants_per`` other RMs, per branch with RMs."""
    n_per = rules.assistants_per
    rows: list[Row] = []
    for b, grp in rms.groupby("branch_id", sort=True):
        assistants = float((grp["grade"] == rules.assistant_grade).sum())
        others = float(len(grp)) - assistants
        need = float(others // n_per)
        note = f"one assistant per {n_per} RMs ({others:g} RMs)"
        rows.append(("assistants", str(b), need, assistants, assistants >= need, note))
    return rows


def staffing_checks(
    instance: Instance, policy: Policy, rules: StaffingRules, staff: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Each staffing rule per branch it concerns: ``rule, branch_id, required, actual, ok, note``.

    Only active RMs count. Staff of a wealth or VIP centre are its RMs (the inputs name no other
    staff); the RM share needs the staff table (without one the rule is not checked, and a row
    says so).
    """
    rms = active_rms(instance)
    rows = [
        *rm_share_checks(rms, rules, staff),
        *center_checks(rms, policy, rules, "wealth_center"),
        *center_checks(rms, policy, rules, "vip_center"),
        *corporate_outlet_checks(instance, rms, policy, rules),
        *assistant_checks(rms, rules),
    ]
    return pd.DataFrame(rows, columns=list(CHECK_COLUMNS))
