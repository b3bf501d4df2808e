"""One router per resource. Routers are thin: check the caller, parse, call the store or the
library, shape the answer. Errors are raised as typed exceptions (see :mod:`api.errors`)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from api.errors import PROBLEM_JSON
from api.ingest import InstanceCache
from api.plans import PlanCache
from api.schemas import Problem
from api.settings import Settings
from api.store import Store

_DESCRIPTIONS = {
    401: "No valid API key.",
    403: "The key's role is too low.",
    404: "Not found.",
    409: "Conflicts with the resource's state.",
    413: "Request body too large.",
    415: "Unsupported media type.",
    422: "Invalid request or input (every issue listed).",
    429: "Too many queued jobs (see Retry-After).",
    501: "Not implemented in this build.",
    503: "Service not ready.",
}


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for problem documents with these status codes."""
    return {
        code: {
            "model": Problem,
            "description": _DESCRIPTIONS.get(code, "Problem."),
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for code in codes
    }


def store_of(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


def settings_of(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def instances_of(request: Request) -> InstanceCache:
    return request.app.state.instances  # type: ignore[no-any-return]


def plans_of(request: Request) -> PlanCache:
    return request.app.state.plans  # type: ignore[no-any-return]
