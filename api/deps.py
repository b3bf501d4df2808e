"""Typed request dependencies: what a router may ask for, and the checks on the caller.

A router declares what it needs as an annotated parameter (``jobs: JobsDep``, ``_: Viewer``) and
never reaches into ``request.app.state`` itself. That keeps the routers thin and testable (a test
may override any dependency with ``app.dependency_overrides``), and keeps in one file how the app's
state is laid out (:func:`api.app.create_app` fills it: ``settings``, ``services``, ``metrics``).

Roles: ``Viewer``, ``Planner``, ``Approver`` and ``Admin`` admit keys of that role or higher,
answering 401 without a valid key (``WWW-Authenticate: Bearer``) and 403 for a role too low.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.auth import Principal, Role
from api.errors import Forbidden, Unauthorized
from api.metrics import Metrics
from api.services import (
    AuditService,
    DatasetService,
    JobService,
    KeyService,
    LifecycleService,
    PlanService,
    PolicyCache,
    ReviewService,
    Services,
    WorkerService,
)
from api.settings import Settings


# -- the app's state -----------------------------------------------------------------------------
def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


def get_metrics(request: Request) -> Metrics:
    return request.app.state.metrics  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]
ServicesDep = Annotated[Services, Depends(get_services)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]


# -- one service per resource --------------------------------------------------------------------
def get_datasets(services: ServicesDep) -> DatasetService:
    return services.datasets


def get_jobs(services: ServicesDep) -> JobService:
    return services.jobs


def get_plans(services: ServicesDep) -> PlanService:
    return services.plans


def get_keys(services: ServicesDep) -> KeyService:
    return services.keys


def get_workers(services: ServicesDep) -> WorkerService:
    return services.workers


def get_policies(services: ServicesDep) -> PolicyCache:
    return services.policies


def get_audit(services: ServicesDep) -> AuditService:
    return services.audit


def get_lifecycle(services: ServicesDep) -> LifecycleService:
    return services.lifecycle


def get_reviews(services: ServicesDep) -> ReviewService:
    return services.reviews


DatasetsDep = Annotated[DatasetService, Depends(get_datasets)]
AuditDep = Annotated[AuditService, Depends(get_audit)]
LifecycleDep = Annotated[LifecycleService, Depends(get_lifecycle)]
ReviewsDep = Annotated[ReviewService, Depends(get_reviews)]
JobsDep = Annotated[JobService, Depends(get_jobs)]
PlansDep = Annotated[PlanService, Depends(get_plans)]
KeysDep = Annotated[KeyService, Depends(get_keys)]
WorkersDep = Annotated[WorkerService, Depends(get_workers)]
PoliciesDep = Annotated[PolicyCache, Depends(get_policies)]


# -- the caller ------------------------------------------------------------------------------------
_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer rma_...`")


def current_key(
    request: Request,
    keys: KeysDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The key the request presents (401 without a valid one).

    The principal is also left on ``request.state`` for the access log, which names the key of
    every request it logs.
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("send an API key as 'Authorization: Bearer <key>'")
    principal = keys.authenticate(credentials.credentials)
    if principal is None:
        raise Unauthorized("unknown or revoked API key")
    request.state.principal = principal
    return principal


CurrentKey = Annotated[Principal, Depends(current_key)]


def require(minimum: Role) -> Callable[[Principal], Principal]:
    """A dependency admitting keys of role ``minimum`` or higher (403 for a role too low)."""

    def dependency(principal: CurrentKey) -> Principal:
        if principal.role.rank < minimum.rank:
            raise Forbidden(f"this needs role {minimum.value}; the key has {principal.role.value}")
        return principal

    return dependency


Viewer = Annotated[Principal, Depends(require(Role.viewer))]
Planner = Annotated[Principal, Depends(require(Role.planner))]
Approver = Annotated[Principal, Depends(require(Role.approver))]
Admin = Annotated[Principal, Depends(require(Role.admin))]
