"""Liveness, readiness and metrics: no key needed (they reveal no data)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Engine
from starlette.responses import Response

from api import db
from api.deps import MetricsDep, ServicesDep, SettingsDep
from api.models import utcnow
from api.schemas import Health
from api.services.workers import WorkerService
from api.settings import Settings

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="The process is up")
def healthz() -> Health:
    return Health(status="ok")


def readiness(
    engine: Engine, workers: WorkerService, settings: Settings
) -> tuple[bool, dict[str, Any]]:
    """Whether the service can do its work: the database answers, its schema is at the head
    migration, and a worker sent a heartbeat recently (a queue nobody drains is not a
    service)."""
    checks: dict[str, Any] = {}
    try:
        db.ping(engine)
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unreachable ({type(exc).__name__})"
        return False, checks
    try:
        checks["migrations"] = "ok" if db.at_head(engine) else "not at head"
    except Exception as exc:
        checks["migrations"] = f"unknown ({type(exc).__name__})"
    beat = workers.last_heartbeat()
    age = (utcnow() - beat).total_seconds() if beat else None
    fresh = age is not None and age <= settings.worker_seen_seconds
    checks["worker"] = (
        "ok" if fresh else ("none seen" if age is None else f"last heartbeat {age:.0f}s ago")
    )
    checks["worker_heartbeat_age_seconds"] = None if age is None else round(age, 1)
    ok = checks["migrations"] == "ok" and fresh
    return ok, checks


@router.get(
    "/readyz",
    response_model=Health,
    summary="The service can work",
    responses={503: {"model": Health, "description": "Not ready; `checks` says why."}},
)
async def readyz(services: ServicesDep, settings: SettingsDep) -> Any:
    ok, checks = await run_in_threadpool(readiness, services.engine, services.workers, settings)
    body = Health(status="ok" if ok else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def metrics(metrics: MetricsDep) -> Response:
    data = await run_in_threadpool(generate_latest, metrics.registry)
    return Response(data, media_type=CONTENT_TYPE_LATEST)
