"""``/v1/jobs``: queue a solve, watch it, stop it, fetch and explain its plan."""

from __future__ import annotations

import io
import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import PlainTextResponse

from allocator.policy import load_policy
from api.auth import Planner, Viewer
from api.errors import Conflict, NotFound, Unprocessable
from api.models import Job
from api.plans import plan_frame
from api.routers import plans_of, problems, settings_of, store_of
from api.schemas import JobCreate, JobList, JobOut, JobStatus, PlanOut
from api.settings import Settings
from api.store import FINAL
from api.views import job_out

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/jobs", tags=["jobs"])


def _job(request: Request, job_id: str) -> Job:
    job = store_of(request).get_job(job_id)
    if job is None:
        raise NotFound(f"no job {job_id!r}")
    return job


def check_time_limit(value: float | None, settings: Settings) -> float:
    """The effective time limit: the settings' default when none is given, never above the
    settings' maximum (a 422 naming the field then)."""
    limit = settings.default_time_limit if value is None else float(value)
    if limit > settings.max_time_limit:
        raise Unprocessable(
            f"time_limit {limit:g}s is above the maximum {settings.max_time_limit:g}s",
            field="time_limit",
        )
    return limit


def check_backend(name: str) -> str:
    from allocator.backends import available_backends

    available = available_backends()
    if name != "auto" and name not in available:
        raise Unprocessable(
            f"unknown or unavailable backend {name!r}; available: auto, {', '.join(available)}",
            field="backend",
        )
    return name


def check_dataset(request: Request, dataset_id: str) -> None:
    if store_of(request).get_dataset(dataset_id) is None:
        raise Unprocessable(f"no dataset {dataset_id!r}", field="dataset_id")


@router.post(
    "",
    status_code=202,
    response_model=JobOut,
    summary="Queue a solve",
    responses=problems(401, 403, 413, 422, 429),
)
def create_job(request: Request, response: Response, body: JobCreate, principal: Planner) -> JobOut:
    settings = settings_of(request)
    check_dataset(request, body.dataset_id)
    time_limit = check_time_limit(body.time_limit, settings)
    load_policy(body.policy)  # PolicyError -> 422, before the job is queued
    params: dict[str, Any] = {
        "policy": body.policy,
        "time_limit": time_limit,
        "seed": body.seed,
        "backend": check_backend(body.backend),
    }
    job = store_of(request).submit_job(
        dataset_id=body.dataset_id,
        params=params,
        max_queued=settings.max_queued,
        created_by=principal.key_id,
    )
    log.info(
        "job queued",
        extra={"job_id": job.id, "dataset_id": job.dataset_id, "key_id": principal.key_id},
    )
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return job_out(job)


@router.get("", response_model=JobList, responses=problems(401, 403, 422))
def list_jobs(
    request: Request,
    _: Viewer,
    status: JobStatus | None = None,
    dataset_id: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> JobList:
    jobs = store_of(request).list_jobs(
        status=status, dataset_id=dataset_id, limit=limit, offset=offset
    )
    return JobList(items=[job_out(j) for j in jobs], limit=limit, offset=offset)


@router.get("/{job_id}", response_model=JobOut, responses=problems(401, 403, 404))
def get_job(request: Request, job_id: str, _: Viewer) -> JobOut:
    return job_out(_job(request, job_id))


@router.delete(
    "/{job_id}",
    status_code=202,
    response_model=JobOut,
    summary="Stop a job",
    description="A queued job is cancelled at once. A running one is asked to stop: its worker "
    "stops the solve and keeps the best plan so far (status `cancelled`, with the plan when "
    "there is one). A finished job is not changed (409).",
    responses=problems(401, 403, 404, 409),
)
def cancel_job(request: Request, job_id: str, principal: Planner) -> JobOut:
    job = _job(request, job_id)
    if job.status in FINAL:
        raise Conflict(f"job {job_id} is already {job.status}")
    job = store_of(request).request_cancel(job_id) or job
    log.info(
        "job cancel requested",
        extra={"job_id": job_id, "status": job.status, "key_id": principal.key_id},
    )
    return job_out(job)


def _plan_or_conflict(request: Request, job: Job) -> None:
    if not job.has_plan:
        state = "has no plan" if job.status in FINAL else f"is {job.status}; no plan yet"
        raise Conflict(f"job {job.id} {state}")


@router.get(
    "/{job_id}/plan",
    response_model=PlanOut,
    summary="The plan of a job",
    description="`format=csv` gives plan.csv (contract columns first); `json` the records "
    "and the KPIs.",
    responses={
        **problems(401, 403, 404, 409, 422),
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
    },
)
def get_plan(
    request: Request,
    job_id: str,
    _: Viewer,
    format: Literal["json", "csv"] = "json",
) -> Any:
    job = _job(request, job_id)
    _plan_or_conflict(request, job)
    table = plan_frame(store_of(request), job.id)
    if table is None:
        raise Conflict(f"job {job.id} has no plan")
    if format == "csv":
        buf = io.StringIO()
        table.to_csv(buf, index=False)
        return PlainTextResponse(
            buf.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="plan-{job.id}.csv"'},
        )
    records = table.astype(object).where(table.notna(), None).to_dict(orient="records")
    return PlanOut(job_id=job.id, status=job.status, kpis=job.kpis, assignments=records)  # type: ignore[arg-type]


@router.get(
    "/{job_id}/customers/{customer_id}",
    summary="Explain one customer's assignment",
    description="The customer's row of the plan, the rules that bound, the eligibility funnel, "
    "and the alternatives: each eligible RM with its load and room, and nearby ineligible RMs "
    "with the rule each breaks.",
    response_model=dict[str, Any],
    responses=problems(401, 403, 404, 409),
)
def explain_customer(request: Request, job_id: str, customer_id: str, _: Viewer) -> Any:
    job = _job(request, job_id)
    _plan_or_conflict(request, job)
    plan = plans_of(request).get(store_of(request), job)
    try:
        return plan.explain(customer_id)
    except KeyError:
        raise NotFound(f"no customer {customer_id!r} in the plan of job {job.id}") from None
