"""Scenario edits: one pure function per edit.

Each edit takes an :class:`~allocator.instance.Instance` (or a :class:`~allocator.policy.Policy`)
and returns a new one; the input is never changed (frames are copied before they are written to),
so a baseline can be shared by every scenario and sweep point that starts from it.
:func:`apply_edits` runs a spec's edits in order and validates the result once with
:func:`allocator.validation.load_instance`, so an edit that names an unknown branch or grade is
reported like a bad input file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from allocator.contract import certification_list
from allocator.errors import InputError, InputIssue
from allocator.instance import Instance
from allocator.policy import Policy
from allocator.rules import assign_tiers
from allocator.validation import load_instance
from scenarios.spec import (
    AddRms,
    Certify,
    EditBase,
    GrowCustomers,
    MoveRms,
    PolicyEdit,
    RemoveRms,
    SetCapacity,
    SetGrades,
    ShiftAum,
)


def _fail(
    edit: str, message: str, column: str | None = None, value: str | None = None
) -> InputError:
    return InputError([InputIssue(f"edit {edit}", None, column, value, message)])


def _fill_value(dtype: Any) -> Any:
    """The "empty" cell of a normalised column: "" for text, NaN for numbers, False for bools."""
    if pd.api.types.is_bool_dtype(dtype):
        return False
    if pd.api.types.is_numeric_dtype(dtype):
        return np.nan
    return ""


def append_rows(frame: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``rows`` appended, columns and dtypes of ``frame`` kept (a new frame).

    Columns of ``frame`` that ``rows`` lacks get the column's empty value; a fresh ``0..n-1``
    index follows, as :func:`~allocator.validation.load_instance` gives.
    """
    if rows.empty:
        return frame.copy()
    full = pd.DataFrame(index=rows.index)
    for col in frame.columns:
        if col in rows.columns:
            full[col] = rows[col].astype(frame[col].dtype)
        else:
            full[col] = pd.Series(_fill_value(frame[col].dtype), index=rows.index).astype(
                frame[col].dtype
            )
    return pd.concat([frame, full], ignore_index=True)


def _check_rm_ids(edit: str, rms: pd.DataFrame, rm_ids: Iterable[str]) -> np.ndarray:
    """Boolean mask of the named RMs; every id must exist."""
    wanted = list(dict.fromkeys(rm_ids))
    known = set(rms["rm_id"])
    missing = [r for r in wanted if r not in known]
    if missing:
        raise InputError(
            [InputIssue(f"edit {edit}", None, "rm_ids", r, "no RM with this id") for r in missing]
        )
    return rms["rm_id"].isin(wanted).to_numpy()


def new_ids(existing: Iterable[str], prefix: str, count: int) -> list[str]:
    """``count`` ids ``<prefix>0001, <prefix>0002, ...`` that are not in ``existing``."""
    taken = set(existing)
    out: list[str] = []
    k = 0
    while len(out) < count:
        k += 1
        candidate = f"{prefix}{k:04d}"
        if candidate not in taken:
            out.append(candidate)
    return out


# -- RM edits -------------------------------------------------------------------------------------
def add_rms(
    instance: Instance,
    *,
    count: int,
    line: str,
    grade: str,
    branch_id: str,
    certifications: Sequence[str] = (),
    unit: str = "outlet",
    capacity: float | None = None,
    prefix: str = "NEW",
) -> Instance:
    """Hire ``count`` active RMs of one profile.

    Ids are ``<prefix>0001``... skipping any id already used, so two hiring edits (or a hire and
    a bank that already has ``NEW0001``) never clash. ``capacity`` None leaves the policy's default
    by line (the contract's empty cell).
    """
    if instance.branches_given and branch_id not in set(instance.branches["branch_id"]):
        raise _fail("add_rms", "no branch with this id", "branch_id", branch_id)
    ids = new_ids(instance.rms["rm_id"], prefix, count)
    rows = pd.DataFrame(
        {
            "rm_id": ids,
            "line": line,
            "grade": grade,
            "certifications": ";".join(dict.fromkeys(c.strip().upper() for c in certifications)),
            "branch_id": branch_id,
            "unit": unit,
            "capacity": np.nan if capacity is None else float(capacity),
            "active": True,
            "position": "rm",
            "designated_private": False,
        },
        index=range(count),
    )
    rms = append_rows(instance.rms, rows)
    branches = instance.branches
    if not instance.branches_given and branch_id not in set(branches["branch_id"]):
        # a derived tree: a new branch id is a new root outlet, as validation would derive it
        root = branches.iloc[:0].copy()
        root.loc[0, ["branch_id", "parent_id", "level"]] = [
            branch_id,
            "",
            branches["level"].iloc[0],
        ]
        branches = append_rows(branches, root)
    return instance.replace(rms=rms, branches=branches)


def remove_rms(instance: Instance, *, rm_ids: Sequence[str]) -> Instance:
    """Departures: the RMs become inactive (rows are kept so today's book still names them).

    Their customers' ``current_rm_id`` stays as it is: the plan then says ``reassigned`` for
    each, and the hand-over preference (same outlet first) goes into the solve's warm start
    (:func:`scenarios.run.handover_hint`).
    """
    mask = _check_rm_ids("remove_rms", instance.rms, rm_ids)
    rms = instance.rms.copy()
    rms.loc[mask, "active"] = False
    return instance.replace(rms=rms)


def certify(instance: Instance, *, rm_ids: Sequence[str], add: Sequence[str]) -> Instance:
    """The named RMs gain certifications (kept ``;``-joined, no duplicates, input order)."""
    mask = _check_rm_ids("certify", instance.rms, rm_ids)
    extra = [c.strip().upper() for c in add if c.strip()]
    rms = instance.rms.copy()

    def merged(cell: str) -> str:
        return ";".join(dict.fromkeys([*certification_list(cell), *extra]))

    rms.loc[mask, "certifications"] = rms.loc[mask, "certifications"].map(merged)
    return instance.replace(rms=rms)


def set_capacity(
    instance: Instance,
    *,
    capacity: float,
    rm_ids: Sequence[str] | None = None,
    grade: str | None = None,
    line: str | None = None,
    unit: str | None = None,
    branch_id: str | None = None,
) -> Instance:
    """Set the capacity (workload points) of the RMs every given filter selects (all RMs when no
    filter is given). A filter that selects nobody is an error: it is almost always a typo."""
    rms = instance.rms
    mask = np.ones(len(rms), dtype=bool)
    if rm_ids is not None:
        mask &= _check_rm_ids("set_capacity", rms, rm_ids)
    for col, value in (("grade", grade), ("line", line), ("unit", unit), ("branch_id", branch_id)):
        if value is not None:
            mask &= (rms[col] == value).to_numpy()
    if not mask.any():
        raise _fail("set_capacity", "the filter selects no RM")
    out = rms.copy()
    out.loc[mask, "capacity"] = float(capacity)
    return instance.replace(rms=out)


# -- policy ---------------------------------------------------------------------------------------
def policy_override(policy: Policy, override: Mapping[str, Any]) -> Policy:
    """The policy with ``override`` deep-merged over it (:meth:`Policy.merged`; validated)."""
    try:
        return policy.merged(override)
    except ValueError as exc:
        raise _fail("policy", f"invalid policy override: {exc}") from exc


# -- customer edits -------------------------------------------------------------------------------
def _tier_mask(edit: str, instance: Instance, policy: Policy, tier: str) -> np.ndarray:
    if tier not in policy.all_tier_names():
        raise _fail(edit, f"unknown tier; the policy has {policy.all_tier_names()}", "tier", tier)
    return (assign_tiers(instance.customers, policy)["tier"] == tier).to_numpy()


def move_rms(
    instance: Instance, *, rm_ids: Sequence[str], branch_id: str, unit: str | None = None
) -> Instance:
    """Transfers: the named RMs move to ``branch_id`` (and ``unit``, else they keep theirs).

    Line, grade, certifications and capacity go with the RM; its customers' ``current_rm_id``
    stays, so the plan says where they go (kept, when the RM may still serve them from there).
    """
    mask = _check_rm_ids("move_rms", instance.rms, rm_ids)
    if instance.branches_given and branch_id not in set(instance.branches["branch_id"]):
        raise _fail("move_rms", "no branch with this id", "branch_id", branch_id)
    rms = instance.rms.copy()
    rms.loc[mask, "branch_id"] = branch_id
    if unit is not None:
        rms.loc[mask, "unit"] = unit
    return instance.replace(rms=rms)


def set_grades(instance: Instance, *, grades: Mapping[str, str]) -> Instance:
    """Next year's grades: each named RM takes the grade given (a grade review's proposal).

    An unknown RM is an error; an unknown grade is reported when the edited bank is validated.
    """
    mask = _check_rm_ids("set_grades", instance.rms, list(grades))
    rms = instance.rms.copy()
    rms.loc[mask, "grade"] = rms.loc[mask, "rm_id"].map(dict(grades))
    return instance.replace(rms=rms)


def grow_customers(
    instance: Instance, policy: Policy, *, tier: str, percent: float, seed: int
) -> Instance:
    """Clone ``percent`` % of the customers of ``tier`` (as tiered by ``policy``).

    Which customers are cloned is drawn with ``seed``, so a scenario is reproducible. Clones are
    new customers: id ``<original>+g<k>`` (never clashing), no RM today, not locked, no group (a
    clone is a new relationship, not a member of the original's group). Above 100 % every
    customer is cloned once per whole hundred, and the remainder is drawn.
    """
    customers = instance.customers
    pos = np.flatnonzero(_tier_mask("grow_customers", instance, policy, tier))
    n_new = round(len(pos) * percent / 100.0)
    if n_new == 0:
        return instance
    rng = np.random.default_rng(seed)
    whole, rest = divmod(n_new, len(pos))
    picks = np.concatenate([np.tile(pos, whole), np.sort(rng.choice(pos, rest, replace=False))])
    clones = customers.iloc[picks].copy()
    taken = set(customers["customer_id"])
    ids: list[str] = []
    copy_no: dict[str, int] = {}
    for original in clones["customer_id"]:
        k = copy_no.get(original, 0)
        while True:
            k += 1
            candidate = f"{original}+g{k}"
            if candidate not in taken:
                break
        copy_no[original] = k
        taken.add(candidate)
        ids.append(candidate)
    clones["customer_id"] = ids
    for col, value in (("current_rm_id", ""), ("group_id", ""), ("locked", False)):
        if col in clones.columns:
            clones[col] = value
    out = pd.concat([customers, clones.astype(customers.dtypes.to_dict())], ignore_index=True)
    return instance.replace(customers=out)


def shift_aum(
    instance: Instance, policy: Policy, *, percent: float, tier: str | None = None
) -> Instance:
    """Multiply AUM by ``1 + percent/100``, for every customer or those of ``tier`` (tiered
    before the shift). Customers may change tier as a result: that is the point of the edit."""
    customers = instance.customers.copy()
    mask = (
        np.ones(len(customers), dtype=bool)
        if tier is None
        else _tier_mask("shift_aum", instance, policy, tier)
    )
    aum = customers["aum"].to_numpy(dtype=float).copy()
    aum[mask] *= 1.0 + percent / 100.0
    customers["aum"] = aum
    return instance.replace(customers=customers)


# -- the dispatcher -------------------------------------------------------------------------------
def edit_seed(seed: int, index: int) -> int:
    """A seed for the ``index``-th edit, derived from the scenario seed (stable across runs and
    machines: no Python ``hash``)."""
    digest = hashlib.blake2b(f"{seed}:edit:{index}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % (2**31)


def apply_edit(
    edit: EditBase, instance: Instance, policy: Policy, *, seed: int = 0
) -> tuple[Instance, Policy]:
    """Apply one edit model; returns the new instance and policy (one of them unchanged)."""
    p = edit.params()
    if isinstance(edit, AddRms):
        return add_rms(instance, **p), policy
    if isinstance(edit, RemoveRms):
        return remove_rms(instance, **p), policy
    if isinstance(edit, Certify):
        return certify(instance, **p), policy
    if isinstance(edit, SetCapacity):
        return set_capacity(instance, **p), policy
    if isinstance(edit, PolicyEdit):
        return instance, policy_override(policy, edit.override)
    if isinstance(edit, GrowCustomers):
        return grow_customers(instance, policy, **p, seed=seed), policy
    if isinstance(edit, ShiftAum):
        return shift_aum(instance, policy, **p), policy
    if isinstance(edit, MoveRms):
        return move_rms(instance, **p), policy
    if isinstance(edit, SetGrades):
        return set_grades(instance, **p), policy
    raise TypeError(f"unknown edit {type(edit).__name__}")


def apply_edits(
    instance: Instance, policy: Policy, edits: Sequence[EditBase], *, seed: int = 0
) -> tuple[Instance, Policy]:
    """Apply ``edits`` in order, then validate the edited bank once.

    Returns the input objects themselves when there is no edit, so "nothing changed" is cheap to
    recognise.

    Raises
    ------
    allocator.errors.InputError
        When an edit names something that does not exist, or the edited bank breaks the contract
        (an RM hired at an unknown branch, a grade the policy does not know, ...).
    """
    if not edits:
        return instance, policy
    for i, edit in enumerate(edits):
        instance, policy = apply_edit(edit, instance, policy, seed=edit_seed(seed, i))
    checked = load_instance(
        instance.customers,
        instance.rms,
        instance.branches if instance.branches_given else None,
        policy=policy,
    )
    return checked, policy
