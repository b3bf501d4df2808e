"""``/v1/datasets``: upload a bank (multipart files or JSON records), read its metadata."""

from __future__ import annotations

import logging
import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from allocator.instance import Instance
from api.deps import DatasetsDep, Planner, SettingsDep, Viewer
from api.errors import Unprocessable, UnsupportedMediaType
from api.ingest import TABLES, Upload, records_frame, validate_frames, validate_uploads
from api.routers import problems
from api.schemas import DatasetCreate, DatasetList, DatasetOut
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


async def _from_multipart(request: Request) -> tuple[Instance, str | None]:
    async with request.form(max_files=len(TABLES), max_fields=len(TABLES) + 1) as form:
        uploads: dict[str, Upload] = {}
        name: str | None = None
        for field, value in form.multi_items():
            if field == "name" and isinstance(value, str):
                name = value[:200] or None
            elif field in TABLES and isinstance(value, UploadFile):
                if field in uploads:
                    raise Unprocessable(f"{field} given twice", field=field)
                uploads[field] = Upload(field, value.filename, value.content_type, value.file)
            elif field in TABLES:
                raise Unprocessable(f"{field} must be a file", field=field)
            else:
                raise Unprocessable(
                    f"unknown form field {field!r}: expected customers, rms, branches, name",
                    field=field,
                )
        for required in ("customers", "rms"):
            if required not in uploads:
                raise Unprocessable(f"the {required} file is required", field=required)
        return await run_in_threadpool(validate_uploads, uploads), name


async def _from_json(request: Request, max_rows: int) -> tuple[Instance, str | None]:
    raw = await request.body()
    try:
        body = DatasetCreate.model_validate_json(raw)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e.get("loc", ()))} for e in exc.errors()]
        raise RequestValidationError(errors) from None
    tables: dict[str, list[Any] | None] = {
        "customers": body.customers,
        "rms": body.rms,
        "branches": body.branches,
    }
    for table, records in tables.items():
        if records is not None and len(records) > max_rows:
            raise Unprocessable(f"{table}: more than {max_rows} records", field=table)

    def build() -> Instance:
        frames = {
            table: None
            if records is None
            else records_frame([r.model_dump(exclude_unset=True) for r in records])
            for table, records in tables.items()
        }
        return validate_frames(frames)

    return await run_in_threadpool(build), body.name


@router.post(
    "",
    status_code=201,
    response_model=DatasetOut,
    summary="Upload a bank",
    description="Multipart files `customers`, `rms` (and optional `branches`), CSV or Parquet; "
    "or a JSON body of records with the contract's field names. Validated on upload: 422 lists "
    "every issue with its file, row and column.",
    openapi_extra=_REQUEST_BODY,
    responses=problems(401, 403, 413, 415, 422),
)
async def create_dataset(
    request: Request,
    response: Response,
    principal: Planner,
    datasets: DatasetsDep,
    settings: SettingsDep,
) -> DatasetOut:
    started = time.monotonic()
    ctype = request.headers.get("content-type", "").lower()
    if ctype.startswith("multipart/form-data"):
        instance, name = await _from_multipart(request)
    elif ctype.startswith("application/json") or ctype.endswith("+json"):
        instance, name = await _from_json(request, settings.max_json_rows)
    else:
        raise UnsupportedMediaType("send multipart/form-data files or an application/json body")
    ds = await run_in_threadpool(
        datasets.save_instance, instance, name=name, created_by=principal.key_id
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
    response.headers["Location"] = f"/v1/datasets/{ds.id}"
    return dataset_out(ds)


@router.get("", response_model=DatasetList, responses=problems(401, 403, 422))
def list_datasets(
    _: Viewer,
    datasets: DatasetsDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> DatasetList:
    items = datasets.page(limit=limit, offset=offset)
    return DatasetList(items=[dataset_out(d) for d in items], limit=limit, offset=offset)


@router.get("/{dataset_id}", response_model=DatasetOut, responses=problems(401, 403, 404))
def get_dataset(dataset_id: str, _: Viewer, datasets: DatasetsDep) -> DatasetOut:
    return dataset_out(datasets.require(dataset_id))
