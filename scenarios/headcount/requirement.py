"""A staffing rule at one branch, as data: who is counted, and how many are required.

Every staffing rule reads ``count(people) >= a + sum(c_j * count(people_j))`` at one branch: "at
least 15 staff", "at least 2 holding AFP/CFP", "RMs >= 20 % of all staff", "one assistant per N
RMs", "all managers certified". Written once as a :class:`Requirement`, a rule is *checked* by
counting on a roster (:func:`evaluate`) and *imposed* by the planner by counting on the roster
plus its decisions (:mod:`scenarios.headcount.constraints`): the check and the constraint cannot
drift apart, because they are the same object.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.contract import parse_certifications
from allocator.policy import Policy

Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Who:
    """Which people of a roster a rule counts (every given field must match).

    Attributes
    ----------
    branch_id
        The branch.
    units
        Units (any of); ``None``: any unit.
    roles
        Roles (any of) as a centre rule counts them (``center_role``: an RM in a centre may be a
        wealth manager); ``None``: anyone.
    rm_roles
        Roles (any of) as the people *are* (``role``: ``rm`` is an RM wherever it sits).
    lines
        RM lines (any of).
    certified
        Holds one of these certifications (implications count: a CFP holder meets AFP).
    """

    branch_id: str
    units: tuple[str, ...] | None = None
    roles: tuple[str, ...] | None = None
    rm_roles: tuple[str, ...] | None = None
    lines: tuple[str, ...] | None = None
    certified: tuple[str, ...] | None = None

    def mask(self, frame: pd.DataFrame, policy: Policy) -> Mask:
        """Which rows of a roster-shaped frame this counts."""
        ok = (frame["branch_id"] == self.branch_id).to_numpy().copy()
        for column, values in (
            ("unit", self.units),
            ("center_role", self.roles),
            ("role", self.rm_roles),
            ("line", self.lines),
        ):
            if values is not None:
                ok = ok & frame[column].isin(values).to_numpy()
        if self.certified is not None and ok.any():
            wanted = set(self.certified)
            held = np.array(
                [
                    bool(policy.expand_certifications(set(parse_certifications(c))) & wanted)
                    for c in frame["certifications"].to_numpy()[ok]
                ],
                dtype=bool,
            )
            ok[np.flatnonzero(ok)] = held
        return ok

    def count(self, frame: pd.DataFrame, policy: Policy) -> float:
        """How many people of ``frame`` this counts."""
        return float(frame["count"].to_numpy(dtype=float)[self.mask(frame, policy)].sum())


@dataclass(frozen=True)
class Requirement:
    """``count(counted) >= at_least + sum(coef * count(who) for coef, who in per)``.

    Attributes
    ----------
    rule
        The rule's row name in the checks (``vip_center.certified``).
    family
        The rule name ``enforce`` takes (``vip_center``).
    branch_id
        Where it applies.
    counted, at_least, per
        The inequality.
    needs_staff
        Whether it counts people only the staff table names; without one it cannot be checked
        (unless the RMs alone already meet it) and is not imposed.
    note
        The rule in words.
    """

    rule: str
    family: str
    branch_id: str
    counted: Who
    at_least: float = 0.0
    per: tuple[tuple[float, Who], ...] = ()
    needs_staff: bool = False
    note: str = ""

    def required(self, frame: pd.DataFrame, policy: Policy) -> float:
        """The right-hand side on ``frame``."""
        return self.at_least + sum(c * who.count(frame, policy) for c, who in self.per)

    @property
    def only_more_helps(self) -> bool:
        """More staff can only help it: its right-hand side counts nobody but RMs (whom rms.csv
        names in full), so once met on the RMs alone it is met whatever the staff table says."""
        return all(who.rm_roles == ("rm",) for _, who in self.per)


#: columns of a checks table (``ok`` is None when a rule could not be checked)
CHECK_COLUMNS = ("rule", "branch_id", "required", "actual", "ok", "note")


def evaluate(
    requirements: list[Requirement], frame: pd.DataFrame, policy: Policy, staff_given: bool
) -> pd.DataFrame:
    """Each requirement on a roster: ``rule, branch_id, required, actual, ok, note``.

    ``required`` is in whole people (4.4 RMs needed is 5); ``ok`` is None for a rule that needs
    the staff table when none was given, unless the RMs alone already meet it.
    """
    rows = []
    for r in requirements:  # a row with nothing required and nobody counted says nothing
        actual = r.counted.count(frame, policy)
        need = r.required(frame, policy)
        ok: bool | None = actual + 1e-9 >= need
        note = r.note
        if r.needs_staff and not staff_given and not (ok and r.only_more_helps):
            ok = None
            note += " (not checked: needs staff.csv)"
        required = float(max(math.ceil(need - 1e-9), 0))
        if required == 0 and actual == 0:
            continue
        rows.append((r.rule, r.branch_id, required, actual, ok, note))
    return pd.DataFrame(rows, columns=list(CHECK_COLUMNS))
