"""Bodies of the plan lifecycle, move review, history, audit and comparison routes."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas.base import RequestBody

PlanStateName = Literal["draft", "proposed", "approved", "effective", "superseded"]
Decision = Literal["accept", "reject"]


class PlanStateOut(BaseModel):
    """Where a plan stands: its state, and who did each step when."""

    job_id: str
    dataset_id: str
    lineage_id: str = Field(description="The root dataset of the plan's bank (its lineage).")
    state: PlanStateName
    parent_job_id: str | None = Field(description="The plan this one was re-solved from.")
    created_at: dt.datetime
    proposed_by: str | None
    proposed_at: dt.datetime | None
    approved_by: str | None
    approved_at: dt.datetime | None
    effective_date: dt.date | None
    effective_at: dt.datetime | None
    superseded_by: str | None
    superseded_at: dt.datetime | None
    moves: int = Field(description="Customers whose RM the plan changes (in the caller's scope).")
    accepted: int
    rejected: int


class ApproveIn(RequestBody):
    effective_date: dt.date = Field(description="The day the plan takes effect (today or later).")


class DecisionIn(RequestBody):
    customer_id: str = Field(max_length=200)
    decision: Decision


class BranchDecisionIn(RequestBody):
    decision: Decision


class DecisionOut(BaseModel):
    customer_id: str
    decision: Decision
    from_rm_id: str
    to_rm_id: str
    decided_by: str
    decided_at: dt.datetime


class MoveOut(BaseModel):
    """One customer whose RM the plan changes, and the review's decision on it."""

    customer_id: str
    branch_id: str
    tier: str
    status: str
    from_rm_id: str = Field(description="Today's RM ('' for none).")
    to_rm_id: str = Field(description="The plan's RM ('' for none).")
    reason: str
    reason_code: str
    decision: Literal["accept", "reject", ""]
    decided_by: str


class MovePage(BaseModel):
    items: list[MoveOut]
    total: int
    limit: int
    offset: int


class HistoryPeriod(BaseModel):
    rm_id: str | None = Field(description="The RM (none: no RM in that period).")
    valid_from: dt.date
    valid_to: dt.date | None = Field(description="The next period's start (none: still so).")
    job_id: str = Field(description="The plan that made it so.")
    approved_by: str | None


class HistoryOut(BaseModel):
    customer_id: str
    dataset_id: str
    lineage_id: str
    periods: list[HistoryPeriod]


class AuditEntryOut(BaseModel):
    id: int
    at: dt.datetime
    actor: str | None = Field(description="The key that acted (none: the service itself).")
    action: str
    resource: str
    resource_id: str | None
    branch_id: str | None
    detail: dict[str, Any] | None


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    total: int
    limit: int
    offset: int


class HeadlineRow(BaseModel):
    metric: str
    label: str = Field(description="The metric in plain words.")
    a: float | None
    b: float | None
    delta: float | None = Field(description="b - a.")


class GroupRow(BaseModel):
    key: str = Field(description="The branch id or the tier.")
    customers: int
    assigned_a: int
    assigned_b: int
    assigned_delta: int
    changing_a: int
    changing_b: int
    differ: int = Field(description="Customers whose RM differs between the plans.")


class DifferRow(BaseModel):
    customer_id: str
    branch_id: str
    tier_a: str
    tier_b: str
    rm_a: str
    rm_b: str
    status_a: str
    status_b: str


class ComparisonOut(BaseModel):
    """Two plans side by side (``delta`` is b - a)."""

    a: str
    b: str
    headline: list[HeadlineRow]
    by_branch: list[GroupRow]
    by_tier: list[GroupRow]
    differ: list[DifferRow]
    differ_total: int
    notes: list[str]


class RmBookRow(BaseModel):
    customer_id: str
    branch_id: str
    tier: str
    status: str
    workload: float
    change: Literal["stays", "joins", "leaves"]
    other_rm_id: str = Field(description="Where a leaver goes, or where a joiner comes from.")
    reason: str


class RmLoad(BaseModel):
    rm_id: str
    branch_id: str
    line: str
    unit: str
    grade: str
    active: bool
    capacity: float
    load_today: float
    load_plan: float
    customers_today: int
    customers_plan: int
    joins: int
    leaves: int


class RmView(RmLoad):
    """An RM's book under a plan: who stays, who joins, who leaves."""

    book: list[RmBookRow]


class RmPage(BaseModel):
    items: list[RmLoad]
    total: int
    limit: int
    offset: int


class BranchRow(BaseModel):
    branch_id: str
    level: str
    customers: int = Field(description="Customers of the branch's subtree.")
    individual: int = Field(description="Of them, served one-to-one.")
    with_rm: int = Field(description="Customers with an RM under the plan.")
    moves: int
    accepted: int
    rejected: int
    rms: int
    load: float
    capacity: float


class Me(BaseModel):
    """The calling key: what the page may offer it."""

    key_id: str
    role: str
    name: str | None
    branch_id: str | None
