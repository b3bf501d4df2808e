"""``/v1/audit``: the append-only audit log (state changes, uploads, key changes, decisions)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import AuditDep, BankIdFilter, DatasetsDep, Offset, RecordLimit, Viewer
from api.routers import problems
from api.schemas import AuditEntryOut, AuditPage

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get(
    "",
    response_model=AuditPage,
    summary="The audit log",
    description="Newest first: every plan state change, upload, job, key change and move "
    "decision, with who (the key) and when. Filter by `action` (`plan.approve`, "
    "`move.reject`, ...) or `resource_id`. A key scoped to a branch sees the decisions of its "
    "subtree (in banks that have that branch) and the entries of no branch.",
    responses=problems(401, 403, 422),
)
def list_audit(
    principal: Viewer,
    audit: AuditDep,
    datasets: DatasetsDep,
    action: Annotated[str | None, Query(max_length=40)] = None,
    resource_id: BankIdFilter = None,
    limit: RecordLimit = 100,
    offset: Offset = 0,
) -> AuditPage:
    branches = None
    if principal.branch_id is not None:
        branches = {principal.branch_id} | datasets.subtrees(principal.branch_id)
    rows, total = audit.page(
        limit=limit, offset=offset, action=action, resource_id=resource_id, branches=branches
    )
    items = [
        AuditEntryOut(
            id=r.id,
            at=r.at,
            actor=r.actor,
            action=r.action,
            resource=r.resource,
            resource_id=r.resource_id,
            branch_id=r.branch_id,
            detail=r.detail,
        )
        for r in rows
    ]
    return AuditPage(items=items, total=total, limit=limit, offset=offset)
