"""A dataset upload, read, validated and compiled in a bounded child process.

An upload is checked exactly as the command line checks its files: the contract
(:func:`allocator.validation.load_instance`) *and* the compile under the dataset's policy
(:func:`allocator.compile.compile_problem`), which refuses locks that cannot all hold (a group
locked to two RMs, two key customers locked to one dedicated RM, locked workload over an RM's
capacity). Before, such a bank was stored (201) and every job on it failed later.

Reading runs in a child process (:mod:`api.sandbox`) with a deadline and a memory cap, so a
hostile file cannot hang the web process or eat its memory. The child gets paths of files the
web process spooled to disk (or the raw JSON body) and sends back plain data: the normalised
tables as Parquet bytes and their counts, or what was wrong with them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from allocator.compile import compile_problem
from allocator.errors import InputError, InputIssue, PolicyError
from allocator.io import read_table
from allocator.policy import load_policy
from api.ingest import StoredBank, is_limit_error, records_frame, validate_frames
from api.sandbox import Limits, SandboxError, run_bounded


@dataclass(frozen=True)
class ParsedBank:
    """A validated upload, ready to store: its tables and the name the client gave it."""

    bank: StoredBank
    name: str | None = None


@dataclass(frozen=True)
class Refusal:
    """Why an upload is refused, as plain data (exceptions do not cross processes whole).

    ``kind`` is ``input`` (``issues``: the contract's issues), ``policy`` (``detail``),
    ``request`` (``errors``: a malformed JSON body) or ``field`` (``detail`` and
    ``field_name``).
    """

    kind: str
    detail: str = ""
    field_name: str | None = None
    issues: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    limit_hit: bool = False


class UploadRefused(Exception):
    """Raised in the web process for a :class:`Refusal` that is not an ``InputError``."""

    def __init__(self, refusal: Refusal):
        self.refusal = refusal
        super().__init__(refusal.detail)


def _bank(frames: Mapping[str, Any], policy_source: Any, name: str | None) -> ParsedBank:
    policy = load_policy(policy_source)
    instance = validate_frames(frames, policy)
    compile_problem(instance, policy)  # conflicting locks: InputError naming every row
    return ParsedBank(StoredBank.of(instance), name)


def _refusal_of(exc: Exception) -> Refusal:
    if isinstance(exc, InputError):
        issues = [issue.to_dict() for issue in exc.issues]
        return Refusal("input", issues=issues, limit_hit=is_limit_error(exc))
    return Refusal("policy", detail=str(exc))


def parse_files(
    paths: dict[str, str], policy_source: Any, name: str | None
) -> ParsedBank | Refusal:
    """Read and check spooled upload files (runs in the child).

    A table that cannot be read is an issue like any other, reported together with the issues
    of the others.
    """
    issues: list[InputIssue] = []
    frames: dict[str, Any] = {}
    try:
        for table, path in paths.items():
            try:
                frames[table] = read_table(Path(path), name=table)
            except InputError as exc:
                issues.extend(exc.issues)
        if issues:
            raise InputError(issues)
        return _bank(frames, policy_source, name)
    except (InputError, PolicyError) as exc:
        return _refusal_of(exc)


def parse_json(raw: bytes, max_rows: int) -> ParsedBank | Refusal:
    """Read and check a JSON dataset body (runs in the child)."""
    from api.schemas import DatasetCreate

    try:
        body = DatasetCreate.model_validate_json(raw)
    except ValidationError as exc:
        errors = [
            {**e, "loc": ("body", *e.get("loc", ())), "ctx": None, "input": None}
            for e in exc.errors()
        ]
        return Refusal("request", errors=json.loads(json.dumps(errors, default=str)))
    tables: dict[str, list[Any] | None] = {
        "customers": body.customers,
        "rms": body.rms,
        "branches": body.branches,
    }
    for table, records in tables.items():
        if records is not None and len(records) > max_rows:
            return Refusal("field", f"{table}: more than {max_rows} records", table, limit_hit=True)
    frames = {
        table: None
        if records is None
        else records_frame([r.model_dump(exclude_unset=True) for r in records])
        for table, records in tables.items()
    }
    try:
        return _bank(frames, body.policy, body.name)
    except (InputError, PolicyError) as exc:
        return _refusal_of(exc)


def run_parse(fn: Any, *args: Any, limits: Limits) -> ParsedBank:
    """``fn(*args)`` in the bounded child; raise what it refused.

    Raises
    ------
    allocator.errors.InputError
        The data breaks the contract or the policy's lock rules (422; 413 for a size limit).
    UploadRefused
        A malformed body, a bad policy, too many records.
    api.sandbox.SandboxError
        Past the deadline or the memory cap (413).
    """
    result = run_bounded(fn, *args, limits=limits)
    if isinstance(result, ParsedBank):
        return result
    if not isinstance(result, Refusal):
        raise SandboxError("crashed", "the parser sent back no bank")
    if result.kind == "input":
        # the issues carry the guards' own words, so ``error.limit_hit`` says 413 or 422
        raise InputError([InputIssue(**issue) for issue in result.issues])
    raise UploadRefused(result)
