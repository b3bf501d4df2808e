"""The application factory: ``api.app:create_app(settings=None)``.

Building the app migrates the database to head (so any way of serving it -- ``rmalloc serve``,
``uvicorn --factory api.app:create_app``, a test client -- meets the schema it expects), builds the
services once (:class:`api.services.Services`: they hold the engine and the process's caches) and
wires the routers, the one error mapping, the size limit, the access log and the metrics. The
app's state holds ``settings``, ``services`` and ``metrics``; routers reach them only through
:mod:`api.deps`. While the app runs, a light reaper re-queues or fails jobs whose worker died,
even when no worker is left to do it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.utils import get_openapi

from api import db, errors
from api.metrics import Metrics
from api.middleware import AccessLogMiddleware, BodyLimitMiddleware
from api.routers import (
    audit,
    books,
    compare,
    customers,
    datasets,
    docs,
    health,
    jobs,
    keys,
    plans,
    recommendations,
    scenarios,
    ui,
    workforce,
)
from api.schemas import DatasetCreate, ProblemDetail
from api.services import Services
from api.settings import Settings

log = logging.getLogger(__name__)

DESCRIPTION = """Allocate a bank's customers to relationship managers, over HTTP.

Every `/v1` call needs `Authorization: Bearer <API key>`. Roles: **viewer** reads, **planner**
also uploads datasets and runs jobs, **admin** also manages keys. Errors are RFC 9457
`application/problem+json` documents naming the field, or the file, row and column, at fault.
"""


async def _reap_forever(services: Services, settings: Settings) -> None:
    period = max(settings.stale_seconds / 2, 0.5)
    while True:
        await asyncio.sleep(period)
        try:
            reaped = await run_in_threadpool(
                services.jobs.reap,
                stale_seconds=settings.stale_seconds,
                max_attempts=settings.max_attempts,
            )
            for r in reaped:
                log.warning("lost job handled", extra={"job_id": r.job_id, "action": r.action})
            for job_id in await run_in_threadpool(services.lifecycle.activate_due):
                log.info("plan effective", extra={"job_id": job_id})
        except Exception as exc:  # keep reaping: the database may come back
            log.warning("reaper failed", extra={"error_type": type(exc).__name__})


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service.

    Parameters
    ----------
    settings
        The settings; from the environment (``RMALLOC_*``, ``DATABASE_URL``) when ``None``.
    """
    settings = settings or Settings()
    engine = db.make_engine(settings.database_url)
    db.migrate(engine)
    services = Services.from_engine(engine)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        reaper = asyncio.create_task(_reap_forever(services, settings))
        try:
            yield
        finally:
            reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reaper
            engine.dispose()

    app = FastAPI(
        title="rm-allocator",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.services = services
    app.state.metrics = Metrics(services.jobs, services.workers)

    routers = (health, datasets, jobs, plans, books, customers, compare, audit)
    for module in (*routers, recommendations, scenarios, keys):
        app.include_router(module.router)
    app.include_router(docs.router)  # /docs from local assets (no internet needed)
    app.include_router(ui.router)  # the web page: GET / and /ui (api/static)
    app.include_router(workforce.router)  # /v1/headcount, /v1/sweeps and the HR screen /hr
    errors.install(app, retry_after_seconds=settings.retry_after_seconds)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_upload_bytes)
    app.add_middleware(AccessLogMiddleware, metrics=app.state.metrics)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, with the schemas routes name only by ``$ref`` (the JSON body of a
    dataset upload, problem documents) added to the components."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (DatasetCreate, ProblemDetail):
        definition = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in definition.pop("$defs", {}).items():
            components.setdefault(name, sub)
        components.setdefault(model.__name__, definition)
    # every 422 is a problem document (errors.install), not FastAPI's default body
    problem_422 = {
        "description": "Invalid request or input (every issue listed).",
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}
        },
    }
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            responses = operation.get("responses", {})
            if "422" in responses:
                responses["422"] = problem_422
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    app.openapi_schema = schema
    return schema
