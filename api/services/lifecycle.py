"""Plan lifecycle: draft -> proposed -> approved -> effective -> superseded, with who and when.

A bank acts on a plan only once it has been proposed, reviewed and approved by someone other
than its proposer (four eyes), and only from its effective date. When an approved plan's date
comes (:meth:`LifecycleService.activate_due`, run by every reaper loop and on reads), it becomes
the one ``effective`` plan of its dataset *lineage* -- the previous one is ``superseded`` in the
same transaction -- and each customer whose RM changes gets a row in the RM history. Every step
is also an audit entry, written in the same transaction as the step itself.

A lineage is the root of a dataset's ``parent_id`` chain: a re-solve's derived bank, a
scenario's edited bank and a next quarter's upload that names its predecessor all continue the
lineage of the bank they came from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from api.auth import Principal
from api.models import ApiKey, Job, PlanState, RmHistory, utcnow
from api.services.audit import AuditService
from api.services.base import Service
from api.services.datasets import DatasetService
from api.services.errors import ConflictError, ForbiddenError, InvalidParameterError
from api.services.jobs import DONE
from api.services.plans import PlanService
from api.services.session import Database, rowcount

DRAFT, PROPOSED, APPROVED, EFFECTIVE, SUPERSEDED = (
    "draft",
    "proposed",
    "approved",
    "effective",
    "superseded",
)
STATES = (DRAFT, PROPOSED, APPROVED, EFFECTIVE, SUPERSEDED)
#: states in which a plan's moves may still be decided and re-solved
REVIEWABLE = frozenset({DRAFT, PROPOSED})


@dataclass(frozen=True)
class HistoryRow:
    """One period of a customer's RM: from ``valid_from`` to the next period's start."""

    rm_id: str | None
    valid_from: dt.date
    valid_to: dt.date | None
    job_id: str
    approved_by: str | None


class _Lost(Exception):
    """Another process changed the plan first (the transaction is rolled back)."""


def _step(session: Session, job_id: str, before: str, after: str, **values: Any) -> bool:
    """Move a plan from state ``before`` to ``after`` (setting ``values`` too), unless another
    process moved it first: the ``UPDATE`` is conditional on ``before`` and its row count says
    whether this caller won, so no lock is needed and no step is taken twice."""
    changed = rowcount(
        session,
        update(PlanState)
        .where(PlanState.job_id == job_id, PlanState.state == before)
        .values(state=after, **values),
    )
    return changed == 1


def today() -> dt.date:
    """Today in UTC: effective dates are calendar days of the bank's books."""
    return utcnow().date()


class LifecycleService(Service):
    """Move plans through their lifecycle and keep the RM history.

    Parameters
    ----------
    db
        The database.
    datasets, plans, audit
        Lineages, plan tables, and the audit log every step is written to.
    """

    def __init__(
        self, db: Database, datasets: DatasetService, plans: PlanService, audit: AuditService
    ):
        super().__init__(db)
        self.datasets = datasets
        self.plans = plans
        self.audit = audit

    # -- reading -------------------------------------------------------------------------------
    def lineage(self, dataset_id: str) -> str:
        """The root of ``dataset_id``'s ``parent_id`` chain."""
        seen: set[str] = set()
        current = dataset_id
        while current not in seen:
            seen.add(current)
            ds = self.datasets.get(current)
            if ds is None or ds.parent_id is None:
                return current
            current = ds.parent_id
        return current

    def state(self, job: Job) -> PlanState:
        """A job's lifecycle record; a finished plan without one is an unsaved ``draft``."""
        self.activate_due()
        with self.db.reading() as s:
            record = s.get(PlanState, job.id)
        if record is not None:
            return record
        return PlanState(
            job_id=job.id,
            lineage_id=self.lineage(job.dataset_id),
            state=DRAFT,
            created_at=job.finished_at or job.created_at,
        )

    def effective(self, lineage_id: str) -> PlanState | None:
        """The effective plan of a lineage, if any."""
        self.activate_due()
        with self.db.reading() as s:
            q = select(PlanState).where(
                PlanState.lineage_id == lineage_id, PlanState.state == EFFECTIVE
            )
            return s.scalars(q).first()

    # -- steps ---------------------------------------------------------------------------------
    def create_draft(self, job_id: str, dataset_id: str, parent_job_id: str | None) -> None:
        """Record a new plan-to-be as a draft linked to the plan it was re-solved from."""
        with self.db.writing() as s:
            s.add(
                PlanState(
                    job_id=job_id,
                    lineage_id=self.lineage(dataset_id),
                    state=DRAFT,
                    parent_job_id=parent_job_id,
                    created_at=utcnow(),
                )
            )

    def _stored(self, job: Job) -> PlanState:
        """The stored record of a finished plan (made a draft row on first use)."""
        if job.status != DONE or not job.has_plan:
            raise ConflictError(f"job {job.id} is {job.status}: only a finished plan moves on")
        with self.db.writing() as s:
            record = s.get(PlanState, job.id)
            if record is None:
                record = PlanState(
                    job_id=job.id,
                    lineage_id=self.lineage(job.dataset_id),
                    state=DRAFT,
                    created_at=utcnow(),
                )
                s.add(record)
        return record

    def propose(self, job: Job, principal: Principal) -> PlanState:
        """Send a draft for review.

        Raises
        ------
        ConflictError
            When the job has no finished plan, or the plan is past ``draft``.
        """
        record = self._stored(job)
        with self.db.writing() as s:
            moved = _step(
                s, job.id, DRAFT, PROPOSED, proposed_by=principal.key_id, proposed_at=utcnow()
            )
            if not moved:
                raise ConflictError(f"plan {job.id} is {record.state}; only a draft is proposed")
            self.audit.record(
                principal.key_id,
                "plan.propose",
                "plan",
                job.id,
                detail={"from": DRAFT, "to": PROPOSED},
                session=s,
            )
        return self.state(job)

    def approve(self, job: Job, principal: Principal, effective_date: dt.date) -> PlanState:
        """Approve a proposed plan from ``effective_date`` on (four eyes: not its proposer).

        Raises
        ------
        ForbiddenError
            When the caller proposed the plan (the same key, or a key of the same name).
        InvalidParameterError
            For an effective date in the past.
        ConflictError
            When the plan is not ``proposed``.
        """
        record = self._stored(job)
        if record.state != PROPOSED:
            raise ConflictError(
                f"plan {job.id} is {record.state}; only a proposed plan is approved"
            )
        proposer = self._key_name(record.proposed_by)
        if principal.same_person(record.proposed_by, proposer):
            raise ForbiddenError(
                "four eyes: a plan is approved by someone other than its proposer "
                f"(key {record.proposed_by} proposed it)"
            )
        if effective_date < today():
            raise InvalidParameterError(
                "effective_date",
                f"{effective_date} is in the past; a plan takes effect from today on",
            )
        with self.db.writing() as s:
            moved = _step(
                s,
                job.id,
                PROPOSED,
                APPROVED,
                approved_by=principal.key_id,
                approved_at=utcnow(),
                effective_date=effective_date,
            )
            if not moved:
                raise ConflictError(f"plan {job.id} changed meanwhile; read it again")
            self.audit.record(
                principal.key_id,
                "plan.approve",
                "plan",
                job.id,
                detail={"from": PROPOSED, "to": APPROVED, "effective_date": str(effective_date)},
                session=s,
            )
        return self.state(job)

    def _key_name(self, key_id: str | None) -> str | None:
        if key_id is None:
            return None
        with self.db.reading() as s:
            key = s.get(ApiKey, key_id)
            return None if key is None else key.name

    def activate_due(self, on: dt.date | None = None) -> list[str]:
        """Make effective every approved plan whose date has come, oldest date first; the
        lineage's effective plan before it is superseded and the RM history written, all in one
        transaction per plan. Returns the ids of the plans made effective."""
        on = on or today()
        with self.db.reading() as s:
            due = list(
                s.scalars(
                    select(PlanState)
                    .where(PlanState.state == APPROVED, PlanState.effective_date <= on)
                    .order_by(PlanState.effective_date, PlanState.approved_at)
                )
            )
        made: list[str] = []
        for record in due:
            if self._activate(record):
                made.append(record.job_id)
        return made

    def _activate(self, record: PlanState) -> bool:
        job = self.plans.require_job(record.job_id)
        table = self.plans.table(job)
        now = utcnow()
        try:
            with self.db.writing() as s:
                old = s.scalars(
                    select(PlanState).where(
                        PlanState.lineage_id == record.lineage_id, PlanState.state == EFFECTIVE
                    )
                ).first()
                if old is not None:
                    old.state, old.superseded_by, old.superseded_at = SUPERSEDED, job.id, now
                    s.flush()  # the one-effective index sees the old plan leave first
                    self.audit.record(
                        None,
                        "plan.supersede",
                        "plan",
                        old.job_id,
                        detail={"from": EFFECTIVE, "to": SUPERSEDED, "by": job.id},
                        session=s,
                    )
                if not _step(s, job.id, APPROVED, EFFECTIVE, effective_at=now):
                    raise _Lost()  # another process activated it: roll everything back
                written = self._write_history(s, record, table)
                self.audit.record(
                    None,
                    "plan.effective",
                    "plan",
                    job.id,
                    detail={
                        "from": APPROVED,
                        "to": EFFECTIVE,
                        "effective_date": str(record.effective_date),
                        "history_rows": written,
                    },
                    session=s,
                )
        except _Lost:
            return False
        return True

    @staticmethod
    def _latest(s: Session, lineage_id: str) -> dict[str, str | None]:
        last = (
            select(func.max(RmHistory.id))
            .where(RmHistory.lineage_id == lineage_id)
            .group_by(RmHistory.customer_id)
        )
        rows = s.execute(
            select(RmHistory.customer_id, RmHistory.rm_id).where(RmHistory.id.in_(last))
        )
        return {c: r for c, r in rows}

    def _write_history(self, s: Session, record: PlanState, table: pd.DataFrame) -> int:
        """Append a history row for each customer whose RM differs from its last row (every
        customer, the first time a plan of the lineage takes effect)."""
        latest = self._latest(s, record.lineage_id)
        rows = []
        customers = table["customer_id"].astype(str)
        rms = table["rm_id"].fillna("").astype(str)
        for customer_id, rm_id in zip(customers, rms, strict=True):
            rm = rm_id or None
            if customer_id in latest and latest[customer_id] == rm:
                continue
            rows.append(
                {
                    "lineage_id": record.lineage_id,
                    "customer_id": customer_id,
                    "rm_id": rm,
                    "valid_from": record.effective_date,
                    "job_id": record.job_id,
                    "approved_by": record.approved_by,
                    "recorded_at": utcnow(),
                }
            )
        if rows:
            s.execute(insert(RmHistory), rows)
        return len(rows)

    # -- history -------------------------------------------------------------------------------
    def history(self, lineage_id: str, customer_id: str) -> list[HistoryRow]:
        """A customer's RM periods in a lineage, oldest first (``valid_to`` is the next start)."""
        self.activate_due()
        with self.db.reading() as s:
            rows = list(
                s.scalars(
                    select(RmHistory)
                    .where(RmHistory.lineage_id == lineage_id, RmHistory.customer_id == customer_id)
                    .order_by(RmHistory.id)
                )
            )
        out = []
        for i, row in enumerate(rows):
            nxt = rows[i + 1].valid_from if i + 1 < len(rows) else None
            out.append(HistoryRow(row.rm_id, row.valid_from, nxt, row.job_id, row.approved_by))
        return out
