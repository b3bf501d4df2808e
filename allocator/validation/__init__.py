"""Contract v1 input: read, validate and normalise into an :class:`~allocator.instance.Instance`.

Validation reports every problem of every file at once (an :class:`~allocator.errors.InputError`
with one :class:`~allocator.errors.InputIssue` per bad cell, row or column), because a user fixing
a spreadsheet wants the whole list, not one error per run. Each rule is one small function; all of
them work on whole columns (pandas/numpy), and Python loops run only over the rows already found
bad, to build the issues. A province (10^6 customers) validates in seconds.

Some choices beyond the contract's letter, each for the user's benefit:

- enum values (``segment``, ``line``, ``grade``, ``unit``, ``level``, ``list_tier``) match
  case-insensitively and are normalised to the policy's spelling (``Retail`` -> ``retail``);
- header names are matched after stripping whitespace (``" aum"`` is ``aum``);
- a row whose every cell is empty (spreadsheets leave them; a row of only commas) is skipped,
  with one warning (logged) naming the rows, and still counted in the row numbers of the issues,
  so that they point at the right spreadsheet row; a customers file with no row left is an
  error ("no customers"), not an empty plan;
- numbers are bounded (:mod:`allocator.bounds`): a capacity of 9.3e18 is refused here, naming
  the cell, rather than overflowing in compile;
- the ``list_tier`` values and the segment each belongs to come from the policy's tiers, and the
  grades and branch levels from the policy, so that a policy that adds one needs no code change.

Lock conflicts (two locks on one one-to-one RM, ...) need the compiled tiers and are checked at
compile time, not here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.bounds import MAX_AMOUNT, MAX_CAPACITY
from allocator.contract import (
    BRANCH_REQUIRED,
    CUSTOMER_OPTIONAL,
    CUSTOMER_REQUIRED,
    POSITIONS,
    RM_LINES,
    RM_OPTIONAL,
    RM_REQUIRED,
    SEGMENTS,
    UNITS,
)
from allocator.errors import InputError, InputIssue
from allocator.instance import Instance, TableOrigin
from allocator.io import CsvOptions, ReadLimits, Source
from allocator.policy import Policy, load_policy
from allocator.validation.normalise import normalise_certifications, normalise_id_lists
from allocator.validation.rules import (
    check_branch_cycles,
    check_branch_levels,
    check_group_segments,
    check_list_tier,
    check_lock_has_rm,
    parent_positions,
)
from allocator.validation.table import (
    FALSE_TOKENS,
    TRUE_TOKENS,
    Table,
    assemble,
    check_bool,
    check_count,
    check_enum,
    check_not_empty,
    check_number,
    check_reference,
    check_required_columns,
    check_unique,
    known_ids,
    open_table,
    rows_list,
)

log = logging.getLogger(__name__)

PolicySource = Policy | str | Path | Mapping[str, Any] | None

CUSTOMER_COLUMNS = (*CUSTOMER_REQUIRED, *CUSTOMER_OPTIONAL)
RM_COLUMNS = (*RM_REQUIRED, *RM_OPTIONAL)
BRANCH_COLUMNS = BRANCH_REQUIRED
DEFAULT_UNIT = "outlet"


# -- per table ---------------------------------------------------------------------------------
def validate_branches(table: Table, policy: Policy) -> pd.DataFrame:
    check_required_columns(table, BRANCH_REQUIRED)
    check_not_empty(table, ("branch_id", "level"))
    check_unique(table, "branch_id")
    level = check_enum(table, "level", policy.branch_levels)
    if table.has("branch_id") and table.has("parent_id"):
        check_reference(
            table, "parent_id", known_ids(table, "branch_id"), target=table.name, optional=True
        )
        parent = parent_positions(table)
        check_branch_cycles(table, parent)
        if table.has("level"):
            check_branch_levels(table, level, parent, policy)
    return assemble(
        table,
        {
            "branch_id": table.text("branch_id"),
            "parent_id": table.text("parent_id"),
            "level": level,
        },
    )


def validate_rms(
    table: Table, policy: Policy, branch_ids: pd.Series | None, branches_name: str
) -> pd.DataFrame:
    check_required_columns(table, RM_REQUIRED)
    check_not_empty(table, RM_REQUIRED)
    check_unique(table, "rm_id")
    line = check_enum(table, "line", RM_LINES)
    grade = check_enum(table, "grade", policy.grades)
    unit = check_enum(table, "unit", UNITS)
    capacity = check_number(table, "capacity", positive=True, maximum=MAX_CAPACITY)
    active = check_bool(table, "active", default=True)
    check_reference(table, "branch_id", branch_ids, target=branches_name, optional=False)
    position = check_enum(table, "position", POSITIONS)
    designated = check_bool(table, "designated_private", default=False)
    co_cover = check_number(table, "co_cover_capacity", positive=True, maximum=MAX_CAPACITY)
    return assemble(
        table,
        {
            "rm_id": table.text("rm_id"),
            "line": line,
            "grade": grade,
            "branch_id": table.text("branch_id"),
            "certifications": normalise_certifications(table.text("certifications")),
            "unit": unit.where(unit != "", DEFAULT_UNIT),
            "capacity": capacity,
            "active": active,
            "position": position.where(position != "", "rm"),
            "designated_private": designated,
            "co_cover_capacity": co_cover,
        },
    )


def validate_customers(
    table: Table,
    policy: Policy,
    branch_ids: pd.Series | None,
    branches_name: str,
) -> pd.DataFrame:
    check_required_columns(table, CUSTOMER_REQUIRED)
    check_not_empty(table, CUSTOMER_REQUIRED)
    check_unique(table, "customer_id")
    segment = check_enum(table, "segment", SEGMENTS)
    check_has_rows(table, "customers")
    aum = check_number(table, "aum", positive=False, maximum=MAX_AMOUNT)
    contribution = check_number(table, "annual_contribution", positive=False, maximum=MAX_AMOUNT)
    list_tier = check_list_tier(table, segment, policy)
    locked = check_bool(table, "locked", default=False)
    check_reference(table, "branch_id", branch_ids, target=branches_name, optional=False)
    # a current_rm_id that is not in rms.csv is an RM who has left (HR exports drop leavers):
    # valid input (contract v1.1); the customer is reassigned and a lock on it cannot hold
    check_lock_has_rm(table, locked)
    check_group_segments(table, segment)
    previous = check_enum(table, "previous_tier", policy.all_tier_names())
    months = check_count(table, "months_below")
    deposits = check_number(table, "deposits", positive=False, maximum=MAX_AMOUNT)
    return assemble(
        table,
        {
            "customer_id": table.text("customer_id"),
            "segment": segment,
            "branch_id": table.text("branch_id"),
            "aum": aum,
            "annual_contribution": contribution,
            "list_tier": list_tier,
            "group_id": table.text("group_id"),
            "current_rm_id": table.text("current_rm_id"),
            "locked": locked,
            "forbid_rm_ids": normalise_id_lists(table.text("forbid_rm_ids")),
            "previous_tier": previous,
            "months_below": months,
            "deposits": deposits.fillna(0.0),
        },
    )


def check_has_rows(table: Table, what: str) -> None:
    """A table of only a header (or of only empty rows) has nothing to allocate: an error, not
    an empty plan that looks like a success."""
    if table.readable and len(table) == 0:
        table.whole_file(None, f"no {what}: the table has a header but no data rows")


def warn_skipped(table: Table) -> None:
    """One warning naming the empty rows that were skipped (a row of only separators may be a
    customer whose cells were cleared by mistake: the user should know it is not in the plan)."""
    if table.skipped.size:
        rows = [int(r) for r in table.skipped]
        log.warning(
            "%s: %d empty row(s) skipped (every cell empty): row(s) %s",
            table.name,
            len(rows),
            rows_list(rows),
        )


def derive_branches(customers: pd.DataFrame, rms: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Branches when no file gives them: every ``branch_id`` seen (customers first, then RMs, in
    order of first appearance) is a root at the lowest level of the policy (``outlet``)."""
    seen = pd.concat([customers["branch_id"], rms["branch_id"]], ignore_index=True)
    ids = pd.Series(seen.drop_duplicates().to_numpy(), dtype="str")
    return pd.DataFrame(
        {
            "branch_id": ids,
            "parent_id": pd.Series("", index=ids.index, dtype="str"),
            "level": pd.Series(policy.branch_levels[0], index=ids.index, dtype="str"),
        }
    )


def sorted_issues(issues: list[InputIssue], files: Sequence[str]) -> list[InputIssue]:
    """Issues grouped by file (in argument order), whole-file issues first, then by row."""
    order = {name: k for k, name in enumerate(files)}
    return sorted(issues, key=lambda i: (order.get(i.file, len(order)), i.row or 0))


# -- entry point -------------------------------------------------------------------------------
def load_instance(
    customers: Source,
    rms: Source,
    branches: Source | None = None,
    *,
    policy: PolicySource = None,
    limits: ReadLimits | None = None,
    csv_options: CsvOptions | None = None,
) -> Instance:
    """Read, validate and normalise contract v1 input.

    Parameters
    ----------
    customers, rms
        The customers and RMs tables: a path (``.csv``, ``.parquet``/``.pq``, ``.xlsx``/``.xls``)
        or a DataFrame. Issues name a file by its file name (``customers.csv``), a DataFrame as
        ``customers``/``rms``/``branches``.
    branches
        The branch tree, optional: without it every ``branch_id`` seen is a root ``outlet`` and
        :attr:`Instance.branches_given` is ``False``.
    policy
        The policy whose grades, branch levels and list tiers are the valid values (anything
        :func:`allocator.policy.load_policy` accepts; the default policy when ``None``).
    limits
        The most a file may hold (:class:`~allocator.io.ReadLimits`; its defaults when ``None``).
    csv_options
        Delimiter and encoding of the CSV files (:class:`~allocator.io.CsvOptions`).

    Returns
    -------
    Instance
        Frames in input order with a fresh ``0..n-1`` index; contract columns first (contract
        order), extra columns after them, unchanged. Dtypes: text columns pandas ``str`` with
        ``""`` for empty (whitespace stripped, ``unit`` defaulted to ``outlet``, certifications
        ``"AFP;CPB"``-style); ``aum``, ``annual_contribution``, ``capacity`` float64 (capacity NaN
        when not given); ``locked``, ``active`` bool. :attr:`Instance.origins` says which file
        and spreadsheet row each table and row came from.

    Raises
    ------
    allocator.errors.InputError
        Listing every problem found in every table (see the module docstring).
    allocator.errors.PolicyError
        When ``policy`` is invalid.
    """
    pol = load_policy(policy, limits=limits)
    opened = {
        key: open_table(source, key, columns, limits, csv_options)
        for key, source, columns in (
            ("customers", customers, CUSTOMER_COLUMNS),
            ("rms", rms, RM_COLUMNS),
            ("branches", branches, BRANCH_COLUMNS),
        )
    }
    customer_table, rm_table, branch_table = opened["customers"], opened["rms"], opened["branches"]
    assert customer_table is not None and rm_table is not None

    branch_ids = known_ids(branch_table, "branch_id")
    branches_name = branch_table.name if branch_table is not None else "branches"
    branch_frame = validate_branches(branch_table, pol) if branch_table is not None else None
    rm_frame = validate_rms(rm_table, pol, branch_ids, branches_name)
    customer_frame = validate_customers(customer_table, pol, branch_ids, branches_name)

    tables = [t for t in (customer_table, rm_table, branch_table) if t is not None]
    for table in tables:
        warn_skipped(table)
    issues = [issue for t in tables for issue in t.issues]
    if issues:
        omitted = sum(t.omitted for t in tables)
        raise InputError(sorted_issues(issues, [t.name for t in tables]), omitted)
    origins = {
        key: TableOrigin(table.name, table.rows)
        for key, table in opened.items()
        if table is not None
    }
    if branch_frame is None:
        return Instance(
            customers=customer_frame,
            rms=rm_frame,
            branches=derive_branches(customer_frame, rm_frame, pol),
            branches_given=False,
            origins=origins,
        )
    return Instance(customers=customer_frame, rms=rm_frame, branches=branch_frame, origins=origins)


def as_instance(
    customers: Source | Instance,
    rms: Source | None = None,
    branches: Source | None = None,
    *,
    policy: PolicySource = None,
) -> Instance:
    """A bank as the front doors take it: an :class:`Instance` as it is, or contract tables
    read and validated by :func:`load_instance`.

    :func:`allocator.allocate` and :func:`scenarios.run.solve_bank` accept either, so a notebook
    may validate once and solve many times.

    Raises
    ------
    TypeError
        When ``customers`` is a table and ``rms`` is missing.
    allocator.errors.InputError
        As :func:`load_instance`.
    """
    if isinstance(customers, Instance):
        return customers
    if rms is None:
        raise TypeError("rms is required unless customers is an Instance")
    return load_instance(customers, rms, branches, policy=policy)


__all__ = [
    "FALSE_TOKENS",
    "TRUE_TOKENS",
    "as_instance",
    "derive_branches",
    "load_instance",
    "normalise_certifications",
]
