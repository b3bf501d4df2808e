"""``/v1/jobs``: queue a solve, watch it, stop it, fetch and explain its plan."""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from api.deps import (
    JobsDep,
    Offset,
    Planner,
    RecordLimit,
    Viewer,
)
from api.downloads import csv_attachment, csv_responses
from api.errors import NotFound
from api.routers import problems
from api.routers.common import PlanRead, Submission
from api.schemas import Explanation, JobCreate, JobList, JobOut, JobStatus, PlanOut
from api.services.params import JobParams
from api.views import job_out

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/jobs", tags=["jobs"])


@router.post(
    "",
    status_code=202,
    response_model=JobOut,
    summary="Queue a solve",
    responses=problems(401, 403, 413, 422, 429),
)
def create_job(body: JobCreate, submit: Submission) -> JobOut:
    submit.datasets.check_reference(body.dataset_id)
    limit = submit.time_limit(body.time_limit)
    submit.policies.load(body.policy)  # PolicyError -> 422, before the job is queued
    params = body.solve_params(time_limit=limit)  # a bad value -> 422 naming the field
    work = JobParams(params, policy=body.policy)
    return submit.queue(work, body.dataset_id, log, "job queued", log_key=True)


@router.get("", response_model=JobList, responses=problems(401, 403, 422))
def list_jobs(
    _: Viewer,
    jobs: JobsDep,
    status: JobStatus | None = None,
    dataset_id: Annotated[str | None, Query(max_length=40)] = None,
    limit: RecordLimit = 100,
    offset: Offset = 0,
) -> JobList:
    page = jobs.page(status=status, dataset_id=dataset_id, limit=limit, offset=offset)
    return JobList(items=[job_out(j) for j in page], limit=limit, offset=offset)


@router.get("/{job_id}", response_model=JobOut, responses=problems(401, 403, 404))
def get_job(job_id: str, _: Viewer, jobs: JobsDep) -> JobOut:
    return job_out(jobs.require(job_id))


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
def cancel_job(job_id: str, principal: Planner, jobs: JobsDep) -> JobOut:
    job = jobs.cancel(job_id)  # 404 for no job, 409 for a final one
    log.info(
        "job cancel requested",
        extra={"job_id": job_id, "status": job.status, "key_id": principal.key_id},
    )
    return job_out(job)


@router.get(
    "/{job_id}/plan",
    response_model=PlanOut,
    summary="The plan of a job",
    description="`format=csv` gives plan.csv (contract columns first; spreadsheet-safe: a text "
    "cell starting with = + - @ gets a leading '); `json` one page of records (`limit`, "
    "`offset`, `total`) and the KPIs. Answers are gzipped for clients that accept it. A key "
    "scoped to a branch gets the rows of its subtree's customers only.",
    responses=csv_responses(401, 403, 404, 409, 422),
)
def get_plan(
    read: PlanRead,
    format: Literal["json", "csv"] = "json",
    limit: Annotated[int, Query(ge=1, le=1_000_000)] = 10_000,
    offset: Offset = 0,
) -> Any:
    job = read.job
    table = read.table()  # 409 while there is none
    scope = read.scope()
    if scope is not None:
        table = scope.filter(table)
    if format == "csv":
        return csv_attachment(table, f"plan-{job.id}.csv")
    page = table.iloc[offset : offset + limit]
    records = page.astype(object).where(page.notna(), None).to_dict(orient="records")
    return PlanOut(
        job_id=job.id,
        status=job.status,  # type: ignore[arg-type]
        kpis=job.kpis,  # type: ignore[arg-type]
        total=len(table),
        limit=limit,
        offset=offset,
        assignments=records,  # type: ignore[arg-type]
    )


@router.get(
    "/{job_id}/customers/{customer_id}",
    summary="Explain one customer's assignment",
    description="The customer's row of the plan, the rules that bound, the eligibility funnel, "
    "and the alternatives, closest first: the chosen RM, eligible RMs with room, nearest in the "
    "branch tree and least loaded, then nearby ineligible RMs with the rule each breaks. "
    "`alternatives` (default 10) says how many to list; `alternatives_total` counts them all.",
    response_model=Explanation,
    responses=problems(401, 403, 404, 409),
)
def explain_customer(
    job_id: str,
    customer_id: str,
    read: PlanRead,
    alternatives: Annotated[int, Query(ge=0, le=100_000)] = 10,
) -> Any:
    plan = read.plan()  # 409 while there is none
    missing = NotFound(f"no customer {customer_id!r} in the plan of job {job_id}")
    scope = read.scope()
    if scope is not None and not scope.has_customer(customer_id):
        raise missing
    try:
        out = plan.explain(customer_id, limit=None if scope is not None else alternatives)
    except KeyError:
        raise missing from None
    if scope is not None:  # RMs outside the subtree are not the scoped caller's to see
        seen = [a for a in out["alternatives"] if a["chosen"] or a["rm_id"] in scope.rms]
        out["alternatives_total"] = len(seen)
        out["alternatives"] = seen[:alternatives]
    return out


@router.get(
    "/{job_id}/report",
    summary="The quarter report of a job's plan",
    description="What the re-allocation did to the book: moves per RM and per branch, each "
    "departed RM's customers and where they went, and the tiers the hysteresis kept. "
    "`/report/chart.png` draws the moves per branch.",
    response_model=dict[str, list[dict[str, Any]]],
    responses=problems(401, 403, 404, 409),
)
def get_report(read: PlanRead) -> Any:
    from allocator.quarter_report import quarter_report

    report = quarter_report(read.plan())
    scope = read.scope()
    out = {}
    for name, table in report.items():
        if scope is not None:  # a scoped caller reads the rows of its subtree only
            for column in ("customer_id", "rm_id", "branch_id"):
                if column in table.columns:
                    table = scope.filter(table, column)
        out[name] = table.astype(object).where(table.notna(), None).to_dict(orient="records")
    return out


@router.get(
    "/{job_id}/report/chart.png",
    summary="The quarter report's chart (moves per branch)",
    response_class=Response,
    responses={**problems(401, 403, 404, 409), 200: {"content": {"image/png": {}}}},
)
def get_report_chart(read: PlanRead) -> Response:
    from allocator.quarter_report import chart_png, quarter_report

    if read.scope() is not None:
        raise NotFound("the bank-wide chart is not shown to a key scoped to a branch")
    report = quarter_report(read.plan())
    return Response(chart_png(report), media_type="image/png")


@router.get(
    "/{job_id}/coverage",
    summary="The coverage roles of a job's plan (coverage.csv)",
    description="A `primary` row per customer with an RM, then each coverage role that applies "
    "(key-account team members, group network RMs, city co-RMs, executives' co-cover): filled, "
    "or with an empty `rm_id` and the reason. `format=csv` gives coverage.csv.",
    responses=csv_responses(401, 403, 404, 409),
)
def get_coverage(read: PlanRead, format: Literal["json", "csv"] = "json") -> Any:
    job = read.job
    coverage = read.plan().coverage
    scope = read.scope()
    if scope is not None:  # a scoped caller reads its subtree's customers only
        coverage = scope.filter(coverage)
    if format == "csv":
        return csv_attachment(coverage, f"coverage-{job.id}.csv")
    return {"job_id": job.id, "coverage": coverage.to_dict(orient="records")}
