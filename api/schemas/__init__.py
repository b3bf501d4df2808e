"""Request and response bodies of the HTTP API (apart from the library's domain types).

Records of the data contract are typed loosely on purpose: every field optional, any scalar
accepted. The contract's real validation is :func:`allocator.validation.load_instance`, which
reports every issue with its table, row and column; typing the fields strictly here would report
the same problems twice, differently, and one at a time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from allocator.params import SolveParams
from api.auth import Role
from api.schemas.base import OpenDocument, RequestBody
from api.services.errors import InvalidParameterError
from api.services.params import solve_params

Scalar = str | int | float | bool | None
JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]
_ID = Field(max_length=40, description="An id given by this service.")


class _Record(OpenDocument):
    """A contract row; unknown columns are kept (and ignored by the allocator)."""


class CustomerRecord(_Record):
    """One row of ``customers.csv`` (DATA_CONTRACT.md)."""

    customer_id: Scalar = Field(default=None, description="Unique id.")
    segment: Scalar = Field(default=None, description="`corporate` or `retail`.")
    branch_id: Scalar = Field(default=None, description="The customer's home branch.")
    aum: Scalar = Field(default=None, description="Retail financial assets, RMB (>= 0).")
    annual_contribution: Scalar = Field(default=None, description="RMB a year (>= 0).")
    list_tier: Scalar = Field(default=None, description="`hq`, `province`, `city`, `potential`.")
    group_id: Scalar = Field(default=None, description="Corporate group.")
    current_rm_id: Scalar = Field(default=None, description="Today's RM.")
    locked: Scalar = Field(default=None, description="Keep today's RM.")


class RmRecord(_Record):
    """One row of ``rms.csv``."""

    rm_id: Scalar = Field(default=None, description="Unique id.")
    line: Scalar = Field(default=None, description="`corporate` or `retail`.")
    grade: Scalar = Field(
        default=None, description="`assistant`, `rm`, `intermediate`, `senior`, `chief`."
    )
    certifications: Scalar | list[str] = Field(
        default=None, description="`;`-separated (or a list), e.g. `CFP;CPB`."
    )
    branch_id: Scalar = Field(default=None, description="Where the RM sits.")
    unit: Scalar = Field(
        default=None, description="`outlet` (default), `vip_center`, `wealth_center`, `marketing`."
    )
    capacity: Scalar = Field(default=None, description="Workload points (> 0); policy default.")
    active: Scalar = Field(default=None, description="Default true.")


class BranchRecord(_Record):
    """One row of ``branches.csv``."""

    branch_id: Scalar = Field(default=None)
    parent_id: Scalar = Field(default=None, description="Empty for a root.")
    level: Scalar = Field(
        default=None, description="`head_office`, `province`, `city`, `subbranch`, `outlet`."
    )


class DatasetCreate(RequestBody):
    """A bank as JSON records, with the contract's field names."""

    name: str | None = Field(default=None, max_length=200, description="A label for people.")
    customers: list[CustomerRecord]
    rms: list[RmRecord]
    branches: list[BranchRecord] | None = Field(
        default=None, description="Optional: without it every branch is a root outlet."
    )
    policy: dict[str, Any] | None = Field(
        default=None,
        description="Policy overrides the upload is checked under (policy v1 when absent): the "
        "contract, and locks that cannot all hold, as the command line checks files.",
    )


class DatasetCounts(BaseModel):
    customers: int
    rms: int
    branches: int


class DatasetOut(BaseModel):
    """A stored dataset's metadata (never its rows)."""

    id: str
    name: str | None
    created_at: dt.datetime
    created_by: str | None = Field(description="Id of the API key that uploaded it.")
    parent_id: str | None = Field(description="The dataset this one was derived from.")
    derivation: dict[str, Any] | None = Field(description="How it was derived (a scenario).")
    counts: DatasetCounts
    branches_given: bool
    size_bytes: int
    sha256: str = Field(description="Digest of the stored tables.")


class DatasetList(BaseModel):
    items: list[DatasetOut]
    limit: int
    offset: int


# The docstrings of these models are their descriptions in the OpenAPI document: notes for
# developers go in comments.


class JobCreate(RequestBody):
    """A solve of a stored dataset."""

    # The solve fields become the library's typed SolveParams at submission (solve_params), so a
    # bad value is a 422 naming the field before anything is queued. The server sets what a
    # client may not: solver threads, solver logs, and the independent check of every plan.

    dataset_id: str = _ID
    policy: dict[str, Any] | None = Field(
        default=None, description="Overrides deep-merged over the default policy v1."
    )
    time_limit: float | None = Field(
        default=None, gt=0, description="Seconds (default and maximum from the settings)."
    )
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    backend: str = Field(default="auto", max_length=40, description="`auto`, `cpsat`, ...")
    settings: dict[str, dict[str, Any]] | None = Field(
        default=None,
        description="Per-backend settings by backend name, e.g. "
        '`{"lns": {"initial_free": 200}}`; each backend checks its own at submission.',
    )

    def solve_params(self, *, time_limit: float) -> SolveParams:
        """The typed solve parameters of this request.

        Parameters
        ----------
        time_limit
            The effective time limit (the settings' default when none was given; the caller
            enforces the settings' maximum).

        Raises
        ------
        api.services.params.InvalidParameterError
            Naming the field at fault.
        """
        values: dict[str, Any] = {"time_limit": time_limit, "seed": self.seed}
        values["backend"] = self.backend
        if self.settings:
            values["settings"] = self.settings
        return solve_params(values)


class Progress(BaseModel):
    """Best so far of a running (or finished) solve."""

    stage: str | None = None
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    seconds: float | None = None


class JobOut(BaseModel):
    """A job's state. ``kpis`` is the plan's KPIs once there is a plan; ``progress`` the best
    so far while it runs."""

    id: str
    kind: Literal["solve", "scenario", "headcount", "sweep"]
    dataset_id: str
    status: JobStatus
    stage: str | None
    params: dict[str, Any]
    progress: Progress | None
    objective: float | None
    bound: float | None
    gap: float | None
    kpis: Kpis | None
    result: ScenarioResult | None = Field(description="A scenario's result, when done.")
    error: dict[str, Any] | None = Field(description="A problem document, when failed.")
    has_plan: bool
    attempts: int
    cancel_requested: bool
    worker_id: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    solve_seconds: float | None


class JobList(BaseModel):
    items: list[JobOut]
    limit: int
    offset: int


class PlanOut(BaseModel):
    """A plan as JSON: one page of records, one per customer (contract columns and more),
    and the KPIs of the whole plan."""

    job_id: str
    status: JobStatus
    kpis: Kpis | None
    total: int = Field(description="Rows in the plan (in the caller's scope).")
    limit: int
    offset: int
    assignments: list[PlanRow]


class RecommendationCreate(RequestBody):
    dataset_id: str = _ID
    customer: CustomerRecord
    k: int = Field(default=3, ge=1, le=50)
    policy: dict[str, Any] | None = None


class RecommendationOut(BaseModel):
    dataset_id: str
    plan_job_id: str | None = Field(description="The plan whose loads were used, if any.")
    recommendations: list[Recommendation]
    requested: int = Field(description="The k asked for.")
    qualified: int = Field(description="RMs that qualify (eligible, with room): may be < k.")
    note: str | None = Field(default=None, description="Says so when fewer than k qualify.")


class ScenarioCreate(RequestBody):
    """A scenario run against a stored dataset: the spec's edits apply to that dataset."""

    dataset_id: str = _ID
    spec: dict[str, Any] = Field(
        description="A scenario spec (scenarios/spec.py) without `baseline` (the dataset is the "
        "baseline) and without `sweep`: name, seed, edits, salaries (`default` only)."
    )
    policy: dict[str, Any] | None = Field(
        default=None, description="The baseline's policy overrides (policy edits merge over it)."
    )
    time_limit: float | None = Field(default=None, gt=0)
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)

    def solve_params(self, *, time_limit: float, spec_seed: int) -> SolveParams:
        """The typed solve parameters of the baseline and scenario solves (the spec's seed when
        the request names none).

        Raises
        ------
        api.services.params.InvalidParameterError
            Naming the field at fault.
        """
        if self.seed is not None:
            return solve_params({"time_limit": time_limit, "seed": self.seed})
        try:
            return solve_params({"time_limit": time_limit, "seed": spec_seed})
        except InvalidParameterError as exc:
            field = "spec.seed" if exc.field == "seed" else exc.field
            raise InvalidParameterError(field, exc.detail) from None


class KeyCreate(RequestBody):
    role: Role
    name: str | None = Field(
        default=None, max_length=200, description="The person: one name, one person (four eyes)."
    )
    branch_id: str | None = Field(
        default=None,
        max_length=200,
        description="Scope the key to this branch's subtree (not for admin keys).",
    )


class KeyOut(BaseModel):
    id: str
    role: Role
    name: str | None
    branch_id: str | None = None
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class KeyCreated(KeyOut):
    key: str = Field(description="The key itself: shown this once, never stored.")


# Named after the RFC's "problem details": ``Problem`` is the library's compiled allocation
# problem (allocator.problem.Problem), and one name must not mean two things.
class ProblemDetail(OpenDocument):
    """An RFC 9457 problem document (``application/problem+json``)."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, Any] = Field(default_factory=dict)


# -- typed results (issue 14's API hygiene) --------------------------------------------------------
class CoverageTier(BaseModel):
    customers: int
    assigned: int
    share: float | None = None


class Utilisation(OpenDocument):
    rms: int | None = None
    p50: float | None = None
    p95: float | None = None
    max: float | None = None


class Kpis(OpenDocument):
    """A plan's KPIs (more fields may follow; these are the stable ones)."""

    customers: int
    individual: int | None = None
    assigned: int
    cover_value: float
    cover_value_max: float
    status_counts: dict[str, int]
    coverage_by_tier: dict[str, CoverageTier]
    utilisation: dict[str, Utilisation]
    overloaded_rms: int | None = None
    underloaded_rms: int | None = None
    solve: dict[str, Any] | None = None


class PlanRow(OpenDocument):
    """One customer's row of a plan (contract columns first)."""

    customer_id: str
    rm_id: str | None
    tier: str | None
    status: str
    reason: str | None
    reason_code: str | None = None
    previous_rm_id: str | None = None


class Alternative(OpenDocument):
    rm_id: str
    eligible: bool
    chosen: bool
    load: float | None = None
    capacity: float | None = None
    room: float | None = None
    distance: int | None = Field(default=None, description="Branch levels from the customer.")
    why_not: str


class Explanation(OpenDocument):
    """Why a customer landed where it did: its row, the rules, the funnel, the closest
    alternatives first (``alternatives_total`` says how many there are in all)."""

    customer_id: str
    rm_id: str | None
    tier: str | None
    status: str
    reason: str | None
    previous_rm_id: str | None
    locked: bool
    workload: float
    priority: int
    rules: list[str]
    funnel: dict[str, int] | None = None
    alternatives: list[Alternative]
    alternatives_total: int


class Recommendation(OpenDocument):
    rm_id: str | None
    reasons: list[str] | None = None
    reason: str | None = None


class ScenarioResult(OpenDocument):
    """A finished scenario's result."""

    name: str | None = None
    solved: bool | None = None
    derived_dataset_id: str | None = None
    comparison: list[dict[str, Any]] = Field(
        default_factory=list, description="Rows `metric, baseline, scenario, delta`."
    )
    kpis: dict[str, Any] | None = None


PlanOut.model_rebuild()
JobOut.model_rebuild()
JobList.model_rebuild()
RecommendationOut.model_rebuild()

from api.schemas.lifecycle import (  # noqa: E402  (re-exported: one import path for schemas)
    ApproveIn,
    AuditEntryOut,
    AuditPage,
    BranchDecisionIn,
    BranchRow,
    ComparisonOut,
    DecisionIn,
    DecisionOut,
    DifferRow,
    GroupRow,
    HeadlineRow,
    HistoryOut,
    HistoryPeriod,
    Me,
    MoveOut,
    MovePage,
    PlanStateOut,
    RmBookRow,
    RmLoad,
    RmPage,
    RmView,
)

__all__ = [
    "ApproveIn",
    "AuditEntryOut",
    "AuditPage",
    "BranchDecisionIn",
    "BranchRow",
    "ComparisonOut",
    "DecisionIn",
    "DecisionOut",
    "DifferRow",
    "GroupRow",
    "HeadlineRow",
    "HistoryOut",
    "HistoryPeriod",
    "Me",
    "MoveOut",
    "MovePage",
    "PlanStateOut",
    "RmBookRow",
    "RmLoad",
    "RmPage",
    "RmView",
]
