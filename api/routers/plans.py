"""``/v1/plans``: a plan's lifecycle and the review of its moves.

``GET /v1/plans/{job_id}`` says where a job's plan stands (draft, proposed, approved, effective,
superseded; who and when). Planners propose; branch heads list the moves that touch their
branch and accept or reject them; "re-solve with my decisions" queues a new draft; an approver
who did not propose the plan approves it with an effective date; on that date it becomes the
effective plan of its lineage and the customers' RM history is written.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Body, Query, Response
from fastapi.responses import PlainTextResponse

from api.auth import Principal
from api.deps import (
    Approver,
    BankIdFilter,
    JobsDep,
    LifecycleDep,
    Offset,
    Planner,
    ReviewsDep,
    RowLimit,
    SettingsDep,
    Viewer,
)
from api.downloads import csv_attachment, csv_responses
from api.errors import Conflict
from api.models import Job
from api.routers import problems
from api.schemas import (
    ApproveIn,
    BranchDecisionIn,
    DecisionIn,
    DecisionOut,
    JobOut,
    MovePage,
    PlanStateOut,
)
from api.services.lifecycle import APPROVED, EFFECTIVE, SUPERSEDED, LifecycleService
from api.services.reviews import ReviewService
from api.views import job_out

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/plans", tags=["plans"])

#: most decisions in one request
MAX_DECISIONS = 100_000


def state_out(
    job: Job, principal: Principal, lifecycle: LifecycleService, reviews: ReviewService
) -> PlanStateOut:
    """A plan's state with the counts of its moves and decisions (in the caller's scope)."""
    scope = reviews.scope(job, principal)
    record = lifecycle.state(job)
    moves = reviews.moves_table(job, scope) if job.has_plan else None
    decided = moves["decision"] if moves is not None else None
    return PlanStateOut(
        job_id=job.id,
        dataset_id=job.dataset_id,
        lineage_id=record.lineage_id,
        state=record.state,  # type: ignore[arg-type]
        parent_job_id=record.parent_job_id,
        created_at=record.created_at,
        proposed_by=record.proposed_by,
        proposed_at=record.proposed_at,
        approved_by=record.approved_by,
        approved_at=record.approved_at,
        effective_date=record.effective_date,
        effective_at=record.effective_at,
        superseded_by=record.superseded_by,
        superseded_at=record.superseded_at,
        moves=0 if moves is None else len(moves),
        accepted=0 if decided is None else int((decided == "accept").sum()),
        rejected=0 if decided is None else int((decided == "reject").sum()),
    )


@router.get(
    "/{job_id}",
    response_model=PlanStateOut,
    summary="Where a plan stands",
    description="The plan's lifecycle state, who proposed and approved it and when, its "
    "effective date, what superseded it, and its moves and decisions (in the caller's scope).",
    responses=problems(401, 403, 404),
)
def get_plan_state(
    job_id: str, principal: Viewer, jobs: JobsDep, lifecycle: LifecycleDep, reviews: ReviewsDep
) -> PlanStateOut:
    job = jobs.require(job_id)
    return state_out(job, principal, lifecycle, reviews)


@router.post(
    "/{job_id}/propose",
    response_model=PlanStateOut,
    summary="Send a draft plan for review",
    responses=problems(401, 403, 404, 409),
)
def propose(
    job_id: str, principal: Planner, jobs: JobsDep, lifecycle: LifecycleDep, reviews: ReviewsDep
) -> PlanStateOut:
    job = jobs.require(job_id)
    lifecycle.propose(job, principal)
    log.info("plan proposed", extra={"job_id": job_id, "key_id": principal.key_id})
    return state_out(job, principal, lifecycle, reviews)


@router.post(
    "/{job_id}/approve",
    response_model=PlanStateOut,
    summary="Approve a proposed plan from a date on",
    description="Needs role `approver`, and a different person than the proposer (four eyes: "
    "403 for one's own proposal). The plan becomes effective on `effective_date` (today or "
    "later), superseding the lineage's effective plan; the RM history is written then.",
    responses=problems(401, 403, 404, 409, 422),
)
def approve(
    job_id: str,
    body: ApproveIn,
    principal: Approver,
    jobs: JobsDep,
    lifecycle: LifecycleDep,
    reviews: ReviewsDep,
) -> PlanStateOut:
    job = jobs.require(job_id)
    lifecycle.approve(job, principal, body.effective_date)
    log.info("plan approved", extra={"job_id": job_id, "key_id": principal.key_id})
    return state_out(job, principal, lifecycle, reviews)


@router.get(
    "/{job_id}/moves",
    response_model=MovePage,
    summary="A plan's moves",
    description="Customers whose RM the plan changes (moved, reassigned, a first RM, an RM "
    "lost), with the review's decision on each; filtered by `branch_id` (its subtree), `rm_id` "
    "(from or to), `tier`, `status` and `decision` (`accept`, `reject`, `none`), paged.",
    responses=problems(401, 403, 404, 409, 422),
)
def list_moves(
    job_id: str,
    principal: Viewer,
    jobs: JobsDep,
    reviews: ReviewsDep,
    branch_id: BankIdFilter = None,
    rm_id: BankIdFilter = None,
    tier: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    decision: Annotated[str | None, Query(pattern="^(accept|reject|none)$")] = None,
    limit: RowLimit = 100,
    offset: Offset = 0,
) -> MovePage:
    job = jobs.require(job_id)
    page = reviews.moves(
        job,
        scope=reviews.scope(job, principal),
        branch_id=branch_id,
        rm_id=rm_id,
        tier=tier,
        status=status,
        decision=decision,
        limit=limit,
        offset=offset,
    )
    return MovePage.model_validate(
        {"items": page.items, "total": page.total, "limit": limit, "offset": offset}
    )


@router.post(
    "/{job_id}/decisions",
    response_model=list[DecisionOut],
    summary="Accept or reject moves",
    description="`[{customer_id, decision: accept|reject}]` on a draft or proposed plan (409 "
    "past that). A customer the plan does not move, or one outside the caller's branch, is a "
    "404 and nothing is recorded. The latest decision per customer counts; each is audited.",
    responses=problems(401, 403, 404, 409, 422),
)
def decide(
    job_id: str,
    body: Annotated[list[DecisionIn], Body(max_length=MAX_DECISIONS)],
    principal: Planner,
    jobs: JobsDep,
    reviews: ReviewsDep,
) -> list[DecisionOut]:
    job = jobs.require(job_id)
    items = [(d.customer_id, d.decision) for d in body]
    out = reviews.decide(job, principal, items, reviews.scope(job, principal))
    log.info("moves decided", extra={"job_id": job_id, "count": len(out)})
    return [DecisionOut.model_validate(d) for d in out]


@router.post(
    "/{job_id}/branches/{branch_id}/decision",
    response_model=list[DecisionOut],
    summary="Accept or reject every move of a branch",
    description="The same decision on each move of the branch's subtree (in the caller's scope).",
    responses=problems(401, 403, 404, 409, 422),
)
def decide_branch(
    job_id: str,
    branch_id: str,
    body: BranchDecisionIn,
    principal: Planner,
    jobs: JobsDep,
    reviews: ReviewsDep,
) -> list[DecisionOut]:
    job = jobs.require(job_id)
    scope = reviews.scope(job, principal)
    out = reviews.decide_branch(job, principal, branch_id, body.decision, scope)
    return [DecisionOut.model_validate(d) for d in out]


@router.post(
    "/{job_id}/resolve",
    status_code=202,
    response_model=JobOut,
    summary="Re-solve with the decisions",
    description="Queues a solve of a derived bank in which accepted moves are pinned (`locked` "
    "to the accepted RM) and rejected ones forbidden (`forbid_rm_ids`; the customer stays with "
    "today's RM where the rules allow). The new plan is a draft linked to this one "
    "(`parent_job_id`), stated against the real book: an accepted move still shows as a move.",
    responses=problems(401, 403, 404, 409, 422, 429),
)
def resolve(
    job_id: str,
    response: Response,
    principal: Planner,
    settings: SettingsDep,
    jobs: JobsDep,
    reviews: ReviewsDep,
) -> JobOut:
    job = jobs.require(job_id)
    new = reviews.resolve(job, principal, max_queued=settings.max_queued)
    log.info("re-solve queued", extra={"job_id": new.id, "from_job_id": job_id})
    response.headers["Location"] = f"/v1/jobs/{new.id}"
    return job_out(new)


@router.get(
    "/{job_id}/export",
    summary="The plan's moves for the core banking system (CSV)",
    description="One row per customer whose RM the approved or effective plan changes: "
    "`customer_id, branch_id, from_rm_id, to_rm_id, effective_date, plan_job_id, approved_by`. "
    "Spreadsheet-safe: a text cell starting with = + - @ gets a leading '.",
    response_class=PlainTextResponse,
    responses=csv_responses(401, 403, 404, 409),
)
def export_moves(
    job_id: str, principal: Viewer, jobs: JobsDep, lifecycle: LifecycleDep, reviews: ReviewsDep
) -> PlainTextResponse:
    job = jobs.require(job_id)
    record = lifecycle.state(job)
    if record.state not in (APPROVED, EFFECTIVE, SUPERSEDED):
        raise Conflict(f"plan {job_id} is {record.state}: only an approved plan is exported")
    moves = reviews.moves_table(job, reviews.scope(job, principal))
    out = moves[["customer_id", "branch_id", "from_rm_id", "to_rm_id"]].copy()
    out["effective_date"] = str(record.effective_date)
    out["plan_job_id"] = job.id
    out["approved_by"] = record.approved_by or ""
    return csv_attachment(out, f"moves-{job.id}.csv")
