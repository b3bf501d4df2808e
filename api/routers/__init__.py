"""One router per resource (the views). Routers are thin: they declare what they need as typed
dependencies (:mod:`api.deps`), parse the request, call a service or the library, and shape the
answer (:mod:`api.views`). Errors are raised as typed exceptions -- a router's own
(:mod:`api.errors`) for a bad request, a service's (:mod:`api.services.errors`) for the rest --
and mapped to problem documents in one place (:func:`api.errors.install`)."""

from __future__ import annotations

from typing import Any

from api.errors import PROBLEM_JSON
from api.schemas import ProblemDetail

_DESCRIPTIONS = {
    400: "Malformed request body (a multipart form that cannot be parsed).",
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
_REF = f"#/components/schemas/{ProblemDetail.__name__}"


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for problem documents with these status codes."""
    return {
        code: {
            "model": ProblemDetail,
            "description": _DESCRIPTIONS.get(code, "Problem."),
            "content": {PROBLEM_JSON: {"schema": {"$ref": _REF}}},
        }
        for code in codes
    }
