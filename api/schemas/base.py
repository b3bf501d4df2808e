"""The two kinds of body the API speaks: requests that refuse what they do not know, and
documents that may carry more than they list.

A request body with an unknown field is a mistake the client should hear about (a 422 naming
the field), not a field silently dropped. A response document may grow members -- a plan's KPIs,
an explanation, RFC 9457 extension members of a problem -- and a client must not break on them.
Stated once here, each body says which kind it is by its base.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RequestBody(BaseModel):
    """A request body: an unknown field is refused (422)."""

    model_config = ConfigDict(extra="forbid")


class OpenDocument(BaseModel):
    """A document whose listed members are the stable ones: any others are kept as they come."""

    model_config = ConfigDict(extra="allow")
