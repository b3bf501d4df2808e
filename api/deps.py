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
from typing import Annotated, TypeVar

from fastapi import Depends, Query, Request
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

S = TypeVar("S")


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
def _service(pick: Callable[[Services], S]) -> Callable[[Services], S]:
    """A dependency handing a router one service of the process's :class:`Services`.

    A router then names the service it needs (``jobs: JobsDep``) rather than all of them, which
    keeps its signature an honest list of what it touches.
    """

    def dependency(services: ServicesDep) -> S:
        return pick(services)

    return dependency


DatasetsDep = Annotated[DatasetService, Depends(_service(lambda s: s.datasets))]
AuditDep = Annotated[AuditService, Depends(_service(lambda s: s.audit))]
LifecycleDep = Annotated[LifecycleService, Depends(_service(lambda s: s.lifecycle))]
ReviewsDep = Annotated[ReviewService, Depends(_service(lambda s: s.reviews))]
JobsDep = Annotated[JobService, Depends(_service(lambda s: s.jobs))]
PlansDep = Annotated[PlanService, Depends(_service(lambda s: s.plans))]
KeysDep = Annotated[KeyService, Depends(_service(lambda s: s.keys))]
WorkersDep = Annotated[WorkerService, Depends(_service(lambda s: s.workers))]
PoliciesDep = Annotated[PolicyCache, Depends(_service(lambda s: s.policies))]


# -- query parameters the routers share ----------------------------------------------------------
# One definition each, so that every paged list bounds its page the same way and the OpenAPI
# document states the same limits everywhere.
#: where a page starts
Offset = Annotated[int, Query(ge=0, le=10**9)]
#: a page of stored records (datasets, jobs, audit entries)
RecordLimit = Annotated[int, Query(ge=1, le=1000)]
#: a page of a plan's rows (RMs, moves)
RowLimit = Annotated[int, Query(ge=1, le=10_000)]
#: an optional filter by one of the bank's ids (customer, RM, branch: the bank's own, up to 200)
BankIdFilter = Annotated[str | None, Query(max_length=200)]


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
