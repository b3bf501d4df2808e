"""The service layer: one service per resource, over one database.

Routers (the views), the worker, the supervisor and the command line all reach the database
through these, never through SQL of their own, so every rule about a resource -- a job changes
state only while its worker owns it, the last admin key stays, a dataset never changes -- is
written once. Services raise the typed errors of :mod:`api.services.errors`; the HTTP mapping
is :func:`api.errors.install`.

========================  ===========================================================
:mod:`.session`           the engine's read and write sessions (one short transaction a call)
:mod:`.base`              what every service shares: the database, a record read by its id
:mod:`.datasets`          stored banks, and their instances
:mod:`.jobs`              the queue: submit, claim, heartbeat, progress, finish, release, reap,
                          cancel
:mod:`.params`            a job's typed solve parameters and their JSON
:mod:`.plans`             stored plan tables, and plans rebuilt from them (cached)
:mod:`.policies`          job policies, parsed once per process
:mod:`.keys`              API keys
:mod:`.workers`           worker heartbeats
:mod:`.audit`             the append-only audit log
:mod:`.lifecycle`         plan lifecycle (draft .. superseded) and the RM history
:mod:`.reviews`           a plan's moves, decisions on them, re-solves honouring them
========================  ===========================================================
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from api.services.audit import AuditService
from api.services.datasets import DatasetService
from api.services.jobs import JobService
from api.services.keys import KeyService
from api.services.lifecycle import LifecycleService
from api.services.plans import PlanService
from api.services.policies import PolicyCache
from api.services.reviews import ReviewService
from api.services.session import Database
from api.services.workers import WorkerService


@dataclass(frozen=True)
class Services:
    """Every service of one process, sharing one engine and the process's caches.

    Built once per process (:meth:`from_engine`): the web app keeps it in its state and hands
    each router what it needs (:mod:`api.deps`); a worker, the supervisor and the command line
    build their own.
    """

    db: Database
    datasets: DatasetService
    jobs: JobService
    plans: PlanService
    keys: KeyService
    workers: WorkerService
    policies: PolicyCache
    audit: AuditService
    lifecycle: LifecycleService
    reviews: ReviewService

    @classmethod
    def from_engine(cls, engine: Engine) -> Services:
        """The services over ``engine`` (whose schema must be at head)."""
        db = Database(engine)
        datasets = DatasetService(db)
        policies = PolicyCache()
        jobs = JobService(db)
        plans = PlanService(db, datasets, policies)
        audit = AuditService(db)
        lifecycle = LifecycleService(db, datasets, plans, audit)
        return cls(
            db=db,
            datasets=datasets,
            jobs=jobs,
            plans=plans,
            keys=KeyService(db),
            workers=WorkerService(db),
            policies=policies,
            audit=audit,
            lifecycle=lifecycle,
            reviews=ReviewService(db, datasets, plans, jobs, lifecycle, policies, audit),
        )

    @property
    def engine(self) -> Engine:
        return self.db.engine


__all__ = [
    "AuditService",
    "DatasetService",
    "JobService",
    "KeyService",
    "LifecycleService",
    "PlanService",
    "PolicyCache",
    "ReviewService",
    "Services",
    "WorkerService",
]
