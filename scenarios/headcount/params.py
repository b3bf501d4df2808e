"""How to plan: a parameter object that validates itself.

The planner's knobs -- what to optimise, the budget, which staffing rules to impose, the solve
and verification time limits -- are checked together when a plan is asked for, so a bad value is
reported like a bad input row (:class:`~allocator.errors.InputError`) before any model is built.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from allocator.errors import InputError, InputIssue
from scenarios.headcount.rules import RULE_NAMES


class PlanParams(BaseModel):
    """How to plan.

    Attributes
    ----------
    mode
        ``cost``: reach every target at least cost. ``coverage``: the most cover value (each
        covered customer counts its tier's priority) within the budget and quota, then the least
        cost.
    budget
        The most the plan may cost a year (``None``: no limit).
    enforce
        Staffing rules imposed as constraints (``all``: every one); the others are only checked.
    time_limit
        Seconds for each MILP solve.
    verify
        Apply the plan to the bank and allocate it (the independent solve); in mode ``cost``,
        raise a tier's demand by any shortfall and solve again (at most ``rounds`` times).
    verify_time_limit, seed, workers
        Of the verifying allocation.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Literal["cost", "coverage"] = "cost"
    budget: float | None = Field(default=None, ge=0)
    enforce: tuple[str, ...] = ()
    time_limit: float = Field(default=60.0, gt=0, le=86_400)
    verify: bool = False
    verify_time_limit: float = Field(default=30.0, gt=0, le=86_400)
    rounds: int = Field(default=3, ge=1, le=20)
    seed: int = Field(default=0, ge=0)
    workers: int = Field(default=2, ge=1, le=64)

    @field_validator("enforce", mode="before")
    @classmethod
    def _rule_names(cls, value: Any) -> tuple[str, ...]:
        names = [value] if isinstance(value, str) else list(value or ())
        names = [n.strip() for part in names for n in str(part).split(",") if n.strip()]
        if names == ["all"]:
            return RULE_NAMES
        unknown = sorted(set(names) - set(RULE_NAMES))
        if unknown:
            raise ValueError(f"unknown rule {unknown}; use {list(RULE_NAMES)} or all")
        return tuple(n for n in RULE_NAMES if n in names)

    @classmethod
    def build(cls, values: Mapping[str, Any] | PlanParams | None = None, **more: Any) -> PlanParams:
        """Parameters from a mapping and keywords, every problem reported at once.

        Raises
        ------
        allocator.errors.InputError
            One issue per bad field (an unknown rule name to enforce among them).
        """
        if isinstance(values, PlanParams):
            return values.model_copy(update=more) if more else values
        try:
            return cls.model_validate({**dict(values or {}), **more})
        except ValidationError as exc:
            issues = [
                InputIssue(
                    str(e["loc"][0]) if e["loc"] else "plan",
                    None,
                    str(e["loc"][0]) if e["loc"] else None,
                    None if isinstance(e.get("input"), dict) else _shown(e.get("input")),
                    str(e["msg"]),
                )
                for e in exc.errors()
            ]
            raise InputError(issues) from None


def _shown(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Iterable) and not isinstance(value, str):
        return ",".join(map(str, value))
    return str(value)
