"""Helpers shared by the service tests (imported by name: the tests folder is on sys.path)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from api.ingest import StoredBank

ROOT = Path(__file__).resolve().parents[2]


def stub_bank(*, n_customers: int = 3, n_rms: int = 1, sha256: str = "0" * 64) -> StoredBank:
    """A stand-in for a stored bank: its tables are not Parquet, for tests of the records alone
    (lineage, the queue, the lifecycle), which never read a dataset's tables back as a bank."""
    return StoredBank(
        {"customers": b"c", "rms": b"r"},
        n_customers=n_customers,
        n_rms=n_rms,
        n_branches=1,
        branches_given=False,
        sha256=sha256,
    )


def wait_for(predicate: Callable[[], Any], timeout: float, every: float = 0.05) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(every)
