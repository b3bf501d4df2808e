"""API keys: made, checked and revoked; only the SHA-256 of a secret is ever stored.

The key format and the hashing are in :mod:`api.auth` (they need no database); this service keeps
the records. A key is checked on every request, so :meth:`KeyService.authenticate` is one primary
key read and a constant-time comparison, and revoking takes effect on the next request (nothing
is cached).
"""

from __future__ import annotations

import hmac

from sqlalchemy import func, select

from api.auth import NewKey, Principal, Role, generate_key, hash_secret, key_from_token, split_token
from api.models import ApiKey, utcnow
from api.services.base import RecordService
from api.services.errors import InvalidParameterError, LastAdminKeyError, NotFoundError

#: compared against when a key id is unknown, so unknown ids and wrong secrets take equal time
_NO_HASH = "0" * 64


class KeyService(RecordService[ApiKey]):
    """Store and check API keys (over the database it is given, see :class:`Service`)."""

    model, noun = ApiKey, "key"

    def add(
        self,
        key_id: str,
        secret_sha256: str,
        role: str,
        name: str | None,
        branch_id: str | None = None,
    ) -> ApiKey:
        """Store a key's record (its hash, never its secret)."""
        key = ApiKey(
            id=key_id,
            secret_sha256=secret_sha256,
            role=role,
            name=name,
            created_at=utcnow(),
            branch_id=branch_id,
        )
        with self.db.writing() as s:
            s.add(key)
        return key

    def create(
        self, role: Role | str, name: str | None = None, branch_id: str | None = None
    ) -> NewKey:
        """Make a key, store its hash, and return it: the only time its token exists.

        Parameters
        ----------
        role
            What the key may do.
        name
            The person (or system) it is for: two keys of one name are one person to the
            four-eyes rule.
        branch_id
            Scope the key to this branch's subtree (``None``: the whole bank). An admin key
            manages keys for everyone and cannot be scoped.

        Raises
        ------
        InvalidParameterError
            For a scoped admin key.
        """
        if branch_id is not None and Role(role) is Role.admin:
            raise InvalidParameterError("branch_id", "an admin key cannot be scoped to a branch")
        new = generate_key()
        self.add(new.key_id, new.secret_sha256, Role(role).value, name, branch_id)
        return new

    def install(self, token: str, role: Role | str, name: str | None = None) -> NewKey | None:
        """Store a key an operator chose (``RMALLOC_BOOTSTRAP_KEY``); ``None`` when a key with
        its id is stored already (a restart installs nothing twice)."""
        new = key_from_token(token)
        if self.get(new.key_id) is not None:
            return None
        self.add(new.key_id, new.secret_sha256, Role(role).value, name)
        return new

    def all(self) -> list[ApiKey]:
        """Every key, oldest first (revoked ones too: an audit wants them)."""
        with self.db.reading() as s:
            return list(s.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)))

    def count_active(self, role: Role | str | None = None) -> int:
        """Keys not revoked, of ``role`` when given."""
        with self.db.reading() as s:
            q = select(func.count()).select_from(ApiKey).where(ApiKey.revoked_at.is_(None))
            if role is not None:
                q = q.where(ApiKey.role == Role(role).value)
            return int(s.scalar(q) or 0)

    def revoke(self, key_id: str, *, keep_an_admin: bool = True) -> ApiKey:
        """Revoke a key (revoking a revoked key changes nothing).

        Parameters
        ----------
        key_id
            The key's public id.
        keep_an_admin
            Refuse to revoke the last active admin key: over HTTP nobody could manage keys
            afterwards. The command line, run by an operator on the machine, may.

        Raises
        ------
        NotFoundError
            When there is no such key.
        LastAdminKeyError
            When ``keep_an_admin`` and this is the last active admin key.
        """
        with self.db.writing() as s:
            key = s.get(ApiKey, key_id)
            if key is None:
                raise NotFoundError("key", key_id)
            if key.revoked_at is not None:
                return key
            if keep_an_admin and key.role == Role.admin.value:
                admins = s.scalar(
                    select(func.count())
                    .select_from(ApiKey)
                    .where(ApiKey.revoked_at.is_(None), ApiKey.role == Role.admin.value)
                )
                if int(admins or 0) <= 1:
                    raise LastAdminKeyError()
            key.revoked_at = utcnow()
        return key

    def authenticate(self, token: str) -> Principal | None:
        """The principal a presented key stands for, or ``None`` (unknown, wrong or revoked)."""
        key_id, secret = split_token(token)
        key = self.get(key_id)
        presented = hash_secret(secret)
        if key is None:
            hmac.compare_digest(presented, _NO_HASH)
            return None
        if not hmac.compare_digest(presented, key.secret_sha256) or key.revoked_at is not None:
            return None
        return Principal(key.id, Role(key.role), key.name, key.branch_id)
