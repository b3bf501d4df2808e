"""API keys and roles.

A key reads ``rma_<id>_<secret>``: the id (12 hex digits) is public and names the key in the
database and the logs; the secret (256 random bits) is never stored, only its SHA-256. A fast
hash is enough for a secret of that entropy (no dictionary to guard against); the comparison is
constant-time. Roles are ordered: ``viewer`` (read) < ``planner`` (upload, solve) < ``admin``
(manage keys).
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.errors import Forbidden, Unauthorized
from api.store import Store

KEY_PREFIX = "rma"
_KEY_RE = re.compile(r"^rma_([0-9a-f]{12})_([A-Za-z0-9_\-]{20,})$")


class Role(enum.StrEnum):
    viewer = "viewer"
    planner = "planner"
    admin = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id and role."""

    key_id: str
    role: Role


@dataclass(frozen=True)
class NewKey:
    """A freshly made key: ``token`` is shown to its owner once and never stored."""

    key_id: str
    token: str
    secret_sha256: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def split_token(token: str) -> tuple[str, str]:
    """The (id, secret) of a presented key.

    A key of another shape (an operator's ``RMALLOC_BOOTSTRAP_KEY``) is accepted whole as the
    secret, its id derived from its hash, so any long random string can serve as a key.
    """
    match = _KEY_RE.match(token)
    if match:
        return match.group(1), match.group(2)
    return "x" + hashlib.sha256(token.encode("utf-8")).hexdigest()[:11], token


def generate_key() -> NewKey:
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return NewKey(key_id, f"{KEY_PREFIX}_{key_id}_{secret}", hash_secret(secret))


def key_from_token(token: str) -> NewKey:
    """The stored form of a key an operator chose (``RMALLOC_BOOTSTRAP_KEY``)."""
    key_id, secret = split_token(token)
    return NewKey(key_id, token, hash_secret(secret))


def create_key(store: Store, role: Role | str, name: str | None = None) -> NewKey:
    """Make a key, store its hash, and return it (the only time the token exists)."""
    new = generate_key()
    store.add_key(new.key_id, new.secret_sha256, Role(role).value, name)
    return new


def authenticate(store: Store, token: str) -> Principal | None:
    """The principal a presented key stands for, or ``None`` (unknown, wrong or revoked)."""
    key_id, secret = split_token(token)
    key = store.get_key(key_id)
    presented = hash_secret(secret)
    if key is None:
        # Compare anyway so unknown ids and wrong secrets take the same time.
        hmac.compare_digest(presented, "0" * 64)
        return None
    if not hmac.compare_digest(presented, key.secret_sha256) or key.revoked_at is not None:
        return None
    return Principal(key.id, Role(key.role))


_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer rma_...`")


def require(minimum: Role):
    """A dependency admitting keys of role ``minimum`` or higher (401 without a valid key, 403
    for a role too low)."""

    def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise Unauthorized("send an API key as 'Authorization: Bearer <key>'")
        principal = authenticate(request.app.state.store, credentials.credentials)
        if principal is None:
            raise Unauthorized("unknown or revoked API key")
        if principal.role.rank < minimum.rank:
            raise Forbidden(f"this needs role {minimum.value}; the key has {principal.role.value}")
        request.state.principal = principal
        return principal

    return dependency


Viewer = Annotated[Principal, Depends(require(Role.viewer))]
Planner = Annotated[Principal, Depends(require(Role.planner))]
Admin = Annotated[Principal, Depends(require(Role.admin))]
