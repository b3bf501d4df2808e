"""API keys and roles: the key format, its hashing, and the order of roles.

A key reads ``rma_<id>_<secret>``: the id (12 hex digits) is public and names the key in the
database and the logs; the secret (256 random bits) is never stored, only its SHA-256. A fast
hash is enough for a secret of that entropy (no dictionary to guard against); the comparison is
constant-time (:meth:`api.services.keys.KeyService.authenticate`). Roles are ordered: ``viewer``
(read) < ``planner`` (upload, solve, propose, decide moves) < ``approver`` (also approve a plan
someone else proposed) < ``admin`` (manage keys). A key may be scoped to a branch: it then sees
and decides only the customers and RMs of that branch's subtree.

Nothing here touches the database or the web framework: the stored records are
:mod:`api.services.keys`, the request dependencies that check a caller are :mod:`api.deps`.
"""

from __future__ import annotations

import enum
import hashlib
import re
import secrets
from dataclasses import dataclass

KEY_PREFIX = "rma"
_KEY_RE = re.compile(r"^rma_([0-9a-f]{12})_([A-Za-z0-9_\-]{20,})$")


# What a key may do; each role may do everything the ones before it may. (No docstring: it
# would become the role's description in the OpenAPI document.)
class Role(enum.StrEnum):
    viewer = "viewer"
    planner = "planner"
    approver = "approver"
    admin = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id, role, name (the person, for four eyes) and the branch it
    is scoped to (``None``: the whole bank)."""

    key_id: str
    role: Role
    name: str | None = None
    branch_id: str | None = None

    def same_person(self, key_id: str | None, name: str | None) -> bool:
        """Whether the key ``key_id`` (named ``name``) belongs to this caller: the same key, or
        two keys carrying the same person's name."""
        if key_id == self.key_id:
            return True
        return bool(name and self.name and name.strip().lower() == self.name.strip().lower())


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
