"""The roster: every person the staffing rules count, RMs and other staff in one table.

The rules count people by branch, unit, role and certifications -- RMs (rms.csv) and the staff
rms.csv does not list (staff.csv) alike -- so both are put in one table of groups
``branch_id, unit, role, line, grade, certifications, count, rm_id``. The same table, with a
plan's actions added as signed rows (:func:`with_changes`), is the roster after the plan: the
checks before and after, and the planner's constraints, all read one shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from allocator.contract import certification_list
from allocator.instance import Instance
from scenarios.headcount.bank import active_rms
from scenarios.headcount.rules import StaffingRules

#: columns of a roster (``count`` may be negative in a table of changes)
ROSTER_COLUMNS: tuple[str, ...] = (
    "branch_id",
    "unit",
    "role",
    "line",
    "grade",
    "certifications",
    "count",
    "rm_id",
)
#: centre units: an RM there may count as one of the centre's managers (``center_rm_role``)
CENTRE_UNITS: tuple[str, ...] = ("vip_center", "wealth_center")
#: the role of an rms.csv row by its position (executives are staff, not RMs)
POSITION_ROLE = {"rm": "rm", "assistant_post": "assistant_post"}
EXECUTIVE = "executive"


@dataclass(frozen=True)
class Roster:
    """The people the staffing rules count.

    Attributes
    ----------
    frame
        :data:`ROSTER_COLUMNS` plus ``center_role`` (the role a centre rule counts the row as).
    staff_given
        Whether a staff table was given: without one, only rms.csv is known, and rules about
        other staff cannot be checked.
    notes
        What reading the staff table assumed, in words.
    """

    frame: pd.DataFrame
    staff_given: bool
    notes: list[str] = field(default_factory=list)


def rm_rows(instance: Instance) -> pd.DataFrame:
    """The active rms.csv rows as roster rows (one person each)."""
    rms = active_rms(instance)
    position = rms["position"] if "position" in rms.columns else pd.Series("rm", index=rms.index)
    role = position.map(lambda p: POSITION_ROLE.get(str(p) or "rm", EXECUTIVE))
    return pd.DataFrame(
        {
            "branch_id": rms["branch_id"].to_numpy(dtype=object),
            "unit": rms["unit"].to_numpy(dtype=object),
            "role": role.to_numpy(dtype=object),
            "line": rms["line"].to_numpy(dtype=object),
            "grade": rms["grade"].to_numpy(dtype=object),
            "certifications": [";".join(certification_list(c)) for c in rms["certifications"]],
            "count": np.ones(len(rms), dtype=np.int64),
            "rm_id": rms["rm_id"].to_numpy(dtype=object),
        }
    )


def staff_rows(staff: pd.DataFrame, rms: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The staff table's people who are not in rms.csv, and notes on what was assumed.

    ``rm`` rows are not added: rms.csv names every RM, so counting them again would count twice;
    a note says where the two disagree. An older-form row (the branch's whole headcount, RMs
    included) counts its people beyond the branch's rms.csv rows as ``other``.
    """
    notes: list[str] = []
    at_branch = rms.groupby("branch_id")["count"].sum()
    rm_at = rms[rms["role"] == "rm"].groupby("branch_id")["count"].sum()
    listed = staff[staff["role"] == "rm"].groupby("branch_id")["count"].sum()
    for b, n in listed.items():
        if int(rm_at.get(b, 0)) != int(n):
            notes.append(
                f"staff.csv lists {int(n)} RM(s) at {b}, rms.csv {int(rm_at.get(b, 0))} active: "
                "the rms.csv RMs are counted"
            )
    others = staff[staff["role"] != "rm"].copy()
    old = others["includes_rms"].to_numpy(dtype=bool)
    if old.any():
        whole = others.loc[old].groupby("branch_id")["count"].sum()
        beyond = {b: max(int(n) - int(at_branch.get(b, 0)), 0) for b, n in whole.items()}
        first = ~others.loc[old, "branch_id"].duplicated()
        counts = others["count"].to_numpy(dtype=np.int64).copy()
        idx = np.flatnonzero(old)
        counts[idx] = 0
        counts[idx[first.to_numpy()]] = [beyond[b] for b in others.loc[old, "branch_id"][first]]
        others["count"] = counts
        notes.append(
            "staff.csv in the older form (branch_id, staff): each branch's staff beyond its "
            "rms.csv rows are counted as role 'other'"
        )
    frame = pd.DataFrame(
        {
            "branch_id": others["branch_id"].to_numpy(dtype=object),
            "unit": others["unit"].to_numpy(dtype=object),
            "role": others["role"].to_numpy(dtype=object),
            "line": "",
            "grade": "",
            "certifications": others["certifications"].to_numpy(dtype=object),
            "count": others["count"].to_numpy(dtype=np.int64),
            "rm_id": "",
        }
    )
    return frame[frame["count"] != 0], notes


def main_group(roster: Roster, branch: str, role: str) -> tuple[str, str, int]:
    """The people of ``role`` at ``branch``: (unit of the largest group, its certifications,
    how many in all). A redeployment draws on the largest group first, in the model and when
    the plan is read back alike."""
    f = roster.frame
    here = f[(f["branch_id"] == branch) & (f["role"] == role) & (f["count"] > 0)]
    if here.empty:
        return "outlet", "", 0
    order = here.sort_values(["count", "unit", "certifications"], ascending=[False, True, True])
    top = order.iloc[0]
    return str(top["unit"]), str(top["certifications"]), int(here["count"].sum())


def with_center_role(frame: pd.DataFrame, rules: StaffingRules) -> pd.DataFrame:
    """``frame`` with ``center_role``: an RM in a centre counts as ``rules.center_rm_role``."""
    out = frame.copy()
    role = out["role"].to_numpy(dtype=object).copy()
    if rules.center_rm_role is not None:
        in_centre = (role == "rm") & out["unit"].isin(CENTRE_UNITS).to_numpy()
        role[in_centre] = rules.center_rm_role
    out["center_role"] = role
    return out


def build_roster(instance: Instance, staff: pd.DataFrame | None, rules: StaffingRules) -> Roster:
    """The roster of ``instance`` and its staff table (``None``: RMs only)."""
    rms = rm_rows(instance)
    notes: list[str] = []
    parts = [rms]
    if staff is not None:
        others, notes = staff_rows(staff, rms)
        parts.append(others)
    frame = pd.concat(parts, ignore_index=True)[list(ROSTER_COLUMNS)]
    return Roster(with_center_role(frame, rules), staff is not None, notes)


def with_changes(roster: Roster, changes: pd.DataFrame, rules: StaffingRules) -> Roster:
    """The roster after ``changes`` (roster rows with signed counts: +1 a hire, -1 a leaver).

    Groups that net to zero are dropped, so the result reads like a roster of people.
    """
    if changes.empty:
        return roster
    both = pd.concat(
        [roster.frame[list(ROSTER_COLUMNS)], changes[list(ROSTER_COLUMNS)]], ignore_index=True
    )
    keys = [c for c in ROSTER_COLUMNS if c != "count"]
    frame = both.groupby(keys, sort=True, dropna=False)["count"].sum().reset_index()
    frame = frame[frame["count"] != 0][list(ROSTER_COLUMNS)].reset_index(drop=True)
    return Roster(with_center_role(frame, rules), roster.staff_given, roster.notes)
