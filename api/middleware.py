"""ASGI middleware: the request-size limit, and the request log and metrics.

Both are plain ASGI (not ``BaseHTTPMiddleware``) so that uploads stream through them.
"""

from __future__ import annotations

import logging
import time
import uuid

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem_response
from api.metrics import Metrics

log = logging.getLogger("api.access")


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` once a body passes the limit (an HTTPException, so FastAPI's body
    parsing re-raises it as is and the one handler in :mod:`api.errors` answers 413)."""

    def __init__(self, limit: int):
        super().__init__(413, f"request body above {limit} bytes")


class HttpMiddleware:
    """Plain ASGI middleware that sees HTTP requests only: anything else (the lifespan
    messages) passes through untouched.

    Parameters
    ----------
    app
        The application it wraps.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one HTTP request (through ``self.app``)."""
        raise NotImplementedError


class BodyLimitMiddleware(HttpMiddleware):
    """Refuse request bodies above ``max_bytes`` (413): at once when ``Content-Length`` says so,
    else as soon as the streamed body passes the limit (chunked uploads)."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        super().__init__(app)
        self.max_bytes = max_bytes

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.max_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, receive, send, declared)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send, None)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, size: int | None) -> None:
        detail = f"the limit is {self.max_bytes} bytes"
        if size is not None:
            detail = f"{size} bytes sent; {detail}"
        response = problem_response(
            Request(scope),
            status=413,
            slug="payload-too-large",
            title="Request body too large",
            detail=detail,
            extra={"limit_bytes": self.max_bytes},
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


class AccessLogMiddleware(HttpMiddleware):
    """One JSON log line and one metrics observation per request, by route *template* (never
    the raw path: ``/v1/jobs/{job_id}/customers/{customer_id}`` holds a customer id); a request
    id (``X-Request-ID``, made up when absent) ties the log lines of one request together."""

    def __init__(self, app: ASGIApp, metrics: Metrics):
        super().__init__(app)
        self.metrics = metrics

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        request_id = _header(scope, b"x-request-id") or uuid.uuid4().hex
        if len(request_id) > 64 or not request_id.isprintable():
            request_id = uuid.uuid4().hex
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "(unmatched)"
            method = scope.get("method", "")
            self.metrics.observe(method, template, status, started)
            if template not in ("/healthz", "/readyz", "/metrics"):
                principal = getattr(scope.get("state", {}).get("principal"), "key_id", None)
                log.info(
                    "request",
                    extra={
                        "request_id": request_id,
                        "method": method,
                        "route": template,
                        "status": status,
                        "ms": round((time.perf_counter() - started) * 1000, 1),
                        "key_id": principal,
                    },
                )


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None
