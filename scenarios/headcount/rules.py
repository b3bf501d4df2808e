"""The staffing rules and hiring options: parameter objects that validate themselves.

The numbers of DOMAIN.md's staffing rules (RM share of staff, wealth and VIP centre staffing,
corporate RMs at busy sub-branches and outlets, a lobby manager per outlet, "N+1" assistants)
and the planner's hiring options (which grades, certifications, units and branches a hire may
have) are data: ``scenarios/data/staffing.yaml``
ships the defaults and documents each field, and a user's file or mapping is merged over it.
Loading validates the whole: a bad value is reported like a bad input row, before any model is
built.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from allocator.contract import Line, certification_list
from allocator.errors import InputError, InputIssue
from scenarios.shipped import load_shipped

#: the staffing rules, by the names ``enforce`` (and ``rmalloc headcount --enforce``) takes
RULE_NAMES: tuple[str, ...] = (
    "rm_share",
    "wealth_center",
    "vip_center",
    "corporate_outlet",
    "lobby_manager",
    "assistants",
)

#: the staff roles a centre rule may count (the roles of staff.csv)
StaffRole = Literal[
    "rm",
    "marketing_manager",
    "wealth_manager",
    "lobby_manager",
    "assistant_post",
    "counter",
    "back_office",
    "other",
]

#: a unit an RM works in; the same words as :data:`allocator.contract.UNITS` (a test says so)
Unit = Literal["outlet", "vip_center", "wealth_center", "marketing"]

#: where the shipped defaults live (package data of ``scenarios``)
DEFAULT_RULES = "data/staffing.yaml"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CandidateBranches(_Frozen):
    """Where a unit may hire: branch levels, and only where the unit already has RMs."""

    levels: list[str]
    where_unit_exists: bool = False


class StaffingRules(_Frozen):
    """The staffing rules and hiring options (``scenarios/data/staffing.yaml`` documents each).

    Certification names are normalised as the contract reads a certifications cell (trimmed,
    upper case): the bank's RMs are, and a rule written ``afp`` must still match them.
    ``hire_certifications`` entries are cells (``""``: none; ``"CFP;CPB"``: both).
    """

    rm_share_min: float = Field(ge=0, lt=1)
    wealth_center_min_staff: int = Field(ge=0)
    wealth_center_roles: list[StaffRole]
    wealth_center_certifications: list[str]
    vip_center_min_staff: int = Field(ge=0)
    vip_center_min_roles: dict[StaffRole, int]
    vip_center_min_certified: int = Field(ge=0)
    vip_center_certifications: list[str]
    center_rm_role: StaffRole | None = "wealth_manager"
    corporate_outlet_levels: list[str]
    corporate_outlet_min_deposits: float = Field(ge=0)
    corporate_outlet_min_customers: int = Field(ge=0)
    lobby_manager_levels: list[str]
    lobby_managers_per_outlet: int = Field(ge=0)
    assistants_per: int = Field(ge=1)
    hire_grades: list[str]
    hire_certifications: list[str]
    line_units: dict[Line, list[Unit]]
    candidate_branches: dict[Unit, CandidateBranches]
    packing_margin: bool = True

    @field_validator("vip_center_min_roles")
    @classmethod
    def _counts(cls, mins: dict[str, int]) -> dict[str, int]:
        if any(v < 0 for v in mins.values()):
            raise ValueError("vip_center_min_roles: each minimum must be >= 0")
        return mins

    @field_validator("wealth_center_certifications", "vip_center_certifications")
    @classmethod
    def _certification_names(cls, names: list[str]) -> list[str]:
        return list(dict.fromkeys(c for name in names for c in certification_list(name)))

    @field_validator("hire_certifications")
    @classmethod
    def _certification_cells(cls, cells: list[str]) -> list[str]:
        return list(dict.fromkeys(";".join(certification_list(cell)) for cell in cells))


def load_rules(
    source: str | os.PathLike[str] | Mapping[str, Any] | StaffingRules | None = None,
) -> StaffingRules:
    """The shipped staffing rules with ``source`` (a YAML file or a mapping) merged over them.

    A partial file is the common case (``assistants_per: 4`` alone), so ``source`` overrides the
    defaults key by key rather than replacing them.

    Raises
    ------
    allocator.errors.InputError
        When the merged rules do not validate (named after the file, if one was given).
    """
    return load_shipped(StaffingRules, DEFAULT_RULES, source, "staffing rules", read=_read_rules)


def enforced_rules(enforce: Iterable[str]) -> frozenset[str]:
    """The rule names to impose as constraints, checked against :data:`RULE_NAMES`.

    Raises
    ------
    allocator.errors.InputError
        One issue per unknown name: a typo must not silently leave a rule unenforced.
    """
    names = frozenset(enforce)
    unknown = sorted(names - set(RULE_NAMES))
    if unknown:
        raise InputError(
            [
                InputIssue("enforce", None, None, u, f"unknown rule; use {list(RULE_NAMES)}")
                for u in unknown
            ]
        )
    return names


def _read_rules(path: Path) -> Mapping[str, Any]:
    """A rules file, read within the read limits (:func:`allocator.io.load_structured`)."""
    from allocator.io import load_structured

    try:
        data = load_structured(path) or {}
    except ValueError as exc:
        raise InputError([InputIssue(str(path), None, None, None, str(exc))]) from exc
    if not isinstance(data, Mapping):
        message = "a rules file must hold a mapping"
        raise InputError([InputIssue(str(path), None, None, None, message)])
    return data
