"""A plan's actions (``hires.csv``, contract v1.1) and what they do to the bank and the roster.

``action`` is ``hire`` (new people; a counter or back-office person redeployed into a post is a
``hire`` whose ``source`` and ``rule`` say so), ``certify`` (an existing person gains
``certifications``) or ``transfer`` (an existing RM moves to ``branch_id``/``unit``); ``rule``
names what the row is for: ``tier:<tier>`` (a coverage target) and ``rule:<staffing rule>``,
``;``-separated when one row serves several. The contract's columns come first, then ``role``
(the post: ``rm``, ``lobby_manager``, ...), ``source`` (where the person comes from) and
``lead_quarters`` (how long until the action takes effect).

The actions are the plan's one source: the bank the independent allocation verifies
(:func:`apply_actions`), the roster the staffing rules are checked on after the plan
(:func:`roster_changes`) and each branch's required RMs (:mod:`scenarios.headcount.required`)
are all derived from these rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from allocator.contract import certification_list
from allocator.instance import Instance
from scenarios.edits import add_rms, certify, move_rms
from scenarios.headcount.roster import ROSTER_COLUMNS, Roster, main_group

#: hires.csv (contract v1.1), in order
CONTRACT_COLUMNS: tuple[str, ...] = (
    "action",
    "rm_id",
    "branch_id",
    "unit",
    "line",
    "grade",
    "certifications",
    "count",
    "annual_cost",
    "rule",
)
#: the columns this project adds after the contract's
EXTRA_COLUMNS: tuple[str, ...] = ("role", "source", "lead_quarters")
ACTION_COLUMNS: tuple[str, ...] = (*CONTRACT_COLUMNS, *EXTRA_COLUMNS)
#: kept for callers of the first planner: the hires table's columns
HIRE_COLUMNS = ACTION_COLUMNS
#: actions, in the order a plan lists them
ACTIONS: tuple[str, ...] = ("hire", "certify", "transfer")
#: where a redeployed person comes from (``source`` of a ``hire`` row)
REDEPLOY_SOURCES: tuple[str, ...] = ("counter", "back_office")


def empty_actions() -> pd.DataFrame:
    """An actions table with no row."""
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in ACTION_COLUMNS})
    return frame.astype({"count": "int64", "annual_cost": float, "lead_quarters": "int64"})


def normalise_actions(actions: pd.DataFrame) -> pd.DataFrame:
    """Actions as read back from a file: every column present, text cells as text ("" for
    empty), ``count`` and ``lead_quarters`` ints; the role defaults to ``rm`` where a line is
    given (a file of the contract's columns only)."""
    out = actions.copy()
    for c in ACTION_COLUMNS:
        if c not in out.columns:
            out[c] = 0 if c in ("count", "lead_quarters", "annual_cost") else ""
    text = [c for c in ACTION_COLUMNS if c not in ("count", "annual_cost", "lead_quarters")]
    for c in text:
        out[c] = out[c].where(out[c].notna(), "").astype(str).str.strip()
    out["count"] = pd.to_numeric(out["count"], errors="coerce").fillna(0).astype("int64")
    out["annual_cost"] = pd.to_numeric(out["annual_cost"], errors="coerce").fillna(0.0)
    out["lead_quarters"] = (
        pd.to_numeric(out["lead_quarters"], errors="coerce").fillna(0).astype("int64")
    )
    no_role = (out["role"] == "") & (out["line"] != "")
    out.loc[no_role, "role"] = "rm"
    return out[list(ACTION_COLUMNS)].reset_index(drop=True)


def is_rm_hire(actions: pd.DataFrame) -> pd.Series:
    """``hire`` rows that add RMs (new people or redeployed staff)."""
    return (actions["action"] == "hire") & (actions["role"] == "rm")


def apply_actions(instance: Instance, actions: pd.DataFrame) -> Instance:
    """The bank after the actions: RM hires (``HIRE...`` ids; redeployed staff ``RDP...``) added
    as active RMs, certifications gained, transfers made -- through the scenario edits, so the
    bank is the one a scenario would see. Non-RM hires change the roster, not the bank."""
    acts = normalise_actions(actions)
    for row in acts[is_rm_hire(acts)].to_dict(orient="records"):
        instance = add_rms(
            instance,
            count=int(row["count"]),
            line=str(row["line"]),
            grade=str(row["grade"]),
            certifications=certification_list(row["certifications"]),
            branch_id=str(row["branch_id"]),
            unit=str(row["unit"]),
            prefix="RDP" if row["source"] in REDEPLOY_SOURCES else "HIRE",
        )
    for row in acts[(acts["action"] == "certify") & (acts["rm_id"] != "")].to_dict("records"):
        instance = certify(
            instance, rm_ids=[str(row["rm_id"])], add=certification_list(row["certifications"])
        )
    for row in acts[acts["action"] == "transfer"].to_dict(orient="records"):
        instance = move_rms(
            instance,
            rm_ids=[str(row["rm_id"])],
            branch_id=str(row["branch_id"]),
            unit=str(row["unit"]) or None,
        )
    return instance


def _person(row: Mapping[Any, Any], count: int) -> tuple[object, ...]:
    return (*tuple(row[c] for c in ROSTER_COLUMNS[:6]), count, row.get("rm_id", ""))


def roster_changes(actions: pd.DataFrame, roster: Roster) -> pd.DataFrame:
    """The actions as signed roster rows (:func:`scenarios.headcount.roster.with_changes`).

    A certification or transfer of an RM replaces its roster row; a certification of other
    staff replaces uncertified people of the role; a redeployment takes people from the largest
    group of the source role at the branch (as the model counted it).
    """
    acts = normalise_actions(actions)
    frame = roster.frame.set_index("rm_id", drop=False)
    named = frame[frame["rm_id"] != ""]
    rows: list[tuple[object, ...]] = []
    for row in acts.to_dict(orient="records"):
        n = int(row["count"])
        if row["action"] == "hire":
            rows.append(_person({**row, "rm_id": ""}, n))  # type: ignore[dict-item]
            if row["source"] in REDEPLOY_SOURCES:
                unit, certs, _ = main_group(roster, str(row["branch_id"]), str(row["source"]))
                rows.append((row["branch_id"], unit, row["source"], "", "", certs, -n, ""))
        elif row["rm_id"] and row["rm_id"] in named.index:
            old: dict[Any, Any] = named.loc[row["rm_id"]].to_dict()
            rows.append(_person(old, -1))
            new = dict(old)
            if row["action"] == "certify":
                held = certification_list(old["certifications"])
                gained = certification_list(row["certifications"])
                new["certifications"] = ";".join(dict.fromkeys([*held, *gained]))
            else:
                new["branch_id"], new["unit"] = row["branch_id"], row["unit"] or old["unit"]
            rows.append(_person(new, 1))
        elif row["action"] == "certify":
            base: dict[Any, Any] = {**row, "line": "", "grade": "", "rm_id": ""}
            rows.append(_person({**base, "certifications": ""}, -n))
            rows.append(_person(base, n))
    return pd.DataFrame(rows, columns=list(ROSTER_COLUMNS))
