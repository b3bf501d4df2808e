"""The staffing rules as constraints on the hires: one function per rule.

:mod:`scenarios.headcount.checks` reads the same rules off a bank; here each becomes linear
constraints on the integer hire variables of :class:`~scenarios.headcount.model.HeadcountModel`,
for the rules a user names in ``enforce``. Each function adds only its own rule, so a rule can be
read (and tested) alone; :func:`add_staffing_constraints` adds them in a fixed order, which keeps
the model -- and so the solver's choice among equally cheap plans -- the same from run to run.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.headcount.bank import holds_any
from scenarios.headcount.checks import busy_corporate_outlets
from scenarios.headcount.rules import StaffingRules

if TYPE_CHECKING:
    import pulp

Mask = npt.NDArray[np.bool_]


class HireSums:
    """The hire variables with the sums the rules take of them.

    Parameters
    ----------
    hires
        Candidate row -> integer hire variable (only the candidates the model kept).
    cands
        The candidates, with the :data:`~scenarios.headcount.profiles.ROLE_COLUMNS`.
    """

    def __init__(self, hires: Mapping[int, Any], cands: pd.DataFrame) -> None:
        import pulp  # lazily: importing the planner should not cost PuLP's import

        self.hires, self.cands = hires, cands
        self._sum = pulp.lpSum
        self._at = {
            b: (cands["branch_id"] == b).to_numpy() for b in sorted(set(cands["branch_id"]))
        }
        self._none = np.zeros(len(cands), dtype=bool)

    def at(self, branch: str) -> Mask:
        """Which candidates sit at ``branch``."""
        return self._at.get(branch, self._none)

    def where(self, column: str, value: Any = True) -> Mask:
        """Which candidates have ``column == value``."""
        return (self.cands[column] == value).to_numpy()

    def hired(self, mask: Mask) -> Any:
        """The number of hires among the candidates of ``mask`` (a linear expression)."""
        return self._sum(v for i, v in self.hires.items() if mask[i])


def rm_share_constraints(
    prob: pulp.LpProblem,
    hires: HireSums,
    rms: pd.DataFrame,
    rules: StaffingRules,
    staff: pd.DataFrame | None,
) -> None:
    """RMs >= ``rm_share_min`` of staff per branch of the staff table; a hire adds one to both.

    Without a staff table there is nothing to impose (the model's notes say so).
    """
    if staff is None:
        return
    for b, s in zip(staff["branch_id"], staff["staff"], strict=True):
        have = float((rms["branch_id"] == b).sum())
        rhs = rules.rm_share_min * float(s) - have
        if rhs > 0:
            prob += (1 - rules.rm_share_min) * hires.hired(hires.at(b)) >= rhs


def center_constraints(
    prob: pulp.LpProblem,
    hires: HireSums,
    rms: pd.DataFrame,
    policy: Policy,
    rules: StaffingRules,
    unit: str,
) -> list[str]:
    """Each existing wealth or VIP centre (``unit``) reaches its minimum staff, and a VIP centre
    its minimum of certified staff, by hires into it.

    Returns
    -------
    list of str
        Notes for wealth centres with uncertified RMs: the rule wants all certified, and hiring
        cannot certify the RMs already there (a ``certify`` edit can).
    """
    if unit == "wealth_center":
        min_staff, min_cert, role = rules.wealth_center_min_staff, 0, "wc_cert"
        wanted = rules.wealth_center_certifications
    else:
        min_staff, min_cert, role = (
            rules.vip_center_min_staff,
            rules.vip_center_min_certified,
            "vip_cert",
        )
        wanted = rules.vip_center_certifications
    notes: list[str] = []
    for b, grp in rms[rms["unit"] == unit].groupby("branch_id"):
        in_unit = hires.at(str(b)) & hires.where("unit", unit)
        if len(grp) < min_staff:
            prob += hires.hired(in_unit) >= min_staff - len(grp)
        have = sum(holds_any(x, wanted, policy) for x in grp["certifications"])
        if have < min_cert:
            prob += hires.hired(in_unit & hires.where(role)) >= min_cert - have
        if unit == "wealth_center" and have < len(grp):
            notes.append(
                f"wealth centre {b}: {len(grp) - have} RM(s) without "
                f"{'/'.join(wanted)}: certify them (hiring cannot fix that)"
            )
    return notes


def corporate_outlet_constraints(
    prob: pulp.LpProblem,
    hires: HireSums,
    rms: pd.DataFrame,
    instance: Instance,
    policy: Policy,
    rules: StaffingRules,
) -> None:
    """A corporate hire at each busy corporate outlet that has no corporate RM today."""
    busy = busy_corporate_outlets(instance, policy, rules)
    corp = rms[rms["line"] == "corporate"]
    for b in busy["branch_id"]:
        if not (corp["branch_id"] == b).any():
            prob += hires.hired(hires.at(b) & hires.where("line", "corporate")) >= 1


def assistant_constraints(
    prob: pulp.LpProblem, hires: HireSums, rms: pd.DataFrame, rules: StaffingRules
) -> None:
    """ "N+1" per branch: ``N x assistants >= other RMs - (N - 1)``, hires counted on both sides
    (hiring RMs may call for an assistant too)."""
    n = rules.assistants_per
    asst = hires.where("assistant")
    for b in sorted(set(rms["branch_id"]) | set(hires.cands["branch_id"])):
        here = rms[rms["branch_id"] == b]
        a_have = float((here["grade"] == rules.assistant_grade).sum())
        r_have = float(len(here)) - a_have
        mask = hires.at(b)
        if not (mask.any() or r_have >= n):
            continue
        prob += n * (a_have + hires.hired(mask & asst)) >= r_have + hires.hired(mask & ~asst) - (
            n - 1
        )


def add_staffing_constraints(
    prob: pulp.LpProblem,
    hires: HireSums,
    enforce: Set[str],
    *,
    instance: Instance,
    policy: Policy,
    rules: StaffingRules,
    rms: pd.DataFrame,
    staff: pd.DataFrame | None,
) -> list[str]:
    """The rules named in ``enforce`` as constraints on the hires, in :data:`RULE_NAMES` order.

    Parameters
    ----------
    rms
        The active RMs today.

    Returns
    -------
    list of str
        Notes on what hiring cannot fix (see :func:`center_constraints`).
    """
    notes: list[str] = []
    if "rm_share" in enforce:
        rm_share_constraints(prob, hires, rms, rules, staff)
    for unit in ("wealth_center", "vip_center"):
        if unit in enforce:
            notes += center_constraints(prob, hires, rms, policy, rules, unit)
    if "corporate_outlet" in enforce:
        corporate_outlet_constraints(prob, hires, rms, instance, policy, rules)
    if "assistants" in enforce:
        assistant_constraints(prob, hires, rms, rules)
    return notes
