"""``/v1/sweeps``: a sweep of scenarios over a grid against a stored dataset, as a job.

The dataset is the baseline; the spec's edits are checked on it at submission (a dry run, as for
a scenario) and its grid is bounded, since the worker runs the points one after another within
the job's one time limit. ``GET /v1/sweeps/{id}`` is the result: one row per grid point (the
scenario metrics: coverage by tier, headcount, cost) and the coverage chart as PNG.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from allocator.policy import Policy
from api.errors import Unprocessable
from api.models import Job
from api.routers import problems
from api.routers.common import Submission, applied_spec, bank_wide, done
from api.schemas import JobOut
from api.schemas_workforce import SweepCreate, SweepResult
from api.services.datasets import DatasetService
from api.services.params import solve_params
from api.workforce_jobs import WorkforceJob

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/sweeps", tags=["sweeps"])

#: the most grid points one sweep job may run (they share the job's one time limit)
MAX_POINTS = 25


def check_sweep_spec(
    spec: dict[str, Any], datasets: DatasetService, dataset_id: str, policy: Policy
) -> dict[str, Any]:
    """The spec, checked: no baseline (the dataset is it), the default salary table only, a
    sweep grid of at most :data:`MAX_POINTS`, and edits that apply to the dataset's bank.

    Raises
    ------
    api.errors.Unprocessable, allocator.errors.InputError
        A 422 naming the field, or listing every problem of the spec.
    """
    from scenarios.spec import load_spec

    if "baseline" in spec:
        raise Unprocessable(
            "spec.baseline cannot be set: the dataset is the baseline", field="spec.baseline"
        )
    if spec.get("salaries") not in (None, "default"):
        raise Unprocessable("spec.salaries may only be 'default'", field="spec.salaries")
    parsed = load_spec({**spec, "baseline": "sample"})
    if parsed.sweep is None:
        raise Unprocessable("the spec has no 'sweep' section (grid and chart)", field="spec.sweep")
    points = len(list(parsed.sweep.points()))
    if points > MAX_POINTS:
        raise Unprocessable(
            f"the grid has {points} points; at most {MAX_POINTS}", field="spec.sweep"
        )
    return applied_spec(parsed, datasets, dataset_id, policy)


@router.post(
    "",
    status_code=202,
    response_model=JobOut,
    summary="Run a sweep",
    description="Queues a job that solves the dataset (the baseline) and every point of the "
    "spec's grid as a scenario warm-started from it. GET `/v1/sweeps/{id}` for the table and "
    "the coverage chart once the job is done.",
    responses=problems(401, 403, 413, 422, 429),
)
def create_sweep(body: SweepCreate, submit: Submission) -> JobOut:
    bank_wide(submit.principal)
    submit.datasets.check_reference(body.dataset_id)
    policy = submit.policies.load(body.policy)
    spec = check_sweep_spec(body.spec, submit.datasets, body.dataset_id, policy)
    limit = submit.time_limit(body.time_limit or spec.get("time_limit"))
    seed = body.seed if body.seed is not None else int(spec.get("seed") or 0)
    params = solve_params({"time_limit": limit, "seed": seed})
    work = WorkforceJob(params, policy=body.policy, spec=spec, job_kind="sweep")
    return submit.queue(work, body.dataset_id, log, "sweep queued", router.prefix)


@router.get(
    "/{job_id}",
    response_model=SweepResult,
    summary="A sweep's table and chart",
    responses=problems(401, 403, 404, 409),
)
def get_sweep(job: Annotated[Job, Depends(done("sweep"))]) -> SweepResult:
    return SweepResult.model_validate(job.result)
