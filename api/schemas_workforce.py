"""Request and response bodies of the workforce endpoints: ``/v1/headcount`` and ``/v1/sweeps``.

Apart from :mod:`api.schemas` (one file per concern): the field names are the library's and the
data contract's (staff rows as staff.csv, hires rows as hires.csv), so a JSON body reads like the
files HR already keeps.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

_ID = Field(max_length=40, description="An id given by this service.")


class HeadcountCreate(BaseModel):
    """A workforce plan for a stored dataset."""

    model_config = ConfigDict(extra="forbid")

    dataset_id: str = _ID
    targets: dict[str, float] = Field(
        min_length=1,
        description="Tier -> share of its customers to cover, e.g. "
        '`{"private": 1, "high": 1, "mid": 0.95}`.',
    )
    staff: list[dict[str, Any]] | None = Field(
        default=None,
        max_length=100_000,
        description="staff.csv rows: `{branch_id, unit, role, count, certifications?}` (or the "
        "older `{branch_id, staff}`): the people rms.csv does not list.",
    )
    enforce: list[str] | Literal["all"] | None = Field(
        default=None,
        description="Staffing rules imposed as constraints (`all`, or names: rm_share, "
        "wealth_center, vip_center, corporate_outlet, lobby_manager, assistants).",
    )
    mode: Literal["cost", "coverage"] = Field(
        default="cost",
        description="`cost`: every target at least cost; `coverage`: the most coverage within "
        "`budget` and `quota`.",
    )
    budget: float | None = Field(default=None, ge=0, description="Most the plan may cost a year.")
    quota: dict[str, int] | None = Field(
        default=None, description="RM posts allowed per branch (职数): branch id -> posts."
    )
    quarters: int | None = Field(
        default=None, ge=1, le=8, description="Also plan over this many quarters (4-8)."
    )
    verify: bool = Field(default=True, description="Allocate the bank with the plan to check it.")
    curve: bool = Field(default=True, description="Include the coverage-vs-headcount curve.")
    policy: dict[str, Any] | None = Field(default=None, description="Policy overrides.")
    time_limit: float | None = Field(
        default=None, gt=0, description="Seconds for the whole job (the server's default)."
    )
    seed: int = Field(default=0, ge=0, le=2**31 - 1)

    def workforce(self) -> dict[str, Any]:
        """What the worker needs beside the solve parameters (stored with the job)."""
        return self.model_dump(exclude={"dataset_id", "policy", "time_limit", "seed"})


class SweepCreate(BaseModel):
    """A sweep of scenarios over a grid, against a stored dataset (its baseline)."""

    model_config = ConfigDict(extra="forbid")

    dataset_id: str = _ID
    spec: dict[str, Any] = Field(
        description="A scenario spec with a `sweep: {grid, chart}` section and no `baseline` "
        "(the dataset is the baseline), e.g. `{edits: [{add_rms: {...}, id: h}], sweep: {grid: "
        "{h.count: {start: 0, stop: 6, step: 2}}}}`."
    )
    policy: dict[str, Any] | None = Field(default=None, description="Policy overrides.")
    time_limit: float | None = Field(
        default=None, gt=0, description="Seconds for the whole sweep (shared by its points)."
    )
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)


class HeadcountResult(BaseModel):
    """A finished workforce plan."""

    model_config = ConfigDict(extra="allow")

    status: str
    mode: str
    targets: dict[str, float]
    summary: dict[str, Any]
    hires: list[dict[str, Any]] = Field(description="hires.csv rows (contract v1.1 columns).")
    checks_before: list[dict[str, Any]]
    checks_after: list[dict[str, Any]]
    required_rms: list[dict[str, Any]]
    audit: list[dict[str, Any]]
    verification: list[dict[str, Any]] | None = None
    report: dict[str, Any] = Field(
        description="`headline`, `actions_in_words` (each action as a sentence: what, why, "
        "first-year cost, ready in), `html` (the one-page report), `charts_png_base64`, "
        "`curve`, `quarters`."
    )


class SweepResult(BaseModel):
    """A finished sweep: one row per grid point, and the coverage chart."""

    model_config = ConfigDict(extra="allow")

    name: str
    x: str
    tiers: list[str]
    table: list[dict[str, Any]]
    chart_png_base64: str
