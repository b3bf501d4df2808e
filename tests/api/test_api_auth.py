"""Keys and roles: hashed storage, constant-time checks, 401/403, the admin-only keys router."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tests_api_helpers import ROOT  # type: ignore[import-not-found]

from api.auth import Role, generate_key, hash_secret, key_from_token
from api.bootstrap import ensure_admin_key


def test_key_is_stored_hashed(service) -> None:
    keys = service.services.keys
    new = keys.create(Role.planner, "batch")
    record = keys.get(new.key_id)
    assert record is not None and record.role == "planner"
    assert new.token.startswith(f"rma_{new.key_id}_")
    assert new.token.split("_", 2)[2] not in record.secret_sha256
    assert record.secret_sha256 == hash_secret(new.token.split("_", 2)[2])
    assert keys.authenticate(new.token).role is Role.planner  # type: ignore[union-attr]
    assert keys.authenticate(new.token + "x") is None
    assert keys.authenticate("rma_000000000000_" + "a" * 43) is None


def test_generated_keys_differ() -> None:
    assert generate_key().token != generate_key().token


def test_bootstrap_key_of_any_shape(service) -> None:
    token = "a-long-operator-chosen-secret"
    new = key_from_token(token)
    service.services.keys.add(new.key_id, new.secret_sha256, "admin", None)
    assert service.services.keys.authenticate(token).role is Role.admin  # type: ignore[union-attr]


def test_ensure_admin_key_only_when_none(make_service) -> None:
    svc = make_service()
    # the service fixture made keys already: nothing to do
    assert ensure_admin_key(svc.services.keys, svc.settings) is None
    empty = make_service()
    keys = empty.services.keys
    for key in keys.all():
        keys.revoke(key.id, keep_an_admin=False)
    token = ensure_admin_key(keys, empty.settings)
    assert token is not None and keys.authenticate(token).role is Role.admin  # type: ignore[union-attr]
    assert ensure_admin_key(keys, empty.settings) is None


def test_ensure_admin_key_honours_bootstrap_key(make_service) -> None:
    svc = make_service(bootstrap_key="operator-secret-0123456789")
    keys = svc.services.keys
    for key in keys.all():
        keys.revoke(key.id, keep_an_admin=False)
    assert ensure_admin_key(keys, svc.settings) is None  # installed, not printed
    assert keys.authenticate("operator-secret-0123456789").role is Role.admin  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "method,path",
    [("get", "/v1/datasets"), ("get", "/v1/jobs"), ("post", "/v1/jobs"), ("get", "/v1/keys")],
)
def test_every_v1_route_needs_a_key(service, method: str, path: str) -> None:
    r = getattr(service.client, method)(path)
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["www-authenticate"] == "Bearer"
    r = getattr(service.client, method)(path, headers={"Authorization": "Bearer nonsense-key"})
    assert r.status_code == 401


def test_revoked_key_stops_working(service) -> None:
    new = service.services.keys.create(Role.viewer)
    h = {"Authorization": f"Bearer {new.token}"}
    assert service.client.get("/v1/datasets", headers=h).status_code == 200
    service.services.keys.revoke(new.key_id)
    assert service.client.get("/v1/datasets", headers=h).status_code == 401


def test_viewer_cannot_upload_or_solve(service, dataset, small_bank_paths) -> None:
    files = {k: (p.name, p.read_bytes(), "text/csv") for k, p in small_bank_paths.items()}
    r = service.client.post("/v1/datasets", files=files, headers=service.headers("viewer"))
    assert r.status_code == 403 and r.json()["type"].endswith("forbidden")
    r = service.client.post(
        "/v1/jobs", json={"dataset_id": dataset["id"]}, headers=service.headers("viewer")
    )
    assert r.status_code == 403
    r = service.client.get(f"/v1/datasets/{dataset['id']}", headers=service.headers("viewer"))
    assert r.status_code == 200


def test_planner_cannot_manage_keys(service) -> None:
    h = service.headers("planner")
    assert service.client.post("/v1/keys", json={"role": "viewer"}, headers=h).status_code == 403
    assert service.client.get("/v1/keys", headers=h).status_code == 403


def test_admin_manages_keys(service) -> None:
    h = service.headers("admin")
    r = service.client.post("/v1/keys", json={"role": "viewer", "name": "dash"}, headers=h)
    assert r.status_code == 201
    made = r.json()
    assert made["key"].startswith("rma_") and made["role"] == "viewer"
    listed = service.client.get("/v1/keys", headers=h).json()
    assert made["id"] in {k["id"] for k in listed}
    assert all("key" not in k for k in listed)  # never shown again
    r = service.client.delete(f"/v1/keys/{made['id']}", headers=h)
    assert r.status_code == 200 and r.json()["revoked_at"]
    assert service.client.delete("/v1/keys/nope", headers=h).status_code == 404


def test_last_admin_key_cannot_be_revoked(service) -> None:
    h = service.headers("admin")
    admin_id = next(
        k["id"] for k in service.client.get("/v1/keys", headers=h).json() if k["role"] == "admin"
    )
    r = service.client.delete(f"/v1/keys/{admin_id}", headers=h)
    assert r.status_code == 409


def test_keys_cli_prints_key_last(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.sqlite'}"
    out = subprocess.run(
        [sys.executable, "-m", "rmalloc", "keys", "create", "--role", "planner", "--db", url],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    token = out.stdout.strip().splitlines()[-1]
    assert token.startswith("rma_")
    from api import db
    from api.services.keys import KeyService
    from api.services.session import Database

    engine = db.make_engine(url, pool=False)
    try:
        assert KeyService(Database(engine)).authenticate(token).role is Role.planner  # type: ignore[union-attr]
    finally:
        engine.dispose()
