"""``/v1/customers/{customer_id}/history``: a customer's RMs over time, as plans took effect."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import DatasetsDep, LifecycleDep, Viewer
from api.errors import NotFound
from api.routers import problems
from api.schemas import HistoryOut, HistoryPeriod
from api.scope import branch_scope

router = APIRouter(prefix="/v1/customers", tags=["customers"])


@router.get(
    "/{customer_id}/history",
    response_model=HistoryOut,
    summary="A customer's RM history",
    description="Each period of the customer's RM in the dataset's lineage (the bank and every "
    "bank derived from it): the RM, from, to (the next period's start), the plan that made it "
    "so and who approved it. Written when a plan takes effect, never rewritten. A key scoped to "
    "a branch gets 404 for a customer outside its subtree.",
    responses=problems(401, 403, 404, 422),
)
def customer_history(
    customer_id: str,
    principal: Viewer,
    datasets: DatasetsDep,
    lifecycle: LifecycleDep,
    dataset_id: Annotated[str, Query(max_length=40)],
) -> HistoryOut:
    datasets.require(dataset_id)
    instance = datasets.cached_instance(dataset_id)
    missing = NotFound(f"no customer {customer_id!r} in dataset {dataset_id}")
    if not (instance.customers["customer_id"] == customer_id).any():
        raise missing
    scope = None if principal.branch_id is None else branch_scope(instance, principal.branch_id)
    if scope is not None and not scope.has_customer(customer_id):
        raise missing
    lineage = lifecycle.lineage(dataset_id)
    periods = [
        HistoryPeriod(
            rm_id=p.rm_id,
            valid_from=p.valid_from,
            valid_to=p.valid_to,
            job_id=p.job_id,
            approved_by=p.approved_by,
        )
        for p in lifecycle.history(lineage, customer_id)
    ]
    return HistoryOut(
        customer_id=customer_id, dataset_id=dataset_id, lineage_id=lineage, periods=periods
    )
