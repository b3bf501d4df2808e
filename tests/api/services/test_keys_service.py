"""KeyService against SQLite and PostgreSQL: made, checked, installed and revoked keys."""

from __future__ import annotations

import pytest

from api.auth import Role, hash_secret
from api.services import Services
from api.services.errors import LastAdminKeyError, NotFoundError


def test_create_and_authenticate(services: Services) -> None:
    keys = services.keys
    new = keys.create(Role.planner, "batch")
    record = keys.get(new.key_id)
    assert record is not None and record.role == "planner" and record.name == "batch"
    assert record.secret_sha256 == hash_secret(new.token.split("_", 2)[2])
    assert keys.authenticate(new.token).role is Role.planner  # type: ignore[union-attr]
    assert keys.authenticate(new.token + "x") is None
    assert keys.authenticate("rma_000000000000_" + "a" * 43) is None


def test_counts_list_and_revoke(services: Services) -> None:
    keys = services.keys
    keys.add("k1", "a" * 64, "admin", "ops")
    keys.add("k2", "b" * 64, "viewer", None)
    assert keys.count_active() == 2 and keys.count_active("admin") == 1
    assert keys.revoke("k2").revoked_at is not None
    assert keys.revoke("k2").revoked_at is not None  # again: no change, no error
    assert keys.count_active() == 1
    assert [k.id for k in keys.all()] == ["k1", "k2"]
    with pytest.raises(NotFoundError, match="no key 'nope'"):
        keys.revoke("nope")


def test_the_last_admin_key_stays(services: Services) -> None:
    keys = services.keys
    admin = keys.create(Role.admin)
    with pytest.raises(LastAdminKeyError):
        keys.revoke(admin.key_id)
    other = keys.create(Role.admin)
    keys.revoke(admin.key_id)  # another admin is left
    assert keys.authenticate(admin.token) is None
    keys.revoke(other.key_id, keep_an_admin=False)  # the command line may
    assert keys.count_active(Role.admin) == 0


def test_install_an_operator_key_once(services: Services) -> None:
    keys = services.keys
    token = "a-long-operator-chosen-secret"
    installed = keys.install(token, Role.admin, "bootstrap")
    assert installed is not None
    assert keys.install(token, Role.admin, "bootstrap") is None
    assert keys.authenticate(token).role is Role.admin  # type: ignore[union-attr]
