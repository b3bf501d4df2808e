"""``/v1/datasets``: upload a bank (multipart files or JSON records), read its metadata."""

from __future__ import annotations

import json
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.deps import AuditDep, DatasetsDep, Offset, Planner, RecordLimit, SettingsDep, Viewer
from api.errors import Unprocessable, UnsupportedMediaType
from api.ingest import TABLES, Upload, spool_upload
from api.routers import problems
from api.sandbox import Limits
from api.schemas import DatasetList, DatasetOut
from api.settings import Settings
from api.uploads import ParsedBank, parse_files, parse_json, run_parse
from api.views import dataset_out

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/datasets", tags=["datasets"])

_MULTIPART_SCHEMA = {
    "type": "object",
    "required": ["customers", "rms"],
    "properties": {
        "customers": {"type": "string", "format": "binary", "description": "CSV or Parquet"},
        "rms": {"type": "string", "format": "binary", "description": "CSV or Parquet"},
        "branches": {"type": "string", "format": "binary", "description": "Optional"},
        "name": {"type": "string", "maxLength": 200},
        "policy": {
            "type": "string",
            "description": "Optional policy overrides as JSON: the upload is checked under them",
        },
    },
}
_REQUEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {"schema": _MULTIPART_SCHEMA},
            "application/json": {"schema": {"$ref": "#/components/schemas/DatasetCreate"}},
        },
    }
}


def _limits(settings: Settings) -> Limits:
    return Limits(seconds=settings.parse_seconds, memory_bytes=settings.parse_memory_bytes)


def _policy_field(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise Unprocessable("policy must be a JSON object of overrides", field="policy") from None
    if not isinstance(value, dict):
        raise Unprocessable("policy must be a JSON object of overrides", field="policy")
    return value


async def _from_multipart(request: Request, settings: Settings) -> ParsedBank:
    async with request.form(max_files=len(TABLES), max_fields=len(TABLES) + 2) as form:
        uploads: dict[str, UploadFile] = {}
        name: str | None = None
        policy: dict[str, Any] | None = None
        for field, value in form.multi_items():
            if field == "name" and isinstance(value, str):
                name = value[:200] or None
            elif field == "policy" and isinstance(value, str):
                policy = _policy_field(value) if value.strip() else None
            elif field in TABLES and isinstance(value, UploadFile):
                if field in uploads:
                    raise Unprocessable(f"{field} given twice", field=field)
                uploads[field] = value
            elif field in TABLES:
                raise Unprocessable(f"{field} must be a file", field=field)
            else:
                raise Unprocessable(
                    f"unknown form field {field!r}: expected customers, rms, branches, name, "
                    "policy",
                    field=field,
                )
        for required in ("customers", "rms"):
            if required not in uploads:
                raise Unprocessable(f"the {required} file is required", field=required)

        def work() -> ParsedBank:
            with tempfile.TemporaryDirectory(prefix="rmalloc-upload-") as tmp:
                paths = {
                    t: str(spool_upload(Upload(t, u.filename, u.content_type, u.file), Path(tmp)))
                    for t, u in uploads.items()
                }
                return run_parse(parse_files, paths, policy, name, limits=_limits(settings))

        return await run_in_threadpool(work)


async def _from_json(request: Request, settings: Settings) -> ParsedBank:
    raw = await request.body()
    return await run_in_threadpool(
        run_parse, parse_json, raw, settings.max_json_rows, limits=_limits(settings)
    )


@router.post(
    "",
    status_code=201,
    response_model=DatasetOut,
    summary="Upload a bank",
    description="Multipart files `customers`, `rms` (and optional `branches`), CSV or Parquet; "
    "or a JSON body of records with the contract's field names. Validated on upload as the "
    "command line validates files, under the optional `policy` (overrides of policy v1): the "
    "contract, and locks that cannot all hold. 422 lists every issue with its file, row, column "
    "and value; 413 when the body, or what it inflates to, passes a size or time limit.",
    openapi_extra=_REQUEST_BODY,
    responses=problems(400, 401, 403, 413, 415, 422),
)
async def create_dataset(
    request: Request,
    response: Response,
    principal: Planner,
    datasets: DatasetsDep,
    settings: SettingsDep,
    audit: AuditDep,
) -> DatasetOut:
    started = time.monotonic()
    ctype = request.headers.get("content-type", "").lower()
    if ctype.startswith("multipart/form-data"):
        parsed = await _from_multipart(request, settings)
    elif ctype.startswith("application/json") or ctype.endswith("+json"):
        parsed = await _from_json(request, settings)
    else:
        raise UnsupportedMediaType("send multipart/form-data files or an application/json body")
    ds = await run_in_threadpool(
        datasets.add, parsed.bank, name=parsed.name, created_by=principal.key_id
    )
    log.info(
        "dataset stored",
        extra={
            "dataset_id": ds.id,
            "customers": ds.n_customers,
            "rms": ds.n_rms,
            "branches": ds.n_branches,
            "bytes": ds.size_bytes,
            "seconds": round(time.monotonic() - started, 3),
            "key_id": principal.key_id,
        },
    )
    audit.record(
        principal.key_id,
        "dataset.upload",
        "dataset",
        ds.id,
        detail={"customers": ds.n_customers, "rms": ds.n_rms, "sha256": ds.sha256},
    )
    response.headers["Location"] = f"/v1/datasets/{ds.id}"
    return dataset_out(ds)


@router.get("", response_model=DatasetList, responses=problems(401, 403, 422))
def list_datasets(
    _: Viewer,
    datasets: DatasetsDep,
    limit: RecordLimit = 100,
    offset: Offset = 0,
) -> DatasetList:
    items = datasets.page(limit=limit, offset=offset)
    return DatasetList(items=[dataset_out(d) for d in items], limit=limit, offset=offset)


@router.get("/{dataset_id}", response_model=DatasetOut, responses=problems(401, 403, 404))
def get_dataset(dataset_id: str, _: Viewer, datasets: DatasetsDep) -> DatasetOut:
    return dataset_out(datasets.require(dataset_id))
