"""``/v1/plans/{job_id}/rms`` and ``/branches``: books under a plan, for branch heads.

An RM's view (book today and in the plan, load against capacity, who joins and who leaves) and a
branch view (each branch's subtree: customers with an RM, moves, decisions, RMs' load), read
from a rebuilt plan (:mod:`api.books`). A key scoped to a branch sees its subtree only.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from api.books import branch_rows, customer_frame, records, rm_book, rm_loads
from api.deps import BankIdFilter, Offset, RowLimit
from api.errors import NotFound
from api.routers import problems
from api.routers.common import PlanRead
from api.schemas import BranchRow, RmPage, RmView
from api.scope import subtree

router = APIRouter(prefix="/v1/plans", tags=["books"])


@router.get(
    "/{job_id}/rms",
    response_model=RmPage,
    summary="RMs under a plan: load against capacity, joins and leaves",
    description="Every RM (of `branch_id`'s subtree when given, and in the caller's scope), "
    "busiest first under the plan, paged.",
    responses=problems(401, 403, 404, 409, 422),
)
async def list_rms(
    read: PlanRead,
    branch_id: BankIdFilter = None,
    limit: RowLimit = 100,
    offset: Offset = 0,
) -> RmPage:
    def work() -> RmPage:
        plan = read.plan()
        loads = rm_loads(plan)
        scope = read.scope()
        if scope is not None:
            loads = scope.filter(loads, "rm_id")
        if branch_id is not None:
            loads = loads[loads["branch_id"].isin(subtree(plan.instance.branches, branch_id))]
        share = loads["load_plan"] / loads["capacity"].where(loads["capacity"] > 0)
        loads = loads.assign(_share=share.fillna(0)).sort_values(["_share", "rm_id"])
        loads = loads.iloc[::-1].drop(columns="_share")
        page = loads.iloc[offset : offset + limit]
        return RmPage.model_validate(
            {"items": records(page), "total": len(loads), "limit": limit, "offset": offset}
        )

    return await run_in_threadpool(work)


@router.get(
    "/{job_id}/rms/{rm_id}",
    response_model=RmView,
    summary="One RM's book under a plan",
    description="The RM's load today and in the plan against its capacity, and its book: the "
    "customers who join (and from whom), who leave (and to whom), and who stay.",
    responses=problems(401, 403, 404, 409),
)
async def get_rm(job_id: str, rm_id: str, read: PlanRead) -> RmView:
    def work() -> RmView:
        plan = read.plan()
        scope = read.scope()
        if scope is not None and rm_id not in scope.rms:
            raise NotFound(f"no RM {rm_id!r} in the plan of job {job_id}")
        frame = customer_frame(plan)
        loads = rm_loads(plan, frame)
        row = loads[loads["rm_id"] == rm_id]
        if row.empty:
            raise NotFound(f"no RM {rm_id!r} in the plan of job {job_id}")
        book = rm_book(frame, rm_id)
        if scope is not None:  # customers of other branches are not the caller's to see
            book = book[book["customer_id"].isin(scope.customers)]
        return RmView.model_validate({**records(row)[0], "book": records(book)})

    return await run_in_threadpool(work)


@router.get(
    "/{job_id}/branches",
    response_model=list[BranchRow],
    summary="Branches under a plan",
    description="Per branch, over its whole subtree: customers, those with an RM, moves and "
    "the review's decisions, RMs and their load against capacity (the caller's scope only).",
    responses=problems(401, 403, 404, 409),
)
async def list_branches(read: PlanRead) -> list[BranchRow]:
    def work() -> list[BranchRow]:
        plan = read.plan()
        frame = customer_frame(plan)
        loads = rm_loads(plan, frame)
        decided = {c: d.decision for c, d in read.reviews.decisions(read.job.id).items()}
        scope = read.scope()
        rows = branch_rows(
            plan,
            frame,
            loads,
            frame["customer_id"].map(lambda c: decided.get(c, "")),
            None if scope is None else scope.branches,
        )
        return [BranchRow.model_validate(r) for r in rows]

    return await run_in_threadpool(work)
