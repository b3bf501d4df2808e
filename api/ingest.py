"""Datasets in: uploads and JSON records to a validated bank, and the bytes it is stored as.

Uploads are spooled to disk here and read with the library's own reader
(:func:`allocator.io.read_table`, every cell as text, so an issue quotes a value exactly as the
user typed it) in a bounded child process (:mod:`api.uploads`), then validated with
:func:`allocator.validation.load_instance`. What is stored is the *normalised* instance (Parquet
bytes per table, :func:`instance_tables`): it reads back through ``load_instance`` to an equal
instance. Nothing here touches the database; :mod:`api.services.datasets` stores the bytes.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd

from allocator.errors import InputError, InputIssue
from allocator.instance import Instance
from allocator.io import cell_text
from allocator.policy import Policy
from allocator.validation import load_instance

TABLES = ("customers", "rms", "branches")
_SUFFIXES = {".csv": ".csv", ".parquet": ".parquet", ".pq": ".parquet", ".xlsx": ".xlsx"}
_PARQUET_MAGIC = b"PAR1"
_XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Upload:
    """One uploaded table: its bytes (spooled to disk by the web server) and its file name."""

    name: str
    filename: str | None
    content_type: str | None
    file: BinaryIO


def upload_suffix(upload: Upload) -> str:
    """The format of an upload: from its file name, else its content type, else its first bytes
    (CSV when nothing says otherwise)."""
    if upload.filename:
        suffix = Path(upload.filename).suffix.lower()
        if suffix in _SUFFIXES:
            return _SUFFIXES[suffix]
    ctype = (upload.content_type or "").lower()
    if "parquet" in ctype:
        return ".parquet"
    if "spreadsheetml" in ctype:
        return ".xlsx"
    head = upload.file.read(4)
    upload.file.seek(0)
    if head == _PARQUET_MAGIC:
        return ".parquet"
    if head == _XLSX_MAGIC:
        return ".xlsx"
    return ".csv"


def spool_upload(upload: Upload, workdir: Path) -> Path:
    """Copy an uploaded table's bytes to ``workdir`` under a name whose suffix gives its format
    (reading it is for the bounded parse, :mod:`api.uploads`)."""
    path = workdir / f"{upload.name}{upload_suffix(upload)}"
    with path.open("wb") as out:
        while chunk := upload.file.read(1 << 20):
            out.write(chunk)
    return path


def records_frame(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """JSON records as a text table, exactly as if the same values came in a CSV file.

    Every cell goes through :func:`allocator.io.cell_text` (``None`` -> ``""``, ``true`` ->
    ``"true"``, ``17.0`` -> ``"17"``), so JSON and CSV uploads validate identically.
    """
    columns: dict[str, None] = {}
    for record in records:
        columns.update(dict.fromkeys(str(k) for k in record))
    data = {col: [_cell(record.get(col)) for record in records] for col in columns}
    return pd.DataFrame(data, columns=list(columns), dtype="str")


def _cell(value: Any) -> str:
    if isinstance(value, (list, dict)):
        # Nested values are not contract cells; certifications may come as a list.
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return ";".join(value)
        return str(value)
    return cell_text(value)


def validate_frames(
    frames: Mapping[str, pd.DataFrame | None], policy: Policy | None = None
) -> Instance:
    """Validate tables into an instance under ``policy`` (v1 when ``None``); ``InputError``
    listing every issue otherwise."""
    if frames.get("customers") is None or frames.get("rms") is None:
        missing = [n for n in ("customers", "rms") if frames.get(n) is None]
        raise InputError(
            [InputIssue(n, None, None, None, "this table is required") for n in missing]
        )
    customers, rms = frames["customers"], frames["rms"]
    assert customers is not None and rms is not None
    return load_instance(customers, rms, frames.get("branches"), policy=policy)


def is_limit_error(exc: InputError) -> bool:
    """Whether an input error says a size or time limit was hit (a 413, not a 422): the
    library's guards say so (:attr:`allocator.errors.InputError.limit_hit`), and so do the
    service's own (an error flagged ``limit_hit``)."""
    return bool(getattr(exc, "limit_hit", False))


def to_parquet(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


def from_parquet(data: bytes) -> pd.DataFrame:
    return pd.read_parquet(io.BytesIO(data))


def instance_tables(instance: Instance) -> dict[str, bytes]:
    """The tables to store for an instance (branches only when they were given: a derived tree
    is derived again on load)."""
    tables = {"customers": to_parquet(instance.customers), "rms": to_parquet(instance.rms)}
    if instance.branches_given:
        tables["branches"] = to_parquet(instance.branches)
    return tables


@dataclass(frozen=True)
class StoredBank:
    """A validated bank as it is stored: Parquet bytes per table, their counts and digest.

    An upload (parsed in a child process) and a bank the service derives itself (a scenario's
    edited bank, a re-solve's) are stored alike; this is what both hand the dataset service.
    """

    tables: dict[str, bytes]
    n_customers: int
    n_rms: int
    n_branches: int
    branches_given: bool
    sha256: str

    @classmethod
    def of(cls, instance: Instance) -> StoredBank:
        """The tables of a validated instance (see :func:`instance_tables`) and their digest."""
        tables = instance_tables(instance)
        return cls(
            tables=tables,
            n_customers=instance.n_customers,
            n_rms=instance.n_rms,
            n_branches=len(instance.branches),
            branches_given=instance.branches_given,
            sha256=tables_digest(tables),
        )


def tables_digest(tables: dict[str, bytes]) -> str:
    """SHA-256 over a dataset's stored tables in a fixed order (two uploads of the same bank
    normalise to the same bytes, so the digest tells a client it sent the same data again)."""
    digest = hashlib.sha256()
    for table in TABLES:
        if table in tables:
            digest.update(table.encode())
            digest.update(tables[table])
    return digest.hexdigest()
