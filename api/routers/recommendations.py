"""``/v1/recommendations``: the best RMs for one new customer, with headroom and reasons."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from api.deps import DatasetsDep, PlansDep, PoliciesDep, Viewer
from api.errors import NotImplementedYet
from api.ingest import records_frame
from api.routers import problems
from api.schemas import RecommendationCreate, RecommendationOut

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/recommendations", tags=["recommendations"])


@router.post(
    "",
    response_model=RecommendationOut,
    summary="Recommend RMs for a new customer",
    description="The `k` best RMs for one customer (contract fields) in a stored bank: eligible "
    "RMs with capacity headroom, each with its reasons. Loads come from the dataset's latest "
    "finished plan when there is one, else from today's book. Read-only: a viewer may ask.",
    responses=problems(401, 403, 413, 422, 501),
)
async def recommend_rms(
    body: RecommendationCreate,
    principal: Viewer,
    datasets: DatasetsDep,
    plans: PlansDep,
    policies: PoliciesDep,
) -> RecommendationOut:
    try:
        from allocator import recommend
    except (ImportError, AttributeError):
        raise NotImplementedYet("recommendations are not in this build of the allocator") from None
    datasets.check_reference(body.dataset_id)
    policy = policies.load(body.policy)
    customer = records_frame([body.customer.model_dump(exclude_unset=True)]).iloc[0].to_dict()

    def work() -> tuple[list[dict[str, Any]], str | None]:
        plan_job = plans.latest_job(body.dataset_id) if body.policy is None else None
        plan = plans.plan(plan_job) if plan_job is not None else None
        instance = plan.instance if plan is not None else datasets.cached_instance(body.dataset_id)
        out = recommend(instance, customer, body.k, policy=policy, plan=plan)
        return list(out), plan_job.id if plan_job is not None else None

    recommendations, plan_job_id = await run_in_threadpool(work)
    log.info(
        "recommendation",
        extra={"dataset_id": body.dataset_id, "k": body.k, "plan_job_id": plan_job_id},
    )
    return RecommendationOut(
        dataset_id=body.dataset_id, plan_job_id=plan_job_id, recommendations=recommendations
    )
