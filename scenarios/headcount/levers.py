"""The levers beside hiring, as data: what certifying, redeploying and moving people cost.

HR does not only hire: it certifies RMs already in a VIP centre, redeploys counter and
back-office staff into RM posts, and moves RMs between branches. What each costs and how long it
takes is policy data (``scenarios/data/levers.yaml``, merged key by key with a user's file), in
parameter objects that validate themselves.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from allocator.contract import Line
from scenarios.headcount.rules import StaffRole
from scenarios.shipped import load_shipped

#: where the shipped defaults live (package data of ``scenarios``)
DEFAULT_LEVERS = "data/levers.yaml"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CertifyOption(_Frozen):
    """One certification a person may gain: its cost and the quarters until it is held."""

    cost: float = Field(ge=0)
    lead_quarters: int = Field(ge=0, le=8)


class Certify(_Frozen):
    """Certifying people already there."""

    enabled: bool = True
    certifications: dict[str, CertifyOption] = Field(default_factory=dict)

    @field_validator("certifications")
    @classmethod
    def _upper(cls, value: dict[str, CertifyOption]) -> dict[str, CertifyOption]:
        return {k.strip().upper(): v for k, v in value.items()}


class Redeploy(_Frozen):
    """Counter and back-office staff into RM posts or the assistant post, at their branch."""

    enabled: bool = True
    from_roles: list[StaffRole] = Field(default_factory=lambda: ["counter", "back_office"])  # type: ignore[arg-type]
    max_share: float = Field(default=0.5, ge=0, le=1)
    grade: str = "rm"
    lines: list[Line] = Field(default_factory=lambda: ["retail", "corporate"])  # type: ignore[arg-type]
    into: list[Literal["rm", "assistant_post"]] = Field(
        default_factory=lambda: ["rm", "assistant_post"]  # type: ignore[arg-type]
    )
    retraining_cost: float = Field(default=20000, ge=0)
    lead_quarters: int = Field(default=1, ge=0, le=8)


class Transfer(_Frozen):
    """Moving an RM to another branch or unit within one branch subtree."""

    enabled: bool = True
    cost: float = Field(default=30000, ge=0)
    scope_level: str = "city"
    lead_quarters: int = Field(default=0, ge=0, le=8)


class Levers(_Frozen):
    """Every lever's cost and lead time (``scenarios/data/levers.yaml`` documents each)."""

    hire_lead_quarters: int = Field(ge=0, le=8)
    role_salaries: dict[StaffRole, float]
    certified_premium: float = Field(ge=0)
    certify: Certify
    redeploy: Redeploy
    transfer: Transfer

    @field_validator("role_salaries")
    @classmethod
    def _non_negative(cls, value: dict[str, float]) -> dict[str, float]:
        if any(v < 0 for v in value.values()):
            raise ValueError("role_salaries: every salary must be >= 0")
        return value

    def without(self, *names: str) -> Levers:
        """These levers switched off (``certify``, ``redeploy``, ``transfer``): a plan of hires
        alone, say, to compare with."""
        update = {n: getattr(self, n).model_copy(update={"enabled": False}) for n in names}
        return self.model_copy(update=update)


def load_levers(
    source: str | os.PathLike[str] | Mapping[str, Any] | Levers | None = None,
) -> Levers:
    """The shipped levers with ``source`` (a YAML file or a mapping) merged over them.

    Raises
    ------
    allocator.errors.InputError
        When the merged levers do not validate (named after the file, if one was given).
    """
    return load_shipped(Levers, DEFAULT_LEVERS, source, "levers")
