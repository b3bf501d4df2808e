"""The plan joined with its customers, their tiers, their RM and their current RM, prepared once
for every rule (:class:`CheckContext`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.checker.frames import as_str, column_or, member
from allocator.checker.report import PAIR_RULES, Violation
from allocator.checker.tables import ancestors, expected_tiers, pair_failures, rm_table
from allocator.contract import PLAN_COLUMNS
from allocator.errors import InputError, InputIssue
from allocator.instance import Instance
from allocator.policy import Policy

BoolArray = npt.NDArray[np.bool_]


def require_plan_columns(plan: pd.DataFrame, source: str = "plan") -> None:
    """Raise :class:`InputError` naming ``source`` and each column of :data:`PLAN_COLUMNS` missing.

    A plan without these columns cannot be checked at all, so it is bad input (exit 2), not a
    plan that breaks rules (exit 1).
    """
    missing = [c for c in PLAN_COLUMNS if c not in plan.columns]
    if missing:
        raise InputError(
            [InputIssue(source, None, c, None, "required plan column is missing") for c in missing]
        )


@dataclass
class CheckContext:
    """Everything the rule functions read, prepared once.

    ``rows`` holds one row per input customer that the plan covers (first row of a duplicated
    id): plan columns, customer columns, tier columns, ``has_rm``/``rm_known``, the pairwise
    failures of the plan's RM (``fail_<rule>``) and whether today's RM is still active and
    eligible (``current_ok``).
    """

    policy: Policy
    customers: pd.DataFrame
    rows: pd.DataFrame
    rms: pd.DataFrame
    plan_violations: list[Violation]
    tree: dict[str, frozenset[str]]
    levels: dict[str, str]


def normalise_plan(plan: pd.DataFrame) -> pd.DataFrame:
    """The plan's contract columns as strings ("" for none), numbered in plan order."""
    out = pd.DataFrame({c: as_str(plan[c]) for c in PLAN_COLUMNS})
    if "reason_code" in plan.columns:  # the reason checker's input
        out["reason_code"] = as_str(plan["reason_code"])
    out["plan_row"] = np.arange(len(out))
    return out


def prepare(instance: Instance, plan: pd.DataFrame, policy: Policy) -> CheckContext:
    """Join the plan with its customers, their tiers and their RMs, once for every rule.

    The pairwise rules are evaluated twice: for the plan's RM (is the assignment allowed?) and
    for today's RM (is it still "active and eligible", which decides statuses, locks and moves).
    """
    customers = instance.customers.reset_index(drop=True)
    cust = pd.DataFrame(
        {
            "customer_id": as_str(customers["customer_id"]),
            "segment": as_str(customers["segment"]),
            "branch_id": as_str(customers["branch_id"]),
            "group_id": as_str(column_or(customers, "group_id", "")),
            "current_rm_id": as_str(column_or(customers, "current_rm_id", "")),
            "locked": column_or(customers, "locked", False).fillna(False).astype(bool).to_numpy(),
            "forbid_rm_ids": as_str(column_or(customers, "forbid_rm_ids", "")),
            "aum": pd.to_numeric(customers["aum"]).to_numpy(dtype=float),
        }
    )
    cust = pd.concat([cust, expected_tiers(customers, policy)], axis=1)
    cust = cust.drop_duplicates("customer_id")  # ids are unique in a validated instance

    normal = normalise_plan(plan)
    plan_violations = check_plan_rows(cust, normal)
    first = normal.drop_duplicates("customer_id", keep="first")
    rows = first.merge(cust, on="customer_id", how="inner")
    rows = rows.sort_values("plan_row", kind="stable").reset_index(drop=True)

    rms = rm_table(instance, policy)
    tree = ancestors(instance.branches)
    rows["has_rm"] = rows["rm_id"] != ""
    rows["no_reason"] = rows["reason"].str.strip() == ""
    rows["rm_known"] = rows["rm_id"].isin(rms.index)
    fails = pair_failures(rows, "rm_id", rms, policy, tree)
    for rule in PAIR_RULES:
        rows[f"fail_{rule}"] = fails[rule].to_numpy()

    current = pair_failures(rows, "current_rm_id", rms, policy, tree)
    rows["current_known"] = rows["current_rm_id"].isin(rms.index)
    rows["current_ok"] = (
        rows["current_known"] & rows["served"] & ~current[list(PAIR_RULES)].any(axis=1)
    )
    return CheckContext(
        policy=policy,
        customers=cust,
        rows=rows,
        rms=rms,
        plan_violations=plan_violations,
        tree=tree,
        levels=dict(
            zip(
                as_str(instance.branches["branch_id"]),
                as_str(instance.branches["level"]),
                strict=True,
            )
        ),
    )


def violations_where(
    rows: pd.DataFrame, mask: pd.Series | BoolArray, rule: str, message: Callable[[Any], str]
) -> list[Violation]:
    """One violation per masked row; ``message`` gets the row (a namedtuple)."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():  # the common case: skip building row tuples
        return []
    picked = rows[mask]
    return [
        Violation(rule, str(r.customer_id), str(r.rm_id), message(r))
        for r in picked.itertuples(index=False)
    ]


def check_plan_rows(customers: pd.DataFrame, plan: pd.DataFrame) -> list[Violation]:
    """plan_rows: exactly one plan row per input customer, and none for anybody else."""
    known = customers["customer_id"]
    planned = plan["customer_id"]
    out = [
        Violation("plan_rows", cid, "", "input customer has no plan row")
        for cid in known[~member(known, planned)]
    ]
    unknown = plan[~member(planned, known)]
    out += [
        Violation(
            "plan_rows",
            cid,
            rm_id,
            "unknown customer in plan" if cid else "plan row has an empty customer_id",
        )
        for cid, rm_id in zip(unknown["customer_id"], unknown["rm_id"], strict=True)
    ]
    counts = planned[member(planned, known)].value_counts(sort=False)
    out += [
        Violation("plan_rows", str(cid), "", f"customer has {n} plan rows")
        for cid, n in counts[counts > 1].items()
    ]
    return out
