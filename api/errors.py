"""Every failure the API reports, as RFC 9457 ``application/problem+json``, mapped in ONE place.

Routers raise typed errors (:class:`ApiError` subclasses here for what is wrong with a request),
the services raise their domain errors (:mod:`api.services.errors`: no such record, a state
conflict, a full queue, a bad solve parameter) and the library its own
(:class:`~allocator.errors.InputError`, :class:`~allocator.errors.PolicyError`); :func:`install`
turns each into a problem document, so no service needs to know HTTP. A problem names what is
wrong precisely (the field of a request, or the file, row and column of an upload) so a client
can fix it without guessing.

Problem bodies go to the client who sent the data; the logs get only the problem type and status,
never the values (they may be customer data).
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from allocator.errors import InputError, PlanBreachError, PolicyError
from api.ingest import is_limit_error
from api.sandbox import SandboxError
from api.services.errors import (
    ConflictError,
    ForbiddenError,
    InvalidParameterError,
    NotFoundError,
    QueueFullError,
    ServiceError,
)
from api.uploads import UploadRefused

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
#: most input issues listed in one response (the count says how many there were)
MAX_ISSUES = 1000


def problem_type(slug: str) -> str:
    """The ``type`` URI of a problem (a URN: stable, and never fetched)."""
    return f"urn:rmalloc:problem:{slug}"


def problem(
    slug: str, title: str, status: int, detail: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A problem document as plain data: what a response sends, and what a failed job stores as
    its ``error`` (a worker has no request to answer; the client reads it from the job later).

    Parameters
    ----------
    slug, title, status
        The problem's type (see :func:`problem_type`), its summary and its HTTP status.
    detail
        This occurrence in words (left out when empty).
    **extra
        Extension members (``field``, ``issues``, ``backend`` ...).
    """
    body: dict[str, Any] = {"type": problem_type(slug), "title": title, "status": status}
    if detail:
        body["detail"] = detail
    return {**body, **extra}


class ApiError(Exception):
    """An error the API answers with a problem document.

    Parameters
    ----------
    detail
        Human-readable explanation of this occurrence.
    extra
        Extension members of the problem (``field``, ``issues`` ...).
    headers
        Response headers (``Retry-After``, ``WWW-Authenticate`` ...).
    """

    status: int = 500
    slug: str = "internal"
    title: str = "Internal error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ):
        self.detail = detail
        self.extra = extra or {}
        self.headers = headers or {}
        super().__init__(detail or self.title)


class BadRequest(ApiError):
    status, slug, title = 400, "bad-request", "Bad request"


class Unauthorized(ApiError):
    status, slug, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str | None = None):
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(ApiError):
    status, slug, title = 403, "forbidden", "Role too low"


class NotFound(ApiError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(ApiError):
    status, slug, title = 409, "conflict", "Conflict with the resource's state"


class PayloadTooLarge(ApiError):
    status, slug, title = 413, "payload-too-large", "Request body too large"


class UnsupportedMediaType(ApiError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class Unprocessable(ApiError):
    """The request is well-formed but names something wrong (an unknown dataset, a bad value)."""

    status, slug, title = 422, "invalid-request", "Invalid request"

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any):
        super().__init__(detail, extra={"field": field, **extra} if field else extra)


class QueueFull(ApiError):
    status, slug, title = 429, "queue-full", "Too many queued jobs"


class NotImplementedYet(ApiError):
    status, slug, title = 501, "not-implemented", "Not implemented"


class Unavailable(ApiError):
    status, slug, title = 503, "unavailable", "Service unavailable"


def problem_response(
    request: Request | None,
    *,
    status: int,
    slug: str,
    title: str,
    detail: str | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response (also used by middleware that runs outside the routers)."""
    body = problem(slug, title, status, detail)
    if request is not None:
        body["instance"] = request.url.path
    body.update(extra or {})
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def input_error_extra(exc: InputError) -> dict[str, Any]:
    """The ``issues`` of an input error, at most :data:`MAX_ISSUES` of them, and their count."""
    return {
        "issues": [issue.to_dict() for issue in exc.issues[:MAX_ISSUES]],
        "issue_count": len(exc.issues),
    }


def input_error_problem(exc: InputError) -> dict[str, Any]:
    """An input error as a problem document (workers store it as a failed job's ``error``)."""
    return problem(
        "invalid-input",
        "The input breaks the data contract",
        422,
        f"{len(exc.issues)} problem(s) in the input",
        **input_error_extra(exc),
    )


def policy_error_problem(exc: PolicyError) -> dict[str, Any]:
    return problem("invalid-policy", "Invalid policy", 422, str(exc), field="policy")


def plan_breach_problem(exc: PlanBreachError) -> dict[str, Any]:
    """A plan that broke a hard rule, as a failed job's ``error``.

    A breach is a defect of a backend, not of the caller's data, hence a 500 of its own type (a
    client may retry with another backend). The detail names the backend and the rules with
    their counts; the checker's report (``exc.details``) is left out: it names customers and
    RMs, and this document is stored and shown to every viewer.
    """
    return problem(
        "plan-breach",
        "The plan broke a hard rule",
        500,
        str(exc),
        backend=exc.backend,
        rules=dict(exc.rules),
    )


#: the services' errors as (status, slug, title); none of these classes derives from another
_SERVICE_ERRORS: dict[type[ServiceError], tuple[int, str, str]] = {
    NotFoundError: (NotFound.status, NotFound.slug, NotFound.title),
    ConflictError: (Conflict.status, Conflict.slug, Conflict.title),
    QueueFullError: (QueueFull.status, QueueFull.slug, QueueFull.title),
    InvalidParameterError: (Unprocessable.status, Unprocessable.slug, Unprocessable.title),
    ForbiddenError: (403, "forbidden", "Not allowed"),
}


def _field_of(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


def _validation_response(request: Request, raw: list[Any]) -> JSONResponse:
    """A malformed request's problem: one entry per invalid field."""
    errors = [
        {
            "field": _field_of(err.get("loc", ())),
            "message": err.get("msg", ""),
            "type": err.get("type", ""),
        }
        for err in raw
    ]
    fields = ", ".join(e["field"] for e in errors[:5])
    return problem_response(
        request,
        status=422,
        slug="invalid-request",
        title="Invalid request",
        detail=f"{len(errors)} invalid field(s): {fields}",
        extra={"errors": errors},
    )


def install(app: FastAPI, *, retry_after_seconds: int = 10) -> None:
    """Register the one mapping from exceptions to problem documents.

    Parameters
    ----------
    app
        The application.
    retry_after_seconds
        ``Retry-After`` of a 429 (the queue was full).
    """

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return problem_response(
            request,
            status=exc.status,
            slug=exc.slug,
            title=exc.title,
            detail=exc.detail,
            extra=exc.extra,
            headers=exc.headers,
        )

    @app.exception_handler(InputError)
    async def _input_error(request: Request, exc: InputError) -> JSONResponse:
        body = input_error_problem(exc)
        too_large = is_limit_error(exc)
        log.info("input rejected", extra={"issue_count": len(exc.issues), "limit": too_large})
        return problem_response(
            request,
            status=413 if too_large else 422,
            slug="input-too-large" if too_large else "invalid-input",
            title="The input passes a size limit" if too_large else body["title"],
            detail=body["detail"],
            extra=input_error_extra(exc),
        )

    @app.exception_handler(SandboxError)
    async def _sandbox_error(request: Request, exc: SandboxError) -> JSONResponse:
        log.warning("upload parse stopped", extra={"reason": exc.reason})
        what = {
            "timeout": "reading the upload took longer than the limit",
            "memory": "reading the upload needs more memory than the limit",
        }.get(exc.reason, "reading the upload stopped the parser (memory limit?)")
        return problem_response(
            request,
            status=413,
            slug="input-too-large",
            title="The input passes a size limit",
            detail=f"{what}: {exc}. Split the file, or ask the operator to raise "
            "RMALLOC_PARSE_SECONDS / RMALLOC_PARSE_MEMORY_BYTES.",
            extra={"limit": exc.reason, "limit_value": exc.limit},
        )

    @app.exception_handler(UploadRefused)
    async def _upload_refused(request: Request, exc: UploadRefused) -> JSONResponse:
        refusal = exc.refusal
        if refusal.kind == "request":
            return _validation_response(request, refusal.errors)
        if refusal.kind == "policy":
            return problem_response(
                request,
                status=422,
                slug="invalid-policy",
                title="Invalid policy",
                detail=refusal.detail,
                extra={"field": "policy"},
            )
        status = 413 if refusal.limit_hit else 422
        return problem_response(
            request,
            status=status,
            slug="input-too-large" if refusal.limit_hit else "invalid-request",
            title="The input passes a size limit" if refusal.limit_hit else "Invalid request",
            detail=refusal.detail,
            extra={"field": refusal.field_name},
        )

    @app.exception_handler(PolicyError)
    async def _policy_error(request: Request, exc: PolicyError) -> JSONResponse:
        return problem_response(
            request,
            status=422,
            slug="invalid-policy",
            title="Invalid policy",
            detail=str(exc),
            extra={"field": "policy"},
        )

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> JSONResponse:
        status, slug, title = next(
            (answer for kind, answer in _SERVICE_ERRORS.items() if isinstance(exc, kind)),
            (500, "internal", "Internal error"),
        )
        extra: dict[str, Any] = {}
        headers: dict[str, str] = {}
        if isinstance(exc, InvalidParameterError):
            extra["field"] = exc.field
        if isinstance(exc, QueueFullError):
            headers["Retry-After"] = str(retry_after_seconds)
        return problem_response(
            request,
            status=status,
            slug=slug,
            title=title,
            detail=exc.detail,
            extra=extra,
            headers=headers or None,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _validation_response(request, list(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug = {
            400: "bad-request",
            404: "not-found",
            405: "method-not-allowed",
            413: "payload-too-large",
        }.get(exc.status_code, f"http-{exc.status_code}")
        return problem_response(
            request,
            status=exc.status_code,
            slug=slug,
            title=str(exc.detail) if exc.status_code != 413 else "Request body too large",
            headers=dict(exc.headers or {}),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The message of an unexpected exception may hold data: log the type and the frames only.
        frames = "".join(traceback.format_tb(exc.__traceback__))
        log.error(
            "unhandled error",
            extra={"error_type": type(exc).__name__, "traceback": frames},
        )
        return problem_response(
            request,
            status=500,
            slug="internal",
            title="Internal error",
            detail=f"unexpected {type(exc).__name__}; the service logged it",
        )
