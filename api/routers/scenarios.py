"""``/v1/scenarios``: run a what-if scenario against a stored dataset, as a job."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request, Response

from allocator.policy import load_policy
from api.auth import Planner
from api.errors import NotImplementedYet, Unprocessable
from api.routers import problems, settings_of, store_of
from api.routers.jobs import check_dataset, check_time_limit
from api.schemas import JobOut, ScenarioCreate
from api.views import job_out

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/scenarios", tags=["scenarios"])

#: spec keys a client may not set: the dataset is the baseline, and no server file is read
_SERVER_ONLY = ("baseline", "sweep")


def _check_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """Validate a scenario spec for a run against a dataset (422 listing every problem)."""
    try:
        from scenarios.spec import load_spec
    except ImportError:
        raise NotImplementedYet("scenarios are not in this build") from None
    for key in _SERVER_ONLY:
        if key in spec:
            raise Unprocessable(
                f"spec.{key} cannot be set here: the dataset is the baseline, and a sweep is "
                "run point by point",
                field=f"spec.{key}",
            )
    salaries = spec.get("salaries")
    if salaries not in (None, "default"):
        raise Unprocessable(
            "spec.salaries may only be 'default' (the service reads no file a client names)",
            field="spec.salaries",
        )
    parsed = load_spec({**spec, "baseline": "sample"})  # InputError -> 422 with every issue
    out = parsed.to_dict()
    out.pop("baseline", None)
    return out


@router.post(
    "",
    status_code=202,
    response_model=JobOut,
    summary="Run a scenario",
    description="Queues a job that solves the dataset (the baseline), applies the spec's edits, "
    "solves again warm-started and compares. GET the job: `result.comparison` holds the table "
    "(`metric, baseline, scenario, delta`) and `result.derived_dataset_id` the edited bank, "
    "stored as a dataset whose `parent_id` is this one.",
    responses=problems(401, 403, 413, 422, 429, 501),
)
def create_scenario(
    request: Request, response: Response, body: ScenarioCreate, principal: Planner
) -> JobOut:
    settings = settings_of(request)
    check_dataset(request, body.dataset_id)
    spec = _check_spec(body.spec)
    time_limit = check_time_limit(body.time_limit or spec.get("time_limit"), settings)
    load_policy(body.policy)
    job = store_of(request).submit_job(
        kind="scenario",
        dataset_id=body.dataset_id,
        params={
            "spec": spec,
            "policy": body.policy,
            "time_limit": time_limit,
            "seed": body.seed,
            "backend": "auto",
        },
        max_queued=settings.max_queued,
        created_by=principal.key_id,
    )
    log.info("scenario queued", extra={"job_id": job.id, "dataset_id": job.dataset_id})
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return job_out(job)
