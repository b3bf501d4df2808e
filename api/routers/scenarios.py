"""``/v1/scenarios``: run a what-if scenario against a stored dataset, as a job."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter

from allocator.policy import Policy
from api.errors import NotImplementedYet, Unprocessable
from api.routers import problems
from api.routers.common import Submission, applied_spec
from api.schemas import JobOut, ScenarioCreate
from api.services.datasets import DatasetService
from api.services.params import JobParams

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
    return applied_spec(parsed, datasets, dataset_id, policy)


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
def create_scenario(body: ScenarioCreate, submit: Submission) -> JobOut:
    submit.datasets.check_reference(body.dataset_id)
    policy = submit.policies.load(body.policy)
    spec = _check_spec(body.spec, submit.datasets, body.dataset_id, policy)
    limit = submit.time_limit(body.time_limit or spec.get("time_limit"))
    params = body.solve_params(time_limit=limit, spec_seed=int(spec.get("seed") or 0))
    work = JobParams(params, policy=body.policy, spec=spec, seed_from_spec=body.seed is None)
    return submit.queue(work, body.dataset_id, log, "scenario queued", audited=False)
