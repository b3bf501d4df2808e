"""``/v1/keys``: API keys (admin only). A new key is shown once, in the response that makes it."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Response

from api.deps import Admin, AuditDep, KeysDep, Viewer
from api.routers import problems
from api.schemas import KeyCreate, KeyCreated, KeyOut, Me
from api.views import key_out

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/keys", tags=["keys"])


@router.get("/me", response_model=Me, summary="The calling key", responses=problems(401))
def me(principal: Viewer) -> Me:
    """Who is calling: role and branch scope (the page shows write controls by role)."""
    return Me(
        key_id=principal.key_id,
        role=principal.role.value,
        name=principal.name,
        branch_id=principal.branch_id,
    )


@router.post("", status_code=201, response_model=KeyCreated, responses=problems(401, 403, 413, 422))
def create(
    response: Response, body: KeyCreate, principal: Admin, keys: KeysDep, audit: AuditDep
) -> KeyCreated:
    new = keys.create(body.role, body.name, body.branch_id)
    audit.record(
        principal.key_id,
        "key.create",
        "key",
        new.key_id,
        detail={"role": body.role.value, "branch_id": body.branch_id},
    )
    record = keys.get(new.key_id)
    assert record is not None
    log.info(
        "key created",
        extra={"new_key_id": new.key_id, "role": body.role.value, "key_id": principal.key_id},
    )
    response.headers["Location"] = f"/v1/keys/{new.key_id}"
    return KeyCreated(**key_out(record).model_dump(), key=new.token)


@router.get("", response_model=list[KeyOut], responses=problems(401, 403))
def list_keys(_: Admin, keys: KeysDep) -> list[KeyOut]:
    return [key_out(k) for k in keys.all()]


@router.delete(
    "/{key_id}",
    response_model=KeyOut,
    summary="Revoke a key",
    description="The key stops working at once. The last active admin key cannot be revoked "
    "(409): the service would have no one left to manage keys.",
    responses=problems(401, 403, 404, 409),
)
def revoke(key_id: str, principal: Admin, keys: KeysDep, audit: AuditDep) -> KeyOut:
    key = keys.revoke(key_id)  # 404 for no key, 409 for the last active admin key
    audit.record(principal.key_id, "key.revoke", "key", key_id)
    log.info("key revoked", extra={"revoked_key_id": key_id, "key_id": principal.key_id})
    return key_out(key)
