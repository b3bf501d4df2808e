"""``/v1/headcount``: a workforce plan for a stored dataset, as a job.

``POST`` checks the request with the library (targets against the policy, rule names, staff and
quota tables: every problem at once, a 422) and queues a job of kind ``headcount``; the worker
plans, verifies the plan by allocating the bank with it, draws the coverage curve and, when
asked, the plan over quarters. ``GET /v1/headcount/{id}`` is the result once the job is done:
the hires (rows as hires.csv), the staffing checks before and after, each branch's required RMs,
the audit of each row and the report; ``/report`` is the one-page HTML, ``/hires.csv`` the file.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse, PlainTextResponse

from allocator.io import csv_text_safe
from api.auth import Principal
from api.deps import AuditDep, DatasetsDep, JobsDep, Planner, PoliciesDep, SettingsDep, Viewer
from api.errors import Conflict, Forbidden, NotFound
from api.models import Job
from api.routers import problems
from api.schemas import JobOut
from api.schemas_workforce import HeadcountCreate, HeadcountResult
from api.services.jobs import JobService
from api.services.params import solve_params, time_limit_within
from api.views import job_out
from api.workforce_jobs import WorkforceJob

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/headcount", tags=["headcount"])

#: the report page holds no script: styles inline, images inline, nothing else
REPORT_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def bank_wide(principal: Principal) -> None:
    """Workforce planning covers the whole bank: a key scoped to a branch may not run or read
    it (403), as it would show staff and customers beyond the branch."""
    if principal.branch_id:
        raise Forbidden(
            "workforce planning covers the whole bank: use a key that is not scoped to a branch"
        )


def finished(jobs: JobService, job_id: str, kind: str) -> Job:
    """The done job ``job_id`` of ``kind`` (404 for another kind, 409 while not done)."""
    job = jobs.require(job_id)
    if job.kind != kind:
        raise NotFound(f"job {job_id} is not a {kind} job")
    if job.status != "done" or not job.result:
        raise Conflict(f"job {job_id} is {job.status}: GET /v1/jobs/{job_id} for its progress")
    return job


def check_request(body: HeadcountCreate, policy: Any) -> None:
    """The planning fields, checked by the library before anything is queued.

    Raises
    ------
    allocator.errors.InputError
        Every problem of the targets, the parameters, the staff rows and the quota (a 422).
    """
    from scenarios.headcount import load_quota, load_staff, parse_targets
    from scenarios.headcount.params import PlanParams

    parse_targets(body.targets, policy)
    PlanParams.build(enforce=body.enforce or (), mode=body.mode, budget=body.budget)
    if body.staff:
        load_staff(pd.DataFrame(body.staff))
    if body.quota:
        load_quota(body.quota)


@router.post(
    "",
    status_code=202,
    response_model=JobOut,
    summary="Plan the workforce",
    description="Queues a job that plans the hires, certifications, redeployments and transfers "
    "reaching `targets` at least cost (`mode: cost`) or the most coverage within `budget` and "
    "`quota` (`mode: coverage`), verifies it by allocating the bank with it and writes the "
    "report. GET `/v1/headcount/{id}` for the result once the job is done.",
    responses=problems(401, 403, 413, 422, 429),
)
def create_headcount(
    response: Response,
    body: HeadcountCreate,
    principal: Planner,
    settings: SettingsDep,
    datasets: DatasetsDep,
    jobs: JobsDep,
    policies: PoliciesDep,
    audit: AuditDep,
) -> JobOut:
    bank_wide(principal)
    datasets.check_reference(body.dataset_id)
    check_request(body, policies.load(body.policy))
    time_limit = time_limit_within(
        body.time_limit, default=settings.default_time_limit, maximum=settings.max_time_limit
    )
    params = solve_params({"time_limit": time_limit, "seed": body.seed})
    job = jobs.submit(
        WorkforceJob(params, policy=body.policy, job_kind="headcount", workforce=body.workforce()),
        dataset_id=body.dataset_id,
        max_queued=settings.max_queued,
        created_by=principal.key_id,
    )
    audit.record(principal.key_id, "job.submit", "job", job.id, detail={"kind": job.kind})
    log.info("headcount queued", extra={"job_id": job.id, "dataset_id": job.dataset_id})
    response.headers["Location"] = f"/v1/headcount/{job.id}"
    return job_out(job)


@router.get(
    "/{job_id}",
    response_model=HeadcountResult,
    summary="A workforce plan",
    responses=problems(401, 403, 404, 409),
)
def get_headcount(job_id: str, principal: Viewer, jobs: JobsDep) -> HeadcountResult:
    bank_wide(principal)
    return HeadcountResult.model_validate(finished(jobs, job_id, "headcount").result)


@router.get(
    "/{job_id}/report",
    response_class=HTMLResponse,
    summary="The one-page report (HTML)",
    responses=problems(401, 403, 404, 409),
)
def get_report(job_id: str, principal: Viewer, jobs: JobsDep) -> HTMLResponse:
    bank_wide(principal)
    result = finished(jobs, job_id, "headcount").result or {}
    return HTMLResponse(str(result["report"]["html"]), headers=REPORT_HEADERS)


@router.get(
    "/{job_id}/hires.csv",
    response_class=PlainTextResponse,
    summary="hires.csv (spreadsheet-safe)",
    responses=problems(401, 403, 404, 409),
)
def get_hires_csv(job_id: str, principal: Viewer, jobs: JobsDep) -> PlainTextResponse:
    from scenarios.headcount import ACTION_COLUMNS

    bank_wide(principal)
    result = finished(jobs, job_id, "headcount").result or {}
    table = pd.DataFrame(result.get("hires") or [], columns=list(ACTION_COLUMNS))
    return PlainTextResponse(
        csv_text_safe(table),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="hires-{job_id}.csv"'},
    )
