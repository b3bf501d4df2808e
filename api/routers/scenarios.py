"""``/v1/scenarios``: run a what-if scenario against a stored dataset, as a job."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Response

from allocator.policy import Policy
from api.deps import DatasetsDep, JobsDep, Planner, PoliciesDep, SettingsDep
from api.errors import NotImplementedYet, Unprocessable
from api.routers import problems
from api.schemas import JobOut, ScenarioCreate
from api.services.datasets import DatasetService
from api.services.params import JobParams, time_limit_within
from api.views import job_out

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/scenarios", tags=["scenarios"])

#: spec keys a client may not set: the dataset is the baseline, and no server file is read
_SERVER_ONLY = ("baseline", "sweep")


def _check_spec(
    spec: dict[str, Any], datasets: DatasetService, dataset_id: str, policy: Policy
) -> dict[str, Any]:
    """Validate a scenario spec for a run against a dataset (422 listing every problem).

    The edits are applied to the dataset's bank here, at submission (a dry run: edits are
    pure and cheap next to a solve), so an edit naming an RM the bank does not have, or an
    edited bank that breaks the contract, is a 422 now rather than a failed job later.
    """
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
    from scenarios.edits import apply_edits

    apply_edits(datasets.load_instance(dataset_id, policy), policy, parsed.edits, seed=parsed.seed)
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
    response: Response,
    body: ScenarioCreate,
    principal: Planner,
    settings: SettingsDep,
    datasets: DatasetsDep,
    jobs: JobsDep,
    policies: PoliciesDep,
) -> JobOut:
    datasets.check_reference(body.dataset_id)
    policy = policies.load(body.policy)
    spec = _check_spec(body.spec, datasets, body.dataset_id, policy)
    time_limit = time_limit_within(
        body.time_limit or spec.get("time_limit"),
        default=settings.default_time_limit,
        maximum=settings.max_time_limit,
    )
    params = body.solve_params(time_limit=time_limit, spec_seed=int(spec.get("seed") or 0))
    job = jobs.submit(
        JobParams(params, policy=body.policy, spec=spec, seed_from_spec=body.seed is None),
        dataset_id=body.dataset_id,
        max_queued=settings.max_queued,
        created_by=principal.key_id,
    )
    log.info("scenario queued", extra={"job_id": job.id, "dataset_id": job.dataset_id})
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return job_out(job)
