"""The rules the checker verifies, one function each (after the Timefold quickstarts): each takes
the prepared :class:`~allocator.checker.context.CheckContext` and returns the
:class:`~allocator.checker.report.Violation` objects it finds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.checker.context import CheckContext, prepare, violations_where
from allocator.checker.report import EPS, Violation
from allocator.contract import STATUSES
from allocator.instance import Instance
from allocator.policy import Policy, load_policy


def check_known_rm(ctx: CheckContext) -> list[Violation]:
    """known_rm: a plan's rm_id names an RM of the input."""
    rows = ctx.rows
    return violations_where(
        rows, rows["has_rm"] & ~rows["rm_known"], "known_rm", lambda r: "rm_id is not an input RM"
    )


def check_tier(ctx: CheckContext) -> list[Violation]:
    """tier: the plan's tier is the one the policy gives the customer."""
    rows = ctx.rows
    return violations_where(
        rows,
        rows["tier"] != rows["expected_tier"],
        "tier",
        lambda r: f"plan tier {r.tier!r}, policy gives {r.expected_tier!r}",
    )


def check_pooled(ctx: CheckContext) -> list[Violation]:
    """pooled: a pooled customer (or one matching no tier) gets no RM."""
    rows = ctx.rows

    def why(r: Any) -> str:
        if r.base_tier:
            return f"tier {r.expected_tier!r} is pooled: no individual RM"
        return "customer matches no tier of the policy: no individual RM"

    return violations_where(rows, rows["has_rm"] & ~rows["served"], "pooled", why)


def _pair_rule(ctx: CheckContext, rule: str, message: Callable[[Any], str]) -> list[Violation]:
    return violations_where(ctx.rows, ctx.rows[f"fail_{rule}"], rule, message)


def check_same_line(ctx: CheckContext) -> list[Violation]:
    """same_line: an RM serves customers of its own line only."""
    line = ctx.rms["line"]
    return _pair_rule(
        ctx,
        "same_line",
        lambda r: f"{r.segment} customer, {line.get(r.rm_id, '?')} RM",
    )


def check_position(ctx: CheckContext) -> list[Violation]:
    """position: only an RM position serves customers (not an executive or assistant post)."""
    position = ctx.rms["position"]
    return _pair_rule(
        ctx, "position", lambda r: f"RM holds position {position.get(r.rm_id, '?')!r}"
    )


def check_rm_active(ctx: CheckContext) -> list[Violation]:
    """rm_active: an inactive RM gets no customer."""
    return _pair_rule(ctx, "rm_active", lambda r: "RM is inactive")


def check_branch_scope(ctx: CheckContext) -> list[Violation]:
    """branch_scope: the RM sits at the customer's branch or an ancestor of it."""
    branch = ctx.rms["branch"]
    return _pair_rule(
        ctx,
        "branch_scope",
        lambda r: (
            f"RM branch {branch.get(r.rm_id, '?')!r} is not customer branch {r.branch_id!r} "
            "nor an ancestor of it"
        ),
    )


def _requirement_names(ctx: CheckContext, r: Any, attr: str) -> str:
    """The tier/band requirement values of ``attr`` that apply to row ``r``, for messages."""
    parts = []
    for name in (r.base_tier, r.band):
        req = ctx.policy.tiers.get(name) or ctx.policy.bands.get(name)
        value = getattr(req, attr, None) if req is not None else None
        if value:
            parts.append(f"{name} needs {value}")
    return "; ".join(parts)


def check_units(ctx: CheckContext) -> list[Violation]:
    """units: the RM's unit is one its customer's tier (and band) allows."""
    unit = ctx.rms["unit"]
    return _pair_rule(
        ctx,
        "units",
        lambda r: f"RM unit {unit.get(r.rm_id, '?')!r}; {_requirement_names(ctx, r, 'units')}",
    )


def check_certifications(ctx: CheckContext) -> list[Violation]:
    """certifications: the RM holds all required certifications (implied ones count)."""
    return _pair_rule(
        ctx,
        "certifications",
        lambda r: f"RM lacks a certification; {_requirement_names(ctx, r, 'certifications')}",
    )


def check_min_grade(ctx: CheckContext) -> list[Violation]:
    """min_grade: the RM's grade is at least the tier's (and band's) minimum."""
    return _pair_rule(
        ctx,
        "min_grade",
        lambda r: f"RM grade too low; {_requirement_names(ctx, r, 'min_grade')}",
    )


def check_min_branch_level(ctx: CheckContext) -> list[Violation]:
    """min_branch_level: the RM's branch sits at least at the required level."""
    return _pair_rule(
        ctx,
        "min_branch_level",
        lambda r: f"RM branch level too low; {_requirement_names(ctx, r, 'min_branch_level')}",
    )


def _group_key(rows: pd.DataFrame) -> pd.Series:
    """A customer's group: its group_id, or itself when it has none (keys cannot collide)."""
    return ("g:" + rows["group_id"]).where(rows["group_id"] != "", "c:" + rows["customer_id"])


def check_forbidden(ctx: CheckContext) -> list[Violation]:
    """forbidden: no customer gets an RM its ``forbid_rm_ids`` names."""
    return _pair_rule(ctx, "forbidden", lambda r: "the customer forbids this RM (forbid_rm_ids)")


def check_one_to_one(ctx: CheckContext) -> list[Violation]:
    """one_to_one: the RM of a one-to-one customer serves nobody outside that customer's group."""
    rows = ctx.rows
    if not ctx.policy.rules.one_to_one or not rows["one_to_one"].any():
        return []
    assigned = rows[rows["has_rm"]].assign(group_key=lambda f: _group_key(f))
    # per RM: how many customers of each group it serves
    per_group = assigned.groupby(["rm_id", "group_key"]).size()
    total = per_group.groupby(level="rm_id").sum()
    exclusive = assigned[assigned["one_to_one"]]
    own = per_group.reindex(pd.MultiIndex.from_frame(exclusive[["rm_id", "group_key"]])).to_numpy()
    outside = total.reindex(exclusive["rm_id"]).to_numpy() - own
    return [
        Violation(
            "one_to_one",
            cid,
            rm_id,
            f"one-to-one customer, but its RM serves {n} customer(s) outside its group",
        )
        for cid, rm_id, n in zip(exclusive["customer_id"], exclusive["rm_id"], outside, strict=True)
        if n > 0
    ]


def check_groups_share_rm(ctx: CheckContext) -> list[Violation]:
    """groups_share_rm: all customers of one group that have an RM have the same RM.

    The group's most common RM (smallest id on ties) is taken as its RM; every member served by
    another is reported.
    """
    rows = ctx.rows
    if not ctx.policy.rules.groups_share_rm:
        return []
    grouped = rows[rows["has_rm"] & (rows["group_id"] != "")]
    if grouped.empty:
        return []
    counts = grouped.groupby(["group_id", "rm_id"]).size().rename("n").reset_index()
    counts = counts.sort_values(["group_id", "n", "rm_id"], ascending=[True, False, True])
    main_rm = counts.drop_duplicates("group_id").set_index("group_id")["rm_id"]
    n_rms = counts.groupby("group_id").size()
    split = grouped[grouped["group_id"].map(n_rms) > 1]
    expected = split["group_id"].map(main_rm)
    return violations_where(
        split,
        split["rm_id"] != expected,
        "groups_share_rm",
        lambda r: f"group {r.group_id!r} is served by {main_rm[r.group_id]!r}, this member not",
    )


def check_locks(ctx: CheckContext) -> list[Violation]:
    """locks: a locked customer keeps today's RM when that RM is active and eligible; when it is
    not, the lock cannot hold and the plan's reason must say so."""
    rows = ctx.rows
    if not ctx.policy.rules.locks:
        return []
    locked = rows["locked"] & (rows["current_rm_id"] != "")
    broken = locked & rows["current_ok"] & (rows["rm_id"] != rows["current_rm_id"])
    silent = locked & ~rows["current_ok"] & rows["no_reason"]
    out = violations_where(
        rows,
        broken,
        "locks",
        lambda r: f"locked to active, eligible RM {r.current_rm_id!r}, plan moves it",
    )
    out += violations_where(
        rows,
        silent,
        "locks",
        lambda r: f"lock to RM {r.current_rm_id!r} cannot hold, but the reason is empty",
    )
    return out


def rm_loads(instance: Instance, plan: pd.DataFrame, policy: Policy | None = None) -> pd.DataFrame:
    """Workload, capacity and utilisation of every input RM under ``plan``.

    Returns a frame indexed by ``rm_id`` with ``line``, ``active``, ``load`` (summed workload
    points of its plan customers), ``capacity`` (policy default filled in), ``utilisation``
    (``load / capacity``, NaN without capacity) and ``customers`` (how many it serves).
    """
    policy = load_policy(policy)
    ctx = prepare(instance, plan, policy)
    return loads_of(ctx)


def loads_of(ctx: CheckContext) -> pd.DataFrame:
    assigned = ctx.rows[ctx.rows["rm_known"]]
    load = assigned.groupby("rm_id")["workload"].sum()
    n = assigned.groupby("rm_id").size()
    table = ctx.rms[["line", "active", "capacity"]].copy()
    table["load"] = load.reindex(table.index).fillna(0.0).astype(float)
    table["customers"] = n.reindex(table.index).fillna(0).astype(int)
    cap = table["capacity"].where(table["capacity"] > 0)
    table["utilisation"] = table["load"] / cap
    return table


def check_capacity(ctx: CheckContext) -> list[Violation]:
    """capacity: the summed workload of an RM's customers is at most its capacity."""
    loads = loads_of(ctx)
    over = loads[loads["load"] > loads["capacity"] + EPS]
    return [
        Violation("capacity", "", str(rm_id), f"workload {load:g} exceeds capacity {cap:g}")
        for rm_id, load, cap in zip(over.index, over["load"], over["capacity"], strict=True)
    ]


def _expected_status(rows: pd.DataFrame) -> npt.NDArray[np.object_]:
    """The status DATA_CONTRACT.md gives each row, from its RM, its tier and today's book."""
    has_rm = rows["has_rm"].to_numpy()
    pooled = rows["pooled"].to_numpy()
    current = rows["current_rm_id"].to_numpy()
    same = rows["rm_id"].to_numpy() == current
    return np.select(
        [
            ~has_rm & pooled,
            ~has_rm,  # not pooled: should have had one (a tier-less customer cannot)
            same,
            current == "",
            rows["current_ok"].to_numpy(),
        ],
        ["pooled", "unassigned", "kept", "new", "moved"],
        default="reassigned",
    ).astype(object)


def check_status(ctx: CheckContext) -> list[Violation]:
    """status: each row's status is the one its RM, tier and today's book imply (and an
    ``unassigned`` row says why in ``reason``)."""
    rows = ctx.rows.assign(expected_status=_expected_status(ctx.rows))
    wrong = rows["status"] != rows["expected_status"]

    def why(r: Any) -> str:
        if r.status not in STATUSES:
            return f"status {r.status!r} is not one of {list(STATUSES)}"
        return f"status {r.status!r}, expected {r.expected_status!r}"

    out = violations_where(rows, wrong, "status", why)
    silent = ~wrong & (rows["status"] == "unassigned") & rows["no_reason"]
    out += violations_where(rows, silent, "status", lambda r: "unassigned without a reason")
    return out


#: the rule functions in report order (plan_rows runs during preparation)
PLAN_CHECKS: tuple[Callable[[CheckContext], list[Violation]], ...] = (
    check_known_rm,
    check_tier,
    check_pooled,
    check_same_line,
    check_position,
    check_rm_active,
    check_branch_scope,
    check_units,
    check_certifications,
    check_min_grade,
    check_min_branch_level,
    check_forbidden,
    check_one_to_one,
    check_groups_share_rm,
    check_locks,
    check_capacity,
    check_status,
)
