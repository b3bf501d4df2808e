"""``/v1/recommendations``: the best RMs for one new customer, with headroom and reasons."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from api.deps import DatasetsDep, PlansDep, PoliciesDep, Viewer
from api.errors import NotFound, NotImplementedYet, Unprocessable
from api.ingest import records_frame
from api.routers import problems
from api.schemas import Recommendation, RecommendationCreate, RecommendationOut
from api.scope import branch_scope

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
    customer_id = str(customer.get("customer_id") or "")
    if customer_id:
        known = datasets.cached_instance(body.dataset_id).customers["customer_id"]
        if (known == customer_id).any():
            raise Unprocessable(
                f"{customer_id!r} is a customer of this bank already: recommendations are for a "
                "new customer (an existing one changes RM through a re-solve)",
                field="customer.customer_id",
            )

    def work() -> tuple[list[dict[str, Any]], str | None]:
        plan_job = plans.latest_job(body.dataset_id) if body.policy is None else None
        plan = plans.plan(plan_job) if plan_job is not None else None
        instance = plan.instance if plan is not None else datasets.cached_instance(body.dataset_id)
        out = recommend(instance, customer, body.k, policy=policy, plan=plan)
        return list(out), plan_job.id if plan_job is not None else None

    recommendations, plan_job_id = await run_in_threadpool(work)
    if principal.branch_id is not None:  # a branch head recommends within its subtree
        scope = branch_scope(datasets.cached_instance(body.dataset_id), principal.branch_id)
        if str(customer.get("branch_id") or "") not in scope.branches:
            raise NotFound(f"no branch {customer.get('branch_id')!r} in your scope")
        recommendations = [r for r in recommendations if r.get("rm_id") in scope.rms]
    log.info(
        "recommendation",
        extra={"dataset_id": body.dataset_id, "k": body.k, "plan_job_id": plan_job_id},
    )
    qualified = sum(1 for r in recommendations if r.get("rm_id") and r.get("fits", True))
    note = None
    if qualified < body.k:
        note = (
            f"only {qualified} RM(s) qualify (eligible, with room for the customer) of the "
            f"{body.k} asked for"
        )
    return RecommendationOut(
        dataset_id=body.dataset_id,
        plan_job_id=plan_job_id,
        recommendations=[Recommendation.model_validate(r) for r in recommendations],
        requested=body.k,
        qualified=qualified,
        note=note,
    )
