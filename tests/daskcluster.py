"""A real Dask cluster on this machine for the tests: two one-thread worker processes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def local_cluster() -> Iterator[str]:
    """A ``LocalCluster`` of two one-thread worker processes (no dashboard, quiet); yields the
    scheduler's address and shuts the cluster down after."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    ) as local:
        yield local.scheduler_address
