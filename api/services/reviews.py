"""Reviews of a plan's moves: list them, decide them, and re-solve with the decisions.

Branch heads read the moves that touch their branch, accept or reject each (or all of a branch),
and ask for a re-solve that honours their decisions: a new draft, linked to the plan it came
from, solved on a derived bank (:mod:`api.review`). A decision is kept per plan and customer
(the latest counts) and every decision is an audit entry carrying the customer's branch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import delete, select

from api.auth import Principal
from api.models import Job, MoveDecision, PlanState, utcnow
from api.review import ACCEPT, REJECT, derive, moves
from api.scope import BranchScope, branch_scope, subtree
from api.services.audit import AuditService
from api.services.base import Service
from api.services.datasets import DatasetService
from api.services.errors import ConflictError, InvalidParameterError, NotFoundError
from api.services.jobs import JobService
from api.services.lifecycle import REVIEWABLE, LifecycleService
from api.services.params import JobParams
from api.services.plans import PlanService
from api.services.policies import PolicyCache
from api.services.session import Database


@dataclass(frozen=True)
class MovePage:
    """One page of a plan's moves and how many match the filters."""

    items: list[dict[str, Any]]
    total: int


class ReviewService(Service):
    """Moves, decisions and re-solves of plans.

    Parameters
    ----------
    db
        The database.
    datasets, plans, jobs, lifecycle, policies, audit
        The services a review draws on.
    """

    def __init__(
        self,
        db: Database,
        datasets: DatasetService,
        plans: PlanService,
        jobs: JobService,
        lifecycle: LifecycleService,
        policies: PolicyCache,
        audit: AuditService,
    ):
        super().__init__(db)
        self.datasets = datasets
        self.plans = plans
        self.jobs = jobs
        self.lifecycle = lifecycle
        self.policies = policies
        self.audit = audit

    # -- scope ---------------------------------------------------------------------------------
    def scope(self, job: Job, principal: Principal) -> BranchScope | None:
        """What a scoped caller sees of the job's bank (``None``: an unscoped key sees all)."""
        if principal.branch_id is None:
            return None
        instance = self.datasets.cached_instance(self.plans.dataset_of(job))
        return branch_scope(instance, principal.branch_id)

    # -- moves ---------------------------------------------------------------------------------
    def moves_table(self, job: Job, scope: BranchScope | None = None) -> pd.DataFrame:
        """Every move of a job's plan (in scope), with the latest decision on each."""
        table = self.plans.table(job)
        instance = self.datasets.cached_instance(self.plans.dataset_of(job))
        out = moves(table, instance.customers)
        if scope is not None:
            out = scope.filter(out)
        decided = self.decisions(job.id)
        out["decision"] = [decided[c].decision if c in decided else "" for c in out["customer_id"]]
        out["decided_by"] = [
            decided[c].decided_by if c in decided else "" for c in out["customer_id"]
        ]
        return out

    def moves(
        self,
        job: Job,
        *,
        scope: BranchScope | None = None,
        branch_id: str | None = None,
        rm_id: str | None = None,
        tier: str | None = None,
        status: str | None = None,
        decision: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> MovePage:
        """One page of a plan's moves, filtered (``branch_id``: the branch's subtree; ``rm_id``:
        moves from or to that RM; ``decision``: ``accept``, ``reject`` or ``none``)."""
        out = self.moves_table(job, scope)
        if branch_id is not None:
            instance = self.datasets.cached_instance(self.plans.dataset_of(job))
            out = out[out["branch_id"].isin(subtree(instance.branches, branch_id))]
        if rm_id is not None:
            out = out[(out["from_rm_id"] == rm_id) | (out["to_rm_id"] == rm_id)]
        if tier is not None:
            out = out[out["tier"] == tier]
        if status is not None:
            out = out[out["status"] == status]
        if decision is not None:
            out = out[out["decision"] == ("" if decision == "none" else decision)]
        page = out.iloc[offset : offset + limit]
        items = [{str(k): v for k, v in r.items()} for r in page.to_dict(orient="records")]
        return MovePage(items, len(out))

    # -- decisions -----------------------------------------------------------------------------
    def decisions(self, job_id: str) -> dict[str, MoveDecision]:
        """The latest decision per customer of a plan."""
        with self.db.reading() as s:
            rows = s.scalars(select(MoveDecision).where(MoveDecision.job_id == job_id))
            return {d.customer_id: d for d in rows}

    def _reviewable(self, job: Job) -> PlanState:
        state = self.lifecycle.state(job)
        if state.state not in REVIEWABLE:
            raise ConflictError(
                f"plan {job.id} is {state.state}: moves are decided on a draft or proposed plan"
            )
        return state

    def decide(
        self,
        job: Job,
        principal: Principal,
        items: Sequence[tuple[str, str]],
        scope: BranchScope | None = None,
    ) -> list[dict[str, Any]]:
        """Record ``(customer_id, accept|reject)`` decisions on a plan's moves.

        Raises
        ------
        NotFoundError
            For a customer the plan does not move (or a scoped caller does not see): nothing
            is recorded then.
        ConflictError
            When the plan is past review.
        """
        self._reviewable(job)
        table = self.moves_table(job, scope).set_index("customer_id")
        for customer_id, decision in items:
            if customer_id not in table.index:
                raise NotFoundError("move of customer", customer_id)
            if decision not in (ACCEPT, REJECT):
                raise InvalidParameterError("decision", f"{decision!r}: accept or reject")
        return self._record(job, principal, table, items)

    def decide_branch(
        self,
        job: Job,
        principal: Principal,
        branch_id: str,
        decision: str,
        scope: BranchScope | None = None,
    ) -> list[dict[str, Any]]:
        """Decide every move of a branch's subtree at once (those in the caller's scope)."""
        self._reviewable(job)
        page = self.moves(job, scope=scope, branch_id=branch_id, limit=10**9)
        items = [(m["customer_id"], decision) for m in page.items]
        if scope is not None and branch_id not in scope.branches:
            raise NotFoundError("branch", branch_id)
        return self.decide(job, principal, items, scope)

    def _record(
        self,
        job: Job,
        principal: Principal,
        table: pd.DataFrame,
        items: Iterable[tuple[str, str]],
    ) -> list[dict[str, Any]]:
        out = []
        now = utcnow()
        with self.db.writing() as s:
            for customer_id, decision in dict(items).items():
                move = table.loc[customer_id]
                s.execute(
                    delete(MoveDecision).where(
                        MoveDecision.job_id == job.id, MoveDecision.customer_id == customer_id
                    )
                )
                s.add(
                    MoveDecision(
                        job_id=job.id,
                        customer_id=customer_id,
                        decision=decision,
                        rm_id=str(move["to_rm_id"]) or None,
                        decided_by=principal.key_id,
                        decided_at=now,
                    )
                )
                self.audit.record(
                    principal.key_id,
                    f"move.{decision}",
                    "move",
                    customer_id,
                    branch_id=str(move["branch_id"]) or None,
                    detail={
                        "job_id": job.id,
                        "from_rm_id": str(move["from_rm_id"]),
                        "to_rm_id": str(move["to_rm_id"]),
                    },
                    session=s,
                )
                out.append(
                    {
                        "customer_id": customer_id,
                        "decision": decision,
                        "from_rm_id": str(move["from_rm_id"]),
                        "to_rm_id": str(move["to_rm_id"]),
                        "decided_by": principal.key_id,
                        "decided_at": now,
                    }
                )
        return out

    # -- re-solve ------------------------------------------------------------------------------
    def _chain(self, job: Job) -> list[Job]:
        """The plan and the plans it was re-solved from, oldest first."""
        chain = [job]
        seen = {job.id}
        while True:
            with self.db.reading() as s:
                record = s.get(PlanState, chain[-1].id)
            parent = record.parent_job_id if record is not None else None
            if parent is None or parent in seen:
                return chain[::-1]
            seen.add(parent)
            chain.append(self.plans.require_job(parent))

    def baseline_dataset(self, dataset_id: str) -> str:
        """The bank whose book a re-solve's plan is measured against (re-solves derive banks
        whose "today" is pinned; their baseline is the bank they were derived from)."""
        ds = self.datasets.require(dataset_id)
        derivation = ds.derivation or {}
        if derivation.get("kind") == "resolve":
            return str(derivation["baseline_dataset_id"])
        return dataset_id

    def resolve(self, job: Job, principal: Principal, *, max_queued: int) -> Job:
        """Queue a re-solve of ``job``'s bank honouring the decisions on it (and on the plans
        it came from; later decisions win): a new draft linked to ``job``.

        Raises
        ------
        ConflictError
            When the plan is past review, or no move was decided.
        allocator.errors.InputError
            When the pinned moves conflict with each other (422 naming the rows).
        """
        self._reviewable(job)
        accepted: dict[str, dict[str, str]] = {}
        rejected: dict[str, str] = {}
        for plan_job in self._chain(job):
            table = self.moves_table(plan_job).set_index("customer_id")
            for customer_id, d in self.decisions(plan_job.id).items():
                if customer_id not in table.index:
                    continue
                move = table.loc[customer_id]
                accepted.pop(customer_id, None)
                rejected.pop(customer_id, None)
                if d.decision == ACCEPT:
                    accepted[customer_id] = {
                        k: str(move[k])
                        for k in ("to_rm_id", "from_rm_id", "status", "reason", "reason_code")
                    }
                else:
                    rejected[customer_id] = str(move["to_rm_id"])
        if not accepted and not rejected:
            raise ConflictError(f"no move of plan {job.id} is decided yet: nothing to honour")
        request = JobParams.from_json(job.params)
        policy = self.policies.load(request.policy)
        baseline_id = self.baseline_dataset(self.plans.dataset_of(job))
        baseline = self.datasets.load_instance(baseline_id, policy)
        derived = derive(
            baseline, policy, {c: m["to_rm_id"] for c, m in accepted.items()}, rejected
        )
        ds = self.datasets.save_instance(
            derived.instance,
            name=f"review of {job.id}",
            parent_id=self.plans.dataset_of(job),
            derivation={
                "kind": "resolve",
                "job_id": job.id,
                "baseline_dataset_id": baseline_id,
                "accepted": len(accepted),
                "rejected": len(rejected),
                "unlocked": derived.unlocked,
            },
            created_by=principal.key_id,
        )
        review = {
            "source_job_id": job.id,
            "accepted": accepted,
            "rejected": rejected,
            "unlocked": derived.unlocked,
        }
        params = JobParams(request.params, policy=request.policy, review=review)
        new = self.jobs.submit(
            params, dataset_id=ds.id, max_queued=max_queued, created_by=principal.key_id
        )
        self.lifecycle.create_draft(new.id, ds.id, parent_job_id=job.id)
        self.audit.record(
            principal.key_id,
            "plan.resolve",
            "plan",
            new.id,
            detail={
                "from_job_id": job.id,
                "dataset_id": ds.id,
                "accepted": len(accepted),
                "rejected": len(rejected),
            },
        )
        return new
