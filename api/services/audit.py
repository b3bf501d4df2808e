"""The audit log: every state change, upload, key change and decision, appended, never changed.

A bank must be able to say who did what to whom and when, years later; so this service only
inserts (and the database refuses updates and deletes of ``audit_log``, see migration 0002).
Entries hold ids and decisions, never a customer's data; a decision's entry carries the
customer's branch so that a key scoped to a branch reads the entries of its subtree only.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from api.models import AuditEntry, utcnow
from api.services.base import Service


class AuditService(Service):
    """Append to and read the audit log (over the database it is given)."""

    @staticmethod
    def entry(
        actor: str | None,
        action: str,
        resource: str,
        resource_id: str | None,
        *,
        branch_id: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> AuditEntry:
        """An entry to add in the caller's own transaction (so the change and its record
        commit together, or neither does)."""
        return AuditEntry(
            at=utcnow(),
            actor=actor,
            action=action,
            resource=resource,
            resource_id=resource_id,
            branch_id=branch_id,
            detail=detail,
        )

    def record(
        self,
        actor: str | None,
        action: str,
        resource: str,
        resource_id: str | None,
        *,
        branch_id: str | None = None,
        detail: dict[str, Any] | None = None,
        session: Session | None = None,
    ) -> None:
        """Append one entry (in ``session`` when given, else in a transaction of its own)."""
        entry = self.entry(actor, action, resource, resource_id, branch_id=branch_id, detail=detail)
        if session is not None:
            session.add(entry)
            return
        with self.db.writing() as s:
            s.add(entry)

    def page(
        self,
        *,
        limit: int = 100,
        offset: int = 0,
        action: str | None = None,
        resource_id: str | None = None,
        branches: Collection[str] | None = None,
    ) -> tuple[list[AuditEntry], int]:
        """One page of entries, newest first, and how many match.

        Parameters
        ----------
        branches
            When given (a scoped caller), only entries of no branch or of these branches.
        """
        with self.db.reading() as s:
            q = select(AuditEntry)
            if action is not None:
                q = q.where(AuditEntry.action == action)
            if resource_id is not None:
                q = q.where(AuditEntry.resource_id == resource_id)
            if branches is not None:
                q = q.where(
                    or_(AuditEntry.branch_id.is_(None), AuditEntry.branch_id.in_(list(branches)))
                )
            total = int(s.scalar(select(func.count()).select_from(q.subquery())) or 0)
            rows = s.scalars(q.order_by(AuditEntry.id.desc()).limit(limit).offset(offset)).all()
            return list(rows), total
