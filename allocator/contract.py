"""The data contract's names, said once (``../shared/DATA_CONTRACT.md``).

Lines, segments, units, list tiers, the columns of every file, the plan's statuses and columns,
and how a certifications cell is read. Everything that speaks the contract -- validation, compile,
the plan, the checker, the generator, scenarios, the API -- imports these instead of spelling the
literals again. Rules (tiers, eligibility) are *not* here: they are policy data read by
:mod:`allocator.rules`; the checker keeps its own independent copy of those on purpose.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

#: the two business lines; an RM serves customers of its own line (a customer's ``segment``)
LINES: tuple[str, ...] = ("retail", "corporate")
Line = Literal["retail", "corporate"]
#: customer segments, as validated (the same two words as the lines)
SEGMENTS: tuple[str, ...] = ("corporate", "retail")
#: an RM's line: a line, or ``both`` for a composite RM (v1.1; where the policy allows it)
RM_LINES: tuple[str, ...] = ("corporate", "retail", "both")
#: an RM's position (v1.1): ``rm`` serves customers; executives co-cover rich retail customers;
#: the N+1 RM assistant post serves no customer
POSITIONS: tuple[str, ...] = (
    "rm",
    "subbranch_deputy_head",
    "subbranch_head",
    "city_head",
    "assistant_post",
)
#: coverage roles of coverage.csv (v1.1); ``primary`` is the plan.csv RM
ROLES: tuple[str, ...] = ("primary", "team_member", "co_cover", "city_co_rm")
#: where an RM works
UNITS: tuple[str, ...] = ("outlet", "vip_center", "wealth_center", "marketing")
#: values of customers.csv ``list_tier``
LIST_TIERS: tuple[str, ...] = ("hq", "province", "city", "potential")

# -- input files -----------------------------------------------------------------------------
# Required columns must be present; optional ones are filled with their default when absent.
CUSTOMER_REQUIRED = ("customer_id", "segment", "branch_id", "aum", "annual_contribution")
CUSTOMER_OPTIONAL = (
    "list_tier",
    "group_id",
    "current_rm_id",
    "locked",
    # v1.1: the quarterly re-allocation (absent columns mean v1 behaviour)
    "forbid_rm_ids",
    "previous_tier",
    "months_below",
    "deposits",
)
#: the v1.1 customer columns with the value that means "absent" (v1 behaviour); a bank whose
#: column holds only this value is written back without it, so a v1 file stays a v1 file
CUSTOMER_V1_1_ABSENT: dict[str, object] = {
    "forbid_rm_ids": "",
    "previous_tier": "",
    "months_below": 0,
    "deposits": 0.0,
}
RM_REQUIRED = ("rm_id", "line", "grade", "branch_id")
RM_OPTIONAL = (
    "certifications",
    "unit",
    "capacity",
    "active",
    # v1.1: the coverage model (absent columns mean v1 behaviour)
    "position",
    "designated_private",
    "co_cover_capacity",
)
#: the v1.1 RM columns with the value that means "absent"
RM_V1_1_ABSENT: dict[str, object] = {"position": "rm", "designated_private": False}
BRANCH_REQUIRED = ("branch_id", "parent_id", "level")

# -- the plan (output) -----------------------------------------------------------------------
#: the contract's plan.csv columns, in order (extra columns are allowed after them)
PLAN_COLUMNS: tuple[str, ...] = ("customer_id", "rm_id", "tier", "status", "reason")
#: every status a plan row may carry
STATUSES: tuple[str, ...] = ("kept", "moved", "reassigned", "new", "unassigned", "pooled")
#: the objective stages, in the contract's order of importance
OBJECTIVE_STAGES: tuple[str, ...] = ("cover_value", "continuity", "balance")


def certification_list(cell: object) -> list[str]:
    """The certifications of a ``;``-separated cell in input order: trimmed, upper case,
    empties and repeats dropped.

    >>> certification_list(" cfp; CPB;cfp;")
    ['CFP', 'CPB']
    >>> certification_list(None)
    []
    """
    if cell is None or (isinstance(cell, float) and cell != cell):  # None or NaN
        return []
    return list(dict.fromkeys(t.strip().upper() for t in str(cell).split(";") if t.strip()))


def parse_id_list(cell: object) -> list[str]:
    """The ids of a ``;``-separated cell (``forbid_rm_ids``), trimmed, empties and repeats
    dropped, in input order (ids keep their case)."""
    if cell is None or (isinstance(cell, float) and cell != cell):
        return []
    return list(dict.fromkeys(t.strip() for t in str(cell).split(";") if t.strip()))


def parse_certifications(cell: object) -> frozenset[str]:
    """The certifications of a ``;``-separated cell as a set (see :func:`certification_list`).

    >>> sorted(parse_certifications(" cfp; AFP;"))
    ['AFP', 'CFP']
    """
    return frozenset(certification_list(cell))


def format_certifications(held: Iterable[str]) -> str:
    """The cell for a set of certifications (sorted, ``;``-separated): the inverse of
    :func:`parse_certifications` on normalised names."""
    return ";".join(sorted(set(held)))
