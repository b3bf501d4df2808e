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
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, PlainTextResponse

from allocator.io import csv_text_safe
from api.models import Job
from api.routers import problems
from api.routers.common import Submission, bank_wide, done
from api.schemas import JobOut
from api.schemas_workforce import HeadcountCreate, HeadcountResult
from api.services.params import solve_params
from api.workforce_jobs import WorkforceJob

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/headcount", tags=["headcount"])
#: the done headcount job of the path's ``job_id``
Done = Annotated[Job, Depends(done("headcount"))]

#: the report page holds no script: styles inline, images inline, nothing else
REPORT_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


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
def create_headcount(body: HeadcountCreate, submit: Submission) -> JobOut:
    bank_wide(submit.principal)
    submit.datasets.check_reference(body.dataset_id)
    check_request(body, submit.policies.load(body.policy))
    params = solve_params({"time_limit": submit.time_limit(body.time_limit), "seed": body.seed})
    workforce = body.workforce()
    work = WorkforceJob(params, policy=body.policy, job_kind="headcount", workforce=workforce)
    return submit.queue(work, body.dataset_id, log, "headcount queued", router.prefix)


@router.get(
    "/{job_id}",
    response_model=HeadcountResult,
    summary="A workforce plan",
    responses=problems(401, 403, 404, 409),
)
def get_headcount(job: Done) -> HeadcountResult:
    return HeadcountResult.model_validate(job.result)


@router.get(
    "/{job_id}/report",
    response_class=HTMLResponse,
    summary="The one-page report (HTML)",
    responses=problems(401, 403, 404, 409),
)
def get_report(job: Done) -> HTMLResponse:
    result = job.result or {}
    return HTMLResponse(str(result["report"]["html"]), headers=REPORT_HEADERS)


@router.get(
    "/{job_id}/hires.csv",
    response_class=PlainTextResponse,
    summary="hires.csv (spreadsheet-safe)",
    responses=problems(401, 403, 404, 409),
)
def get_hires_csv(job: Done) -> PlainTextResponse:
    from scenarios.headcount import ACTION_COLUMNS

    result = job.result or {}
    table = pd.DataFrame(result.get("hires") or [], columns=list(ACTION_COLUMNS))
    return PlainTextResponse(
        csv_text_safe(table),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="hires-{job.id}.csv"'},
    )
