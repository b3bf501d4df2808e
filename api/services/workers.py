"""Worker processes as they last reported: the service is ready only while one is alive.

Workers run in other processes (or on other machines), so the only way the web process knows one
is alive is a heartbeat row in the database: ``/readyz`` and the metrics read the newest one. A
worker that stops cleanly says so, so its last heartbeat does not count as a live worker for the
next ``RMALLOC_WORKER_SEEN_SECONDS``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update

from api.models import Worker, utcnow
from api.services.base import Service


class WorkerService(Service):
    """Record and read worker heartbeats (over the database it is given)."""

    def beat(self, worker_id: str, *, host: str, pid: int, job_id: str | None) -> None:
        """Record that a worker is alive, and which job it runs (for operators)."""
        now = utcnow()
        with self.db.writing() as s:
            w = s.get(Worker, worker_id)
            if w is None:
                s.add(
                    Worker(
                        id=worker_id,
                        host=host,
                        pid=pid,
                        started_at=now,
                        heartbeat_at=now,
                        job_id=job_id,
                    )
                )
            else:
                w.heartbeat_at, w.job_id, w.stopped_at = now, job_id, None

    def stopped(self, worker_id: str) -> None:
        """Record a clean stop."""
        with self.db.writing() as s:
            s.execute(
                update(Worker)
                .where(Worker.id == worker_id)
                .values(stopped_at=utcnow(), job_id=None)
            )

    def last_heartbeat(self) -> dt.datetime | None:
        """The newest heartbeat of a worker that has not stopped (``None``: no worker)."""
        with self.db.reading() as s:
            return s.scalar(
                select(func.max(Worker.heartbeat_at)).where(Worker.stopped_at.is_(None))
            )

    def recent(self, *, limit: int = 50) -> list[Worker]:
        """The workers that beat last, newest first."""
        with self.db.reading() as s:
            q = select(Worker).order_by(Worker.heartbeat_at.desc()).limit(limit)
            return list(s.scalars(q))
