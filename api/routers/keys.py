"""``/v1/keys``: API keys (admin only). A new key is shown once, in the response that makes it."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response

from api.auth import Admin, Role, create_key
from api.errors import Conflict, NotFound
from api.routers import problems, store_of
from api.schemas import KeyCreate, KeyCreated, KeyOut
from api.views import key_out

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/keys", tags=["keys"])


@router.post("", status_code=201, response_model=KeyCreated, responses=problems(401, 403, 413, 422))
def create(request: Request, response: Response, body: KeyCreate, principal: Admin) -> KeyCreated:
    store = store_of(request)
    new = create_key(store, body.role, body.name)
    record = store.get_key(new.key_id)
    assert record is not None
    log.info(
        "key created",
        extra={"new_key_id": new.key_id, "role": body.role.value, "key_id": principal.key_id},
    )
    response.headers["Location"] = f"/v1/keys/{new.key_id}"
    return KeyCreated(**key_out(record).model_dump(), key=new.token)


@router.get("", response_model=list[KeyOut], responses=problems(401, 403))
def list_keys(request: Request, _: Admin) -> list[KeyOut]:
    return [key_out(k) for k in store_of(request).list_keys()]


@router.delete(
    "/{key_id}",
    response_model=KeyOut,
    summary="Revoke a key",
    description="The key stops working at once. The last active admin key cannot be revoked "
    "(409): the service would have no one left to manage keys.",
    responses=problems(401, 403, 404, 409),
)
def revoke(request: Request, key_id: str, principal: Admin) -> KeyOut:
    store = store_of(request)
    key = store.get_key(key_id)
    if key is None:
        raise NotFound(f"no key {key_id!r}")
    if (
        key.revoked_at is None
        and key.role == Role.admin.value
        and store.count_active_keys(Role.admin.value) <= 1
    ):
        raise Conflict("this is the last active admin key; create another admin key first")
    key = store.revoke_key(key_id) or key
    log.info("key revoked", extra={"revoked_key_id": key_id, "key_id": principal.key_id})
    return key_out(key)
