"""``/v1/compare``: any two plans side by side (baseline vs scenario, last quarter vs this)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from api.deps import JobsDep, PlansDep, ReviewsDep, Viewer
from api.routers import problems
from api.schemas import ComparisonOut
from scenarios.plancompare import BankFacts, compare_plans, records

router = APIRouter(prefix="/v1/compare", tags=["compare"])


def _groups(frame: Any, key: str) -> list[dict[str, Any]]:
    return [{"key": str(row.pop(key) or ""), **row} for row in records(frame)]


@router.get(
    "",
    response_model=ComparisonOut,
    summary="Compare two plans",
    description="Plans of jobs `a` and `b` (any two with a plan: a baseline and its scenario, "
    "last quarter's and this one's): the headline figures with `delta = b - a` (customers "
    "with an RM, moves, value covered, RM load), the customers whose RM differs (the first "
    "`limit`; `differ_total` counts them), and both by branch and by tier. The bank of plan "
    "`a` gives branches, value and capacity. A key scoped to a branch compares its subtree.",
    responses=problems(401, 403, 404, 409, 422),
)
async def compare(
    principal: Viewer,
    jobs: JobsDep,
    plans: PlansDep,
    reviews: ReviewsDep,
    a: Annotated[str, Query(max_length=40)],
    b: Annotated[str, Query(max_length=40)],
    limit: Annotated[int, Query(ge=0, le=100_000)] = 100,
) -> ComparisonOut:
    job_a, job_b = jobs.require(a), jobs.require(b)

    def work() -> ComparisonOut:
        plan_a = plans.plan(job_a)
        table_a, table_b = plans.table(job_a), plans.table(job_b)
        scope = reviews.scope(job_a, principal)
        if scope is not None:
            table_a, table_b = scope.filter(table_a), scope.filter(table_b)
        result = compare_plans(table_a, table_b, BankFacts.of(plan_a.instance, plan_a.policy))
        return ComparisonOut.model_validate(
            {
                "a": a,
                "b": b,
                "headline": records(result.headline),
                "by_branch": _groups(result.by_branch, "branch_id"),
                "by_tier": _groups(result.by_tier, "tier"),
                "differ": records(result.differ.head(limit)),
                "differ_total": len(result.differ),
                "notes": result.notes,
            }
        )

    return await run_in_threadpool(work)
